"""/orders, /currency, /help and the notices the core sends through the Telegram notifier."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiogram.methods import EditMessageText, SendMessage
from aiogram.types import Chat
from aiogram.utils.i18n import I18n

from bot.app import LOCALES
from bot.domain.notices import HoldEndingSoon, HoldExpired, WaitlistOffer
from handlers.notifier import TelegramNotifier
from handlers.views.start import command_descriptions
from tests.shown import price
from tests.unit.chat import ChatHarness, make_chat
from tests.unit.telegram import buttons, make_bot


@pytest.fixture
def chat() -> ChatHarness:
    chat = make_chat()
    chat.add_product("A12", {"M": 5})
    return chat


async def test_orders_lists_each_order_with_its_status_and_total(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    await chat.say(anna, "A12 M x2")
    for text in ("/checkout", "DE", "Anna Schmidt", "Hauptstraße 5, Berlin", "+49 30 1234567"):
        [summary] = await chat.say(anna, text)
    await chat.tap(anna, summary.reply_markup, "Confirm")
    [reply] = await chat.say(anna, "/orders")
    assert f"#1 · awaiting payment · {price('49.70')} · 2 items" in reply.text


async def test_orders_say_what_they_count(chat: ChatHarness) -> None:
    chat.add_product("B7", {"": 9})
    anna = chat.chats.user(1)
    await chat.say(anna, "A12 M x4")
    await chat.say(anna, "B7 x1")
    for text in ("/checkout", "DE", "Anna Schmidt", "Hauptstraße 5, Berlin", "+49 30 1234567"):
        [summary] = await chat.say(anna, text)
    await chat.tap(anna, summary.reply_markup, "Confirm")
    [reply] = await chat.say(anna, "/orders")
    assert "5 items" in reply.text  # units, not the two lines


async def test_orders_without_any_says_so(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "/orders")
    assert "no orders yet" in reply.text


async def test_currency_offers_automatic_and_the_known_currencies(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    await chat.say(anna, "/start")
    [reply] = await chat.say(anna, "/currency")
    labels = buttons(reply.reply_markup)
    assert labels[0].endswith("Automatic (from my country)")
    assert labels[1:] == ["EUR", "GBP", "USD"]
    [done] = [r for r in await chat.tap(anna, reply.reply_markup, "USD") if isinstance(r, EditMessageText)]
    assert "prices in USD" in done.text
    assert chat.core.data.buyers[anna.id].currency == "USD"
    [automatic] = [r for r in await chat.tap(anna, reply.reply_markup, "Automatic") if isinstance(r, EditMessageText)]
    assert chat.core.data.buyers[anna.id].currency is None
    # Her app says "en": no country yet, so she is told what she will see until there is one.
    assert "prices in EUR until I know your country" in automatic.text


async def test_currency_typed_after_the_command(chat: ChatHarness) -> None:
    anna = chat.chats.user(1)
    [done] = await chat.say(anna, "/currency gbp")
    assert "prices in GBP" in done.text
    [refused] = await chat.say(anna, "/currency XYZ")
    assert "cannot show prices in XYZ" in refused.text


async def test_help_and_the_command_menu_name_the_new_commands(chat: ChatHarness) -> None:
    [reply] = await chat.say(chat.chats.user(1), "/help")
    for command in ("/cart", "/checkout", "/orders", "/currency", "/cancel"):
        assert command in reply.text
    assert "A12 M x2" in reply.text
    i18n = I18n(path=LOCALES, default_locale="en", domain="messages")
    with i18n.context():
        assert {"cart", "checkout", "orders", "currency"} <= set(command_descriptions())


async def notify(notice: object, blocked: bool = False) -> tuple[bool, list[SendMessage]]:
    bot, session = make_bot()
    if blocked:
        session.unreachable.add(1)
    notifier = TelegramNotifier(I18n(path=LOCALES, default_locale="en", domain="messages"), bot)
    delivered = await notifier.send(notice)  # type: ignore[arg-type]
    return delivered, session.sent()


async def test_hold_reminder_shows_the_cart_and_minutes_left(chat: ChatHarness) -> None:
    await chat.say(chat.chats.user(1), "A12 M x2")
    cart = chat.shop.cart(1)
    soon = datetime.now(UTC) + timedelta(minutes=4, seconds=30)
    delivered, [message] = await notify(HoldEndingSoon(1, "en", soon, cart))
    assert delivered
    assert "These items stay reserved for 5 more minutes:" in message.text
    assert "A12 M ×2" in message.text and "✅ Checkout" in buttons(message.reply_markup)


async def test_hold_reminder_names_only_the_lines_whose_hold_ends(chat: ChatHarness) -> None:
    chat.add_product("B07", {"L": 5})
    await chat.say(chat.chats.user(1), "A12 M x2")
    await chat.say(chat.chats.user(1), "B07 L x1")
    cart = chat.shop.cart(1)
    ending = next(line for line in cart.lines if line.code == "A12")
    soon = datetime.now(UTC) + timedelta(minutes=1)

    _, [message] = await notify(HoldEndingSoon(1, "en", soon, cart, frozenset({ending.sku_id})))

    heading, _, cart_part = message.text.partition("Your cart")
    assert "A12 M ×2" in heading and "B07" not in heading
    assert "B07 L ×1" in cart_part


async def test_expiry_notice_names_the_released_lines(chat: ChatHarness) -> None:
    await chat.say(chat.chats.user(1), "A12 M x2")
    delivered, [message] = await notify(HoldExpired(1, "en", chat.shop.cart(1).lines))
    assert delivered and "went back on sale" in message.text and "A12 M ×2" in message.text


async def test_waitlist_offer_says_it_is_reserved_and_for_how_long(chat: ChatHarness) -> None:
    await chat.say(chat.chats.user(1), "A12 M")
    line = chat.shop.cart(1).lines[0]
    delivered, [message] = await notify(WaitlistOffer(1, "en", line, datetime.now(UTC) + timedelta(minutes=15)))
    assert delivered and "is back" in message.text and "15 minutes" in message.text


async def test_notice_in_the_buyers_language(chat: ChatHarness) -> None:
    await chat.say(chat.chats.user(1), "A12 M")
    _, [message] = await notify(HoldExpired(1, "de", chat.shop.cart(1).lines))
    assert "19,90" in message.text  # German number format, whatever the translation's progress


async def test_notifier_returns_false_when_the_buyer_blocked_the_bot(chat: ChatHarness) -> None:
    await chat.say(chat.chats.user(1), "A12 M")
    delivered, _ = await notify(HoldExpired(1, "en", chat.shop.cart(1).lines), blocked=True)
    assert delivered is False


async def test_currency_chosen_in_the_first_message_is_remembered(chat: ChatHarness) -> None:
    newcomer = chat.chats.user(77, "Astrid", "sv")  # a language the shop does not speak

    await chat.say(newcomer, "/currency USD")

    buyer = chat.core.data.buyers[77]
    assert (buyer.currency, buyer.language, buyer.started) == ("USD", "en", True)


async def test_group_commenter_is_registered_but_not_reachable(chat: ChatHarness) -> None:
    stream = Chat(id=-100123, type="supergroup", title="Live stream chat")
    await chat.say(chat.chats.user(78, "Lena", "de"), "great scarf!", stream)

    buyer = chat.core.data.buyers[78]
    assert (buyer.language, buyer.started) == ("de", False)
