"""A merchant's streams through the real dispatcher: /streams and its buttons, going live with a pinned post of
deep-link buttons, a buyer opening one, /stats and /end; featured products first in group suggestions; and every
merchant command and button refused to a buyer, typed or forged, with nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.methods import (
    AnswerCallbackQuery,
    PinChatMessage,
    SendMessage,
    SendPhoto,
    UnpinChatMessage,
)
from aiogram.types import Chat, User

from bot.domain.streams import Stream, StreamPlan, StreamStatus, StreamTotals
from handlers.callbacks import NewStreamCb, StreamCb
from tests.unit.chat import ChatHarness, make_chat
from tests.unit.telegram import button_data, buttons

MERCHANT = 900
BUYER = 5
GROUP = Chat(id=-100777, type="supergroup", title="Live room")


@pytest.fixture
def chat() -> ChatHarness:
    chat = make_chat(merchant_ids=(MERCHANT,))
    chat.add_product("A12", {"Ivory": 5, "Rose": 5})
    chat.add_product("MUG", {"": 20})
    chat.add_product("MUD", {"": 20})
    return chat


@pytest.fixture
def merchant(chat: ChatHarness) -> User:
    return chat.chats.user(MERCHANT, "Mia")


async def planned(chat: ChatHarness, chat_id: int | None = GROUP.id, codes: tuple[str, ...] = ("A12", "MUG")) -> Stream:
    plan = StreamPlan(
        title="Spring drop",
        starts_at=datetime(2030, 12, 1, 18, 0, tzinfo=UTC),
        duration=timedelta(minutes=60),
        product_codes=codes,
        timezone="Europe/Paris",
        chat_id=chat_id,
    )
    return await chat.streams.plan(plan, datetime.now(UTC))


async def test_streams_lists_each_with_its_buttons_in_the_shop_zone(chat: ChatHarness, merchant: User) -> None:
    await planned(chat)
    [listed] = await chat.say(merchant, "/streams")
    assert "#1 Spring drop" in listed.text and "7:00" in listed.text and "Europe/Paris" in listed.text
    assert buttons(listed.reply_markup) == ["✏️ Edit", "🗓 Reschedule", "✖ Cancel", "🔴 Go live"]


async def test_no_streams_says_how_to_plan_one(chat: ChatHarness, merchant: User) -> None:
    [reply] = await chat.say(merchant, "/streams")
    assert "/newstream" in reply.text


async def test_reschedule_asks_the_new_start_and_refuses_a_bad_one(chat: ChatHarness, merchant: User) -> None:
    await planned(chat)
    [listed] = await chat.say(merchant, "/streams")
    await chat.tap(merchant, listed.reply_markup, "Reschedule")
    assert "not a date and time" in (await chat.say(merchant, "soon"))[0].text
    assert "already passed" in (await chat.say(merchant, "2021-01-01 10:00"))[0].text
    [done] = await chat.say(merchant, "2031-01-10 20:30")
    assert "now starts" in done.text
    assert chat.streams.streams[1].starts_at == datetime(2031, 1, 10, 19, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "bad", "good", "check"),
    [
        ("Title", "y" * 300, "Summer drop", lambda s: s.title == "Summer drop"),
        ("Duration", "long", "45", lambda s: s.duration == timedelta(minutes=45)),
        ("Products", "A12 NOPE", "mug a12", lambda s: s.product_codes == ("MUG", "A12")),
        ("Link", "not a link", "https://twitch.tv/shop", lambda s: s.link == "https://twitch.tv/shop"),
    ],
)
async def test_edit_changes_one_field_after_refusing_a_bad_value(
    chat: ChatHarness, merchant: User, field: str, bad: str, good: str, check: object
) -> None:
    await planned(chat)
    [listed] = await chat.say(merchant, "/streams")
    [choose] = [r for r in await chat.tap(merchant, listed.reply_markup, "Edit") if isinstance(r, SendMessage)]
    await chat.tap(merchant, choose.reply_markup, field)
    [refused] = await chat.say(merchant, bad)
    assert "again" in refused.text or "Please" in refused.text
    assert chat.streams.calls == []
    [changed] = await chat.say(merchant, good)
    assert "is changed" in changed.text
    assert check(chat.streams.streams[1])  # type: ignore[operator]


async def test_cancel_asks_first_and_keep_changes_nothing(chat: ChatHarness, merchant: User) -> None:
    await planned(chat)
    [listed] = await chat.say(merchant, "/streams")
    [confirm] = [r for r in await chat.tap(merchant, listed.reply_markup, "Cancel") if isinstance(r, SendMessage)]
    assert "Cancel stream #1" in confirm.text
    await chat.tap(merchant, confirm.reply_markup, "No, keep it")
    assert chat.streams.streams[1].status is StreamStatus.SCHEDULED
    requests = await chat.tap(merchant, confirm.reply_markup, "Yes, cancel it")
    assert any(isinstance(r, SendMessage) and "is cancelled" in r.text for r in requests)
    assert chat.streams.streams[1].status is StreamStatus.CANCELLED


async def test_live_pins_the_featured_products_as_deep_links_and_a_buyer_opens_one(
    chat: ChatHarness, merchant: User
) -> None:
    await planned(chat)
    [*_, told] = await chat.say(merchant, "/live")

    assert "is live" in told.text and "pinned" in told.text
    assert chat.streams.streams[1].status is StreamStatus.LIVE
    [post] = chat.session.sent(SendMessage, GROUP.id)
    assert "Live now: <b>Spring drop</b>" in post.text
    links = dict(button_data(post.reply_markup))
    a12 = chat.core.data.products["A12"]
    assert links[f"A12 · {a12.title}"] == f"https://t.me/livesell_test_bot?start=p_{a12.id}"
    [pin] = chat.session.sent(PinChatMessage)
    assert pin.chat_id == GROUP.id
    assert chat.streams.pinned[1] == (GROUP.id, pin.message_id)

    buyer = chat.chats.user(BUYER, "Ben", language_code="de")
    before = len(chat.session.requests)
    await chat.dispatcher.feed_update(chat.bot, chat.chats.message(buyer, f"/start p_{a12.id}"))
    [card] = [r for r in chat.session.requests[before:] if isinstance(r, SendMessage | SendPhoto)]
    assert card.chat_id == BUYER and "A12" in (getattr(card, "text", None) or card.caption)


async def test_a_deep_link_to_a_product_gone_says_so(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(BUYER), "/start p_99999")
    assert reply.chat_id == BUYER and "p_99999" not in reply.text


async def test_stats_gives_the_totals_in_the_shop_currency_and_end_unpins(chat: ChatHarness, merchant: User) -> None:
    await planned(chat)
    await chat.say(merchant, "/live 1")
    chat.streams.totals_by_stream[1] = StreamTotals(1, orders=3, units=5, revenue_minor=12_950, currency="EUR")

    [stats] = await chat.say(merchant, "/stats")
    assert "Orders: 3" in stats.text and "Units: 5" in stats.text and "€129.50" in stats.text

    [ended] = await chat.say(merchant, "/end")
    assert "has ended" in ended.text
    assert chat.streams.streams[1].status is StreamStatus.ENDED
    [unpin] = chat.session.sent(UnpinChatMessage)
    assert unpin.chat_id == GROUP.id and unpin.message_id == chat.streams.pinned[1][1]
    assert "No stream is live" in (await chat.say(merchant, "/stats"))[0].text


async def test_live_without_a_scheduled_stream_or_with_a_bad_id_explains(chat: ChatHarness, merchant: User) -> None:
    assert "No stream is scheduled" in (await chat.say(merchant, "/live"))[0].text
    assert "stream's number" in (await chat.say(merchant, "/live tonight"))[0].text
    assert "no such stream" in (await chat.say(merchant, "/live 7"))[0].text


async def test_going_live_where_the_bot_cannot_post_still_goes_live_and_says_so(
    chat: ChatHarness, merchant: User
) -> None:
    await planned(chat, chat_id=-100999)
    chat.session.blocking.add(-100999)
    replies = await chat.say(merchant, "/live")
    assert any("could not post or pin" in r.text for r in replies)
    assert chat.streams.streams[1].status is StreamStatus.LIVE


async def test_in_a_live_streams_group_its_featured_products_are_suggested_first(chat: ChatHarness) -> None:
    buyer = chat.chats.user(BUYER)
    [before] = await chat.say(buyer, "#muk", GROUP)
    assert buttons(before.reply_markup) == ["👉 MUD", "👉 MUG"]
    await planned(chat, codes=("MUG",))
    await chat.streams.go_live(1, datetime.now(UTC))

    [during] = await chat.say(buyer, "#muk", GROUP)
    assert buttons(during.reply_markup) == ["👉 MUG", "👉 MUD"]
    [elsewhere] = await chat.say(buyer, "#muk", Chat(id=-100555, type="supergroup", title="Other"))
    assert buttons(elsewhere.reply_markup) == ["👉 MUD", "👉 MUG"]


# --- buyers are refused everything merchant, and nothing changes ---------------------------------------------------


@pytest.mark.parametrize("command", ["/newstream", "/streams", "/live", "/live 1", "/stats", "/end 1"])
async def test_a_buyer_typing_a_merchant_command_is_told_it_is_not_for_them(chat: ChatHarness, command: str) -> None:
    await planned(chat)
    await chat.streams.go_live(1, datetime.now(UTC)) if command == "/end 1" else None
    before = dict(chat.streams.streams)
    [reply] = await chat.say(chat.chats.user(BUYER, language_code="fr"), command)
    assert reply.chat_id == BUYER and "🔒" in reply.text and "merchants" not in reply.text  # in French
    assert chat.streams.streams == before and chat.session.sent(PinChatMessage) == []


@pytest.mark.parametrize(
    "data",
    [
        *(StreamCb(action=action, stream_id=1).pack() for action in ("edit", "reschedule", "cancel", "cancel_yes")),
        StreamCb(action="live", stream_id=1).pack(),
        StreamCb(action="end", stream_id=1).pack(),
        StreamCb(action="field", stream_id=1, value="title").pack(),
        NewStreamCb(action="save").pack(),
        NewStreamCb(action="zone").pack(),
        "st:live:not-a-number",
    ],
)
async def test_a_buyer_forging_a_merchant_button_is_refused_and_nothing_changes(chat: ChatHarness, data: str) -> None:
    await planned(chat)
    buyer = chat.chats.user(BUYER)
    requests = await chat.tap_data(buyer, data)
    [alert] = [r for r in requests if isinstance(r, AnswerCallbackQuery)]
    assert alert.show_alert and "merchants only" in (alert.text or "")
    assert chat.streams.calls == [] and chat.streams.streams[1].status is StreamStatus.SCHEDULED
    assert not [r for r in requests if isinstance(r, SendMessage)]
    # The buyer is in no merchant conversation: what they type next is theirs as ever.
    assert "Added to your cart" in (await chat.say(buyer, "MUG"))[0].text


async def test_help_lists_the_merchant_commands_for_merchants_only(chat: ChatHarness, merchant: User) -> None:
    [mine] = await chat.say(merchant, "/help")
    [theirs] = await chat.say(chat.chats.user(BUYER), "/help")
    assert "/newstream" in mine.text and "/stats" in mine.text
    assert "/newstream" not in theirs.text
