"""The checkout conversation: each step, its refusals, cancel from anywhere, and resuming after a restart."""

from __future__ import annotations

import pytest
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import SendMessage
from aiogram.types import User

from tests.unit.chat import ChatHarness, make_chat
from tests.unit.telegram import buttons

ADDRESS = "Hauptstraße 5, 10115 Berlin"


@pytest.fixture
def chat() -> ChatHarness:
    chat = make_chat(storage=MemoryStorage())
    chat.add_product("A12", {"M": 5})
    chat.add_product("EU1", {"": 5}, ships_to="DE FR")
    return chat


@pytest.fixture
async def anna(chat: ChatHarness) -> User:
    anna = chat.chats.user(1, "Anna", language_code="en-GB")
    await chat.say(anna, "A12 M x2")
    return anna


async def answer(chat: ChatHarness, user: User, *texts: str) -> SendMessage:
    for text in texts:
        [reply] = await chat.say(user, text)
    return reply


async def test_checkout_to_awaiting_payment(chat: ChatHarness, anna: User) -> None:
    ask_country = await answer(chat, anna, "/checkout")
    assert "Which country" in ask_country.text
    assert "United Kingdom" in buttons(ask_country.reply_markup)  # her app speaks British English: one tap
    [ask_name] = [
        r for r in await chat.tap(anna, ask_country.reply_markup, "United Kingdom") if isinstance(r, SendMessage)
    ]
    assert "Who is the parcel for" in ask_name.text
    assert "Send the street address" in (await answer(chat, anna, "Anna Schmidt")).text
    assert "phone number" in (await answer(chat, anna, ADDRESS)).text

    summary = await answer(chat, anna, "+49 30 1234567")
    assert "A12 M ×2" in summary.text
    assert "Shipping to United Kingdom: €9.90" in summary.text
    assert "Total: €49.70" in summary.text
    assert "Anna Schmidt" in summary.text and "Hauptstraße 5" in summary.text
    assert buttons(summary.reply_markup) == ["✅ Confirm", "✖ Cancel"]

    [placed] = [r for r in await chat.tap(anna, summary.reply_markup, "Confirm") if isinstance(r, SendMessage)]
    assert "#1" in placed.text and "awaiting payment" in placed.text
    [(number, details)] = chat.shop.placed
    assert (number, details.country, details.name, details.phone) == (1, "GB", "Anna Schmidt", "+49 30 1234567")
    assert chat.core.data.buyers[anna.id].country == "GB"


async def test_country_can_be_typed_as_a_code_or_a_name(chat: ChatHarness, anna: User) -> None:
    await answer(chat, anna, "/checkout")
    assert "Who is the parcel for" in (await answer(chat, anna, "france")).text
    chat2 = make_chat()
    chat2.add_product("A12", {"M": 5})
    ben = chat2.chats.user(2, "Ben")
    await chat2.say(ben, "A12 M")
    await answer(chat2, ben, "/checkout")
    assert "Who is the parcel for" in (await answer(chat2, ben, "it")).text


async def test_unknown_country_is_refused_and_asked_again(chat: ChatHarness, anna: User) -> None:
    await answer(chat, anna, "/checkout")
    reply = await answer(chat, anna, "Atlantis")
    assert "I do not know the country “Atlantis”" in reply.text
    assert "Which country" in reply.text


async def test_lines_that_cannot_ship_there_are_named(chat: ChatHarness, anna: User) -> None:
    await chat.say(anna, "EU1")
    await answer(chat, anna, "/checkout")
    reply = await answer(chat, anna, "US")
    assert "EU1 cannot be shipped to" in reply.text
    assert "A12" not in reply.text.split("cannot")[0]
    assert "Who is the parcel for" in (await answer(chat, anna, "FR")).text


async def test_a_bad_phone_is_refused_and_nothing_entered_is_lost(chat: ChatHarness, anna: User) -> None:
    await answer(chat, anna, "/checkout", "DE", "Anna Schmidt", ADDRESS)
    refused = await answer(chat, anna, "call me")
    assert "does not look like a phone number" in refused.text
    summary = await answer(chat, anna, "+49 30 1234567")
    assert "Anna Schmidt" in summary.text and "Hauptstraße 5" in summary.text


async def test_a_too_short_address_is_refused(chat: ChatHarness, anna: User) -> None:
    await answer(chat, anna, "/checkout", "DE", "Anna Schmidt")
    assert "full address" in (await answer(chat, anna, "x")).text
    assert "phone number" in (await answer(chat, anna, ADDRESS)).text


@pytest.mark.parametrize(
    "answers", [(), ("DE",), ("DE", "Anna"), ("DE", "Anna", ADDRESS), ("DE", "Anna", ADDRESS, "+4930123456")]
)
async def test_cancel_works_in_every_step(chat: ChatHarness, anna: User, answers: tuple[str, ...]) -> None:
    await answer(chat, anna, "/checkout", *answers)
    assert anna.id in chat.shop.in_checkout
    reply = await answer(chat, anna, "/cancel")
    assert "Checkout cancelled" in reply.text
    assert anna.id not in chat.shop.in_checkout
    assert chat.shop.carts[anna.id]  # the cart and its holds are kept
    assert "/help" in (await answer(chat, anna, "Anna")).text  # the fallback: no step is waiting any more


async def test_the_cancel_button_works_too(chat: ChatHarness, anna: User) -> None:
    question = await answer(chat, anna, "/checkout", "DE")
    [reply] = [r for r in await chat.tap(anna, question.reply_markup, "Cancel") if isinstance(r, SendMessage)]
    assert "Checkout cancelled" in reply.text


async def test_cancel_outside_checkout_says_there_is_nothing_to_cancel(chat: ChatHarness) -> None:
    assert "nothing to cancel" in (await answer(chat, chat.chats.user(5), "/cancel")).text


async def test_checkout_of_an_empty_cart_is_refused(chat: ChatHarness) -> None:
    assert "Your cart is empty" in (await answer(chat, chat.chats.user(5), "/checkout")).text


async def test_a_command_during_checkout_is_not_taken_as_an_answer(chat: ChatHarness, anna: User) -> None:
    await answer(chat, anna, "/checkout", "DE")
    assert "Your cart" in (await answer(chat, anna, "/cart")).text
    assert "Send the street address" in (await answer(chat, anna, "Anna Schmidt")).text


async def test_a_sticker_where_an_answer_is_expected_repeats_the_question(chat: ChatHarness, anna: User) -> None:
    await answer(chat, anna, "/checkout", "DE")
    update = chat.chats.message(anna, "")
    sticker = update.message.model_copy(update={"text": None})  # type: ignore[union-attr]
    await chat.dispatcher.feed_update(chat.bot, update.model_copy(update={"message": sticker}))
    assert "Who is the parcel for" in chat.last_reply(anna.id).text


async def test_checkout_resumes_after_a_restart_where_it_was(chat: ChatHarness, anna: User) -> None:
    storage = MemoryStorage()
    first = make_chat(storage=storage, shop=chat.shop, core=chat.core)
    await answer(first, anna, "/checkout", "DE", "Anna Schmidt")
    restarted = make_chat(storage=storage, shop=chat.shop, core=chat.core)
    assert "Send the street address" in (await answer(restarted, anna, "/checkout")).text
    await answer(restarted, anna, ADDRESS)
    summary = await answer(restarted, anna, "+49 30 1234567")
    assert "Anna Schmidt" in summary.text


async def test_confirm_after_the_cart_changed_shows_a_fresh_summary(chat: ChatHarness, anna: User) -> None:
    summary = await answer(chat, anna, "/checkout", "DE", "Anna Schmidt", ADDRESS, "+49 30 1234567")
    chat.shop.in_checkout.discard(anna.id)  # a hold ended meanwhile: the core sent the cart back to "cart"
    [reply] = [r for r in await chat.tap(anna, summary.reply_markup, "Confirm") if isinstance(r, SendMessage)]
    assert "Your cart changed meanwhile" in reply.text
    assert "Confirm" in " ".join(buttons(reply.reply_markup))
    assert chat.shop.placed == []


async def test_the_next_checkout_offers_the_last_country_with_one_tap(chat: ChatHarness, anna: User) -> None:
    summary = await answer(chat, anna, "/checkout", "FR", "Anna Schmidt", ADDRESS, "+49 30 1234567")
    await chat.tap(anna, summary.reply_markup, "Confirm")
    await chat.say(anna, "A12 M")
    question = await answer(chat, anna, "/checkout")
    assert buttons(question.reply_markup)[:2] == ["France", "United Kingdom"]
