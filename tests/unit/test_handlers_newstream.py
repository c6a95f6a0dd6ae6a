"""/newstream through the real dispatcher with a StreamService in memory: every step, a bad answer at each (explained,
asked again, nothing lost), the preview in two subscriber languages, saving, and /cancel at any step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.methods import SendMessage
from aiogram.types import Chat, User

from bot.domain.streams import StreamStatus
from tests.unit.chat import ChatHarness, make_chat
from tests.unit.telegram import buttons

MERCHANT = 900
GROUP = Chat(id=-100777, type="supergroup", title="Live room")


@pytest.fixture
def chat() -> ChatHarness:
    chat = make_chat(merchant_ids=(MERCHANT,))
    chat.add_product("A12", {"Ivory": 5, "Rose": 5})
    chat.add_product("MUG", {"": 20})
    chat.session.groups["@liveroom"] = GROUP
    chat.session.groups[GROUP.id] = GROUP
    return chat


@pytest.fixture
def merchant(chat: ChatHarness) -> User:
    return chat.chats.user(MERCHANT, "Mia")


async def answer(chat: ChatHarness, user: User, text: str) -> SendMessage:
    [reply] = await chat.say(user, text)
    return reply


async def tap(chat: ChatHarness, user: User, reply: SendMessage, button: str) -> SendMessage:
    [sent] = [r for r in await chat.tap(user, reply.reply_markup, button) if isinstance(r, SendMessage)]
    return sent


async def test_a_merchant_plans_a_stream_through_every_step_with_a_bad_answer_at_each(
    chat: ChatHarness, merchant: User
) -> None:
    chat.streams.languages = ["en", "de", "fr"]  # subscribers' languages, most common first
    assert "title" in (await answer(chat, merchant, "/newstream")).text

    assert "1 to 200 characters" in (await answer(chat, merchant, "x" * 201)).text
    more = await answer(chat, merchant, "Spring   drop")
    assert "another language" in more.text and "Deutsch" in buttons(more.reply_markup)
    assert "Spring drop" not in more.text  # no translations yet

    assert "Deutsch" in (await tap(chat, merchant, more, "Deutsch")).text
    more = await answer(chat, merchant, "Frühlingsauswahl")
    assert "Frühlingsauswahl" in more.text and "Deutsch" not in buttons(more.reply_markup)
    ask_start = await tap(chat, merchant, more, "Continue")
    assert "Europe/Paris" in ask_start.text

    assert "not a date and time" in (await answer(chat, merchant, "tomorrow at 7")).text
    assert "already passed" in (await answer(chat, merchant, "2020-01-01 19:00")).text
    assert "time zone" in (await tap(chat, merchant, ask_start, "Another time zone")).text
    assert "I do not know the time zone" in (await answer(chat, merchant, "Mars/Base")).text
    assert "America/New_York" in (await answer(chat, merchant, "America/New_York")).text
    assert "minutes" in (await answer(chat, merchant, "2030-12-01 19:00")).text

    assert "whole number of minutes" in (await answer(chat, merchant, "an hour")).text
    assert "whole number of minutes" in (await answer(chat, merchant, "0")).text
    assert "whole number of minutes" in (await answer(chat, merchant, "99999999999999999999")).text
    assert "codes" in (await answer(chat, merchant, "90")).text

    unknown = await answer(chat, merchant, "A12, ZZ9 NOPE")
    assert "Not in the catalogue: ZZ9, NOPE" in unknown.text
    assert "link" in (await answer(chat, merchant, "a12 mug")).text

    assert "https://" in (await answer(chat, merchant, "youtube")).text
    assert "channel or group" in (await answer(chat, merchant, "https://youtube.com/live/spring")).text

    assert "cannot find the chat" in (await answer(chat, merchant, "@nowhere")).text
    preview = await answer(chat, merchant, "@liveroom")
    assert "English, Deutsch" in preview.text  # the shop's language and the subscribers' most common other one
    assert "Spring drop" in preview.text and "Frühlingsauswahl" in preview.text
    assert "A12" in preview.text and "MUG" in preview.text and "https://youtube.com/live/spring" in preview.text
    assert buttons(preview.reply_markup) == ["✅ Save", "✖ Cancel"]
    assert chat.streams.streams == {}

    saved = await tap(chat, merchant, preview, "Save")

    assert "Saved: stream #1" in saved.text
    [stream] = chat.streams.streams.values()
    assert stream.title == "Spring drop" and stream.titles == {"de": "Frühlingsauswahl"}
    assert stream.starts_at == datetime(2030, 12, 2, 0, 0, tzinfo=UTC)  # 19:00 in New York
    assert stream.timezone == "America/New_York" and stream.duration == timedelta(minutes=90)
    assert stream.product_codes == ("A12", "MUG")  # as the catalogue spells them
    assert stream.link == "https://youtube.com/live/spring" and stream.chat_id == GROUP.id
    assert stream.created_by == MERCHANT and stream.status is StreamStatus.SCHEDULED


async def plan_until_link(chat: ChatHarness, merchant: User) -> SendMessage:
    await answer(chat, merchant, "/newstream")
    more = await answer(chat, merchant, "Quick one")
    await tap(chat, merchant, more, "Continue")
    await answer(chat, merchant, "2030-06-01T10:00+02:00")
    await answer(chat, merchant, "30")
    return await answer(chat, merchant, "MUG")


async def test_skipping_the_link_and_channel_previews_in_the_shop_language_alone(
    chat: ChatHarness, merchant: User
) -> None:
    ask_link = await plan_until_link(chat, merchant)
    ask_channel = await tap(chat, merchant, ask_link, "Skip")
    preview = await tap(chat, merchant, ask_channel, "Skip")
    assert "English:" in preview.text and "Deutsch" not in preview.text
    await tap(chat, merchant, preview, "Save")
    [stream] = chat.streams.streams.values()
    assert stream.link is None and stream.chat_id is None
    assert stream.starts_at == datetime(2030, 6, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("step", range(1, 8))
async def test_cancel_at_any_step_saves_nothing(chat: ChatHarness, merchant: User, step: int) -> None:
    answers = ["/newstream", "Title", None, "2030-06-01 10:00", "30", "MUG", "skip", "skip"]
    for text in answers[:step]:
        if text is None:
            await tap(chat, merchant, chat.last_reply(MERCHANT), "Continue")
        else:
            await answer(chat, merchant, text)

    assert "no stream was saved" in (await answer(chat, merchant, "/cancel")).text
    assert chat.streams.streams == {}


async def test_the_cancel_button_stops_the_plan(chat: ChatHarness, merchant: User) -> None:
    ask_title = await answer(chat, merchant, "/newstream")
    stopped = await tap(chat, merchant, ask_title, "Cancel")
    assert "no stream was saved" in stopped.text
    # Then what is typed is no answer to a question anymore: a code is a keyword order again.
    assert "Added to your cart" in (await answer(chat, merchant, "MUG")).text


async def test_product_codes_at_the_products_step_are_answers_not_orders(chat: ChatHarness, merchant: User) -> None:
    await plan_until_link(chat, merchant)
    assert chat.shop.carts == {}


async def test_a_merchant_speaking_german_is_asked_in_german(chat: ChatHarness) -> None:
    merchant = chat.chats.user(MERCHANT, "Mia", language_code="de")
    reply = await answer(chat, merchant, "/newstream")
    assert "/cancel" in reply.text and "title" not in reply.text


async def test_a_stale_cancel_under_a_saved_preview_changes_nothing(chat: ChatHarness, merchant: User) -> None:
    ask_link = await plan_until_link(chat, merchant)
    ask_channel = await tap(chat, merchant, ask_link, "Skip")
    preview = await tap(chat, merchant, ask_channel, "Skip")
    await tap(chat, merchant, preview, "Save")

    requests = await chat.tap(merchant, preview.reply_markup, "Cancel")

    assert not [r for r in requests if isinstance(r, SendMessage)]
    assert len(chat.streams.streams) == 1
