"""/subscribe, /unsubscribe, the subscribe and unsubscribe buttons, and /timezone, through the real routers."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup, EditMessageText, SendMessage
from aiogram.types import Chat, InlineKeyboardButton, InlineKeyboardMarkup

from handlers.callbacks import ProductCb, SubscriptionCb, TimezoneCb
from handlers.views.subscriptions import language_in_text
from handlers.views.timezones import ZONE_BUTTONS, zone_label
from tests.unit.chat import ChatHarness, make_chat
from tests.unit.telegram import buttons
from tests.unit.test_handlers_errors import _membership


@pytest.fixture
def chat() -> ChatHarness:
    chat = make_chat(storage=MemoryStorage())
    chat.add_product("A12", {"Ivory": 12, "Rose": 0})
    return chat


def of(kind: type, requests: list[Any]) -> list[Any]:
    return [request for request in requests if isinstance(request, kind)]


def subscribed(chat: ChatHarness, user_id: int) -> bool:
    return chat.core.data.buyers[user_id].subscribed


def announcement() -> InlineKeyboardMarkup:
    """What an announcement carries: product buttons and the Unsubscribe button (handlers/views/announcements.py)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="A12 · Shirt", callback_data=ProductCb(product_id=1).pack())],
            [InlineKeyboardButton(text="🔕 Unsubscribe", callback_data=SubscriptionCb(action="off").pack())],
        ]
    )


async def test_start_offers_the_subscription_and_does_not_subscribe(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    [greeting] = await chat.say(anna, "/start")
    assert "Tell me about live streams" in buttons(greeting.reply_markup)[0]
    assert not subscribed(chat, anna.id)


async def test_tapping_the_button_subscribes_and_says_what_comes_and_how_to_stop(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    [greeting] = await chat.say(anna, "/start")

    requests = await chat.tap(anna, greeting.reply_markup, "Tell me about live streams")

    assert subscribed(chat, anna.id)
    [confirmation] = of(SendMessage, requests)
    assert "subscribed to our live streams" in confirmation.text
    assert "in English" in confirmation.text and "UTC" in confirmation.text  # the shop's zone: no country known
    assert "/unsubscribe" in confirmation.text
    [removed] = of(EditMessageReplyMarkup, requests)
    assert removed.reply_markup is None
    assert of(AnswerCallbackQuery, requests)


async def test_a_subscriber_is_greeted_without_the_button(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    await chat.say(anna, "/subscribe")
    [greeting] = await chat.say(anna, "/start")
    assert greeting.reply_markup is None and "/subscribe" not in greeting.text


async def test_a_double_tap_subscribes_once_and_confirms_once(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    [greeting] = await chat.say(anna, "/start")
    requests = await chat.double_tap(anna, greeting.reply_markup, "Tell me about live streams")
    assert len(of(SendMessage, requests)) == 1
    assert [answer.text for answer in of(AnswerCallbackQuery, requests)].count("You are already subscribed.") == 1


async def test_confirmation_speaks_the_buyers_language_and_zone(chat: ChatHarness) -> None:
    hanna = chat.chats.user(2, "Hanna", "de-DE")
    await chat.say(hanna, "/language")
    [reply] = await chat.say(hanna, "/subscribe")
    assert "Livestreams abonniert" in reply.text
    assert (
        "auf " + language_in_text("de") in reply.text and zone_label("Europe/Berlin", "de") in reply.text
    )  # de-DE: Germany


async def test_subscribe_twice_says_so_and_still_tells_how_to_stop(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    await chat.say(anna, "/subscribe")
    [again] = await chat.say(anna, "/subscribe")
    assert "already subscribed" in again.text and "/unsubscribe" in again.text


async def test_unsubscribe_command_ends_the_subscription(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    await chat.say(anna, "/subscribe")
    [reply] = await chat.say(anna, "/unsubscribe")
    assert not subscribed(chat, anna.id)
    assert "/subscribe" in reply.text
    [again] = await chat.say(anna, "/unsubscribe")
    assert "not subscribed" in again.text


async def test_unsubscribe_under_an_announcement_keeps_its_product_buttons(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    await chat.say(anna, "/subscribe")

    requests = await chat.tap(anna, announcement(), "Unsubscribe")

    assert not subscribed(chat, anna.id)
    [edit] = of(EditMessageReplyMarkup, requests)
    assert buttons(edit.reply_markup) == ["A12 · Shirt"]
    [confirmation] = of(SendMessage, requests)
    assert "/subscribe" in confirmation.text


async def test_unsubscribe_on_an_old_announcement_of_a_former_subscriber_is_answered(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    await chat.say(anna, "/start")
    requests = await chat.tap(anna, announcement(), "Unsubscribe")
    [answer] = of(AnswerCallbackQuery, requests)
    assert answer.text == "You are not subscribed any more."
    assert not of(SendMessage, requests)


async def test_joining_a_waitlist_offers_the_subscription(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    [card] = await chat.say(anna, "A12 Rose")
    requests = await chat.tap(anna, card.reply_markup, "waitlist")
    [joined] = of(SendMessage, requests)
    assert buttons(joined.reply_markup) == ["Leave the waitlist", "🔔 Tell me about live streams"]

    tapped = await chat.tap(anna, joined.reply_markup, "Tell me about live streams")

    assert subscribed(chat, anna.id)
    [edit] = of(EditMessageReplyMarkup, tapped)
    assert buttons(edit.reply_markup) == ["Leave the waitlist"]


async def test_a_returning_buyer_who_had_blocked_the_bot_is_reachable_again(chat: ChatHarness) -> None:
    olga = chat.chats.user(7, "Olga", "de")
    await chat.say(olga, "/subscribe")
    await chat.dispatcher.feed_update(chat.bot, _membership(olga.id, "member", "kicked"))
    assert chat.core.data.buyers[olga.id].blocked

    await chat.dispatcher.feed_update(chat.bot, _membership(olga.id, "kicked", "member"))  # unblocks the bot

    buyer = chat.core.data.buyers[olga.id]
    assert (buyer.blocked, buyer.started, buyer.subscribed) == (False, True, True)


async def test_subscription_commands_in_a_group_point_to_the_private_chat(chat: ChatHarness) -> None:
    group = Chat(id=-100, type="supergroup", title="Stream")
    for command in ("/subscribe", "/unsubscribe", "/timezone"):
        [pointer] = await chat.say(chat.chats.user(1), command, group)
        assert "?start=" in pointer.text
    assert not chat.core.data.buyers[1].subscribed


async def test_help_lists_the_new_commands(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "/help")
    assert all(command in reply.text for command in ("/subscribe", "/unsubscribe", "/timezone"))


# --- /timezone -------------------------------------------------------------------------------------------------------


async def test_timezone_shows_the_zone_in_use_and_the_countrys_zones(chat: ChatHarness) -> None:
    joao = chat.chats.user(3, "João", "pt-BR")
    await chat.say(joao, "/language")
    [screen] = await chat.say(joao, "/timezone")
    sao_paulo = zone_label("America/Sao_Paulo", "pt")
    assert sao_paulo in screen.text and "(UTC−03:00)" in sao_paulo
    labels = buttons(screen.reply_markup)
    # Brazil's most populous zone first; a dozen of its zones at most, then "automatic".
    assert labels[0] == sao_paulo and len(labels) == ZONE_BUTTONS + 1
    assert labels[-1].startswith("🌍")


async def test_typing_a_city_sets_the_zone(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    await chat.say(anna, "/timezone")
    [done] = await chat.say(anna, "sao paulo")
    assert chat.core.data.buyers[anna.id].timezone == "America/Sao_Paulo"
    assert zone_label("America/Sao_Paulo", "en") in done.text and "you chose" in done.text
    # The question is closed: later text is no longer taken for a zone.
    [later] = await chat.say(anna, "Berlin")
    assert chat.core.data.buyers[anna.id].timezone == "America/Sao_Paulo"
    assert "time zone" not in later.text


async def test_a_wrong_zone_is_answered_and_asked_again(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    await chat.say(anna, "/timezone")
    [refused] = await chat.say(anna, "Atlantis <3")
    assert "Atlantis &lt;3" in refused.text and "/cancel" in refused.text
    [done] = await chat.say(anna, "UTC+3")
    assert chat.core.data.buyers[anna.id].timezone == "Etc/GMT-3"
    assert "UTC+03:00" in done.text


async def test_cancel_keeps_the_zone(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    await chat.say(anna, "/timezone Tokyo")
    await chat.say(anna, "/timezone")
    [kept] = await chat.say(anna, "/cancel")
    assert "stays" in kept.text and "(UTC+09:00)" in kept.text
    assert chat.core.data.buyers[anna.id].timezone == "Asia/Tokyo"


async def test_timezone_with_a_zone_sets_it_at_once(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    [done] = await chat.say(anna, "/timezone +05:30")
    assert "UTC+05:30" in done.text
    assert chat.core.data.buyers[anna.id].timezone is not None


async def test_tapping_a_zone_or_automatic(chat: ChatHarness) -> None:
    hanna = chat.chats.user(2, "Hanna", "de-DE")
    [screen] = await chat.say(hanna, "/timezone")
    berlin = zone_label("Europe/Berlin", "de")
    requests = await chat.tap(hanna, screen.reply_markup, berlin)
    assert chat.core.data.buyers[hanna.id].timezone == "Europe/Berlin"
    [edit] = of(EditMessageText, requests)
    assert berlin in edit.text and edit.reply_markup is None

    await chat.tap_data(hanna, TimezoneCb(zone="auto").pack())
    assert chat.core.data.buyers[hanna.id].timezone is None


async def test_a_forged_zone_is_refused(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    requests = await chat.tap_data(anna, TimezoneCb(zone="Mars/Olympus").pack())
    [answer] = of(AnswerCallbackQuery, requests)
    assert answer.show_alert and "/timezone" in (answer.text or "")
    assert chat.core.data.buyers[anna.id].timezone is None


async def test_a_keyword_order_while_asked_for_a_zone_is_an_order(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    await chat.say(anna, "/timezone")
    [added] = await chat.say(anna, "A12 Ivory x1")
    assert "Added to your cart" in added.text


async def test_timezone_during_checkout_keeps_the_checkout(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    await chat.say(anna, "A12 Ivory x1")
    await chat.say(anna, "/checkout")
    [screen] = await chat.say(anna, "/timezone")
    assert screen.reply_markup is not None
    [cancelled] = await chat.say(anna, "/cancel")
    assert "stays" not in cancelled.text  # checkout's /cancel, not the time zone's


def test_every_zone_button_fits_telegrams_callback_data() -> None:
    from bot.domain.timezones import _country_zones

    zones = {zone for country in _country_zones().values() for zone in country}
    assert max(len(TimezoneCb(zone=zone).pack().encode()) for zone in zones) <= 64
