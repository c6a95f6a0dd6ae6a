"""The checkout conversation: each step, its refusals, cancel from anywhere, and resuming after a restart."""

from __future__ import annotations

import re

import pytest
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import SendMessage
from aiogram.types import Contact, User

from bot.domain.phones import example_phone
from tests.shown import country, price
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
    assert country("GB") in buttons(ask_country.reply_markup)  # her app speaks British English: one tap
    [ask_name] = [
        r for r in await chat.tap(anna, ask_country.reply_markup, country("GB")) if isinstance(r, SendMessage)
    ]
    assert "Who is the parcel for" in ask_name.text
    assert "Send the street address" in (await answer(chat, anna, "Anna Schmidt")).text
    assert "phone number" in (await answer(chat, anna, ADDRESS)).text

    summary = await answer(chat, anna, "+49 30 1234567")
    assert "A12 M ×2" in summary.text
    assert f"Destination: {country('GB')}\nShipping: {price('9.90')}" in summary.text
    assert f"Total: {price('49.70')}" in summary.text
    assert "Anna Schmidt" in summary.text and "Hauptstraße 5" in summary.text
    assert buttons(summary.reply_markup) == [
        "✅ Confirm",
        "✖ Cancel",
        "🌍 Change country",
        "👤 Change name",
        "🏠 Change address",
        "📞 Change phone",
    ]

    [placed, pay] = [r for r in await chat.tap(anna, summary.reply_markup, "Confirm") if isinstance(r, SendMessage)]
    assert "#1" in placed.text and "awaiting payment" in placed.text
    # Then the payment link, as a URL button naming the amount, with how long it stays open.
    assert "order #1 within 30 minutes" in pay.text
    [[button]] = pay.reply_markup.inline_keyboard
    assert button.text == f"Pay {placed_total(placed.text)}"
    assert button.url == "https://pay.example/pay/tok1"
    [(number, details)] = chat.shop.placed
    assert (number, details.country, details.name, details.phone) == (1, "GB", "Anna Schmidt", "+49301234567")
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
    assert "Cannot ship to this destination: United States\nNot shipped there: EU1." in reply.text
    assert "remove it in /cart" in reply.text  # one item: "it", not "them"
    assert "A12" not in reply.text
    assert "Who is the parcel for" in (await answer(chat, anna, "FR")).text


async def test_several_lines_that_cannot_ship_there_are_named_together() -> None:
    chat = make_chat(storage=MemoryStorage())
    chat.add_product("EU1", {"": 5}, ships_to="DE FR")
    chat.add_product("EU2", {"": 5}, ships_to="DE FR")
    anna = chat.chats.user(1, "Anna", language_code="en-GB")
    await chat.say(anna, "EU1")
    await chat.say(anna, "EU2")
    await answer(chat, anna, "/checkout")
    reply = await answer(chat, anna, "US")
    assert "Not shipped there: EU1, EU2." in reply.text and "remove them in /cart" in reply.text


async def test_a_bad_phone_is_refused_and_nothing_entered_is_lost(chat: ChatHarness, anna: User) -> None:
    await answer(chat, anna, "/checkout", "DE", "Anna Schmidt", ADDRESS)
    refused = await answer(chat, anna, "call me")
    assert "not a phone number the courier can call" in refused.text
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
    assert buttons(question.reply_markup)[:2] == [country("FR"), country("GB")]


async def test_double_tap_on_confirm_places_one_order(chat: ChatHarness, anna: User) -> None:
    summary = await answer(chat, anna, "/checkout", "DE", "Anna Schmidt", ADDRESS, "+49 30 1234567")

    requests = await chat.double_tap(anna, summary.reply_markup, "Confirm")

    assert len(chat.shop.placed) == 1
    [placed, _pay] = [r for r in requests if isinstance(r, SendMessage)]
    assert "awaiting payment" in placed.text


async def test_double_tap_on_cancel_cancels_once(chat: ChatHarness, anna: User) -> None:
    question = await answer(chat, anna, "/checkout", "DE")

    requests = await chat.double_tap(anna, question.reply_markup, "Cancel")

    [cancelled] = [r for r in requests if isinstance(r, SendMessage)]
    assert "Checkout cancelled" in cancelled.text


async def test_a_keyword_order_at_the_country_step_goes_to_the_cart_and_the_step_waits(
    chat: ChatHarness, anna: User
) -> None:
    await answer(chat, anna, "/checkout")
    added = await answer(chat, anna, "EU1 x1")
    assert "Added to your cart" in added.text
    assert chat.shop.carts[anna.id][chat.shop.products["EU1"].skus[0].id] == 1
    assert "Who is the parcel for" in (await answer(chat, anna, "FR")).text


async def test_a_keyword_order_at_the_summary_goes_to_the_cart_and_the_next_summary_has_it(
    chat: ChatHarness, anna: User
) -> None:
    summary = await answer(chat, anna, "/checkout", "DE", "Anna Schmidt", ADDRESS, "+49 30 1234567")
    assert "Added to your cart" in (await answer(chat, anna, "A12 M")).text

    [fresh] = [r for r in await chat.tap(anna, summary.reply_markup, "Confirm") if isinstance(r, SendMessage)]
    assert "Your cart changed meanwhile" in fresh.text and "A12 M ×3" in fresh.text
    assert chat.shop.placed == []
    [placed, _pay] = [r for r in await chat.tap(anna, fresh.reply_markup, "Confirm") if isinstance(r, SendMessage)]
    assert "awaiting payment" in placed.text


async def test_the_name_step_takes_any_text_even_one_that_looks_like_an_order(chat: ChatHarness, anna: User) -> None:
    await answer(chat, anna, "/checkout", "DE")
    assert "Send the street address" in (await answer(chat, anna, "R2 D2")).text
    assert list(chat.shop.carts[anna.id].values()) == [2]


@pytest.mark.parametrize(("typed", "code"), [("UK", "GB"), ("USA", "US"), ("us", "US")])
async def test_common_country_aliases_are_understood(chat: ChatHarness, anna: User, typed: str, code: str) -> None:
    await answer(chat, anna, "/checkout", typed, "Anna Schmidt", ADDRESS)
    summary = await answer(chat, anna, "+49 30 1234567")
    assert f"Destination: {country(code)}" in summary.text


async def test_a_summary_shows_every_detail_typed_as_text_not_html(chat: ChatHarness, anna: User) -> None:
    summary = await answer(chat, anna, "/checkout", "DE", "<Anna> & Co", "Rue <5> & Co, 75001 Paris", "+33 1 23456789")
    assert "&lt;Anna&gt; &amp; Co" in summary.text and "Rue &lt;5&gt; &amp; Co" in summary.text


def test_the_exchange_rate_is_written_the_buyers_way() -> None:
    from decimal import Decimal

    from aiogram.utils.i18n import I18n

    from bot.app import LOCALES
    from bot.domain.money import Money
    from handlers.views.checkout import summary_screen

    details = {"country": "US", "name": "Anna", "address": ADDRESS, "phone": "+1 555 0100"}
    i18n = I18n(path=LOCALES, default_locale="en", domain="messages")
    with i18n.context(), i18n.use_locale("de"):
        screen = summary_screen((), Money(990, "USD"), Money(990, "USD"), Decimal("1.08530"), "EUR", details, "de")
    assert "1 EUR = 1,0853 USD" in screen.text


# --- where the cart can go -----------------------------------------------------------------------------------------


async def test_only_countries_the_whole_cart_ships_to_are_offered(chat: ChatHarness) -> None:
    chat.add_product("UK1", {"": 5}, ships_to="GB IE FR")
    dave = chat.chats.user(4, "Dave", language_code="en-GB")
    await chat.say(dave, "A12 M")
    await chat.say(dave, "UK1")
    ask_country = await answer(chat, dave, "/checkout")
    assert buttons(ask_country.reply_markup) == ["United Kingdom", "France", "Ireland", "✖ Cancel"]
    assert "United States" not in ask_country.text
    [ask_name] = [
        r for r in await chat.tap(dave, ask_country.reply_markup, "United Kingdom") if isinstance(r, SendMessage)
    ]
    assert "Who is the parcel for" in ask_name.text


async def test_a_cart_that_ships_widely_offers_the_buyers_own_country_first_and_any_can_be_typed(
    chat: ChatHarness,
) -> None:
    joao = chat.chats.user(5, "João", language_code="pt-br")
    await chat.say(joao, "A12 M")
    ask_country = await answer(chat, joao, "/checkout")
    assert buttons(ask_country.reply_markup)[0] == "Brasil"
    assert "qualquer outro país" in ask_country.text
    assert "Para quem é o pedido" in (await answer(chat, joao, "Japão")).text  # Brazilian Portuguese


async def test_a_buyer_in_portugal_checks_out_in_european_portuguese(chat: ChatHarness) -> None:
    ines = chat.chats.user(6, "Inês", language_code="pt-pt")
    await chat.say(ines, "A12 M")
    ask_country = await answer(chat, ines, "/checkout")
    assert buttons(ask_country.reply_markup)[0] == "Portugal"
    assert "Para quem é a encomenda" in (await answer(chat, ines, "Portugal")).text


async def test_a_buyer_whose_app_names_no_country_is_not_offered_a_guess_but_may_type_one(chat: ChatHarness) -> None:
    # "en" alone says nothing of where the buyer lives: a London buyer once got a lone "United States" button.
    gwen = chat.chats.user(7, "Gwen", language_code="en")
    await chat.say(gwen, "A12 M")
    ask_country = await answer(chat, gwen, "/checkout")
    assert buttons(ask_country.reply_markup) == ["✖ Cancel"]
    assert "Type its name or two-letter code" in ask_country.text
    assert "Who is the parcel for" in (await answer(chat, gwen, country("GB"))).text
    # The next checkout offers the country given before.
    await answer(chat, gwen, "/cancel")
    again = await answer(chat, gwen, "/checkout")
    assert buttons(again.reply_markup)[0] == country("GB")


async def test_a_cart_that_can_go_nowhere_as_a_whole_says_where_each_item_goes(chat: ChatHarness) -> None:
    chat.add_product("US1", {"": 5}, ships_to="US")
    erin = chat.chats.user(6, "Erin")
    await chat.say(erin, "US1")
    await chat.say(erin, "EU1")
    ask_country = await answer(chat, erin, "/checkout")
    assert "cannot be shipped to one destination" in ask_country.text
    assert "US1 — United States" in ask_country.text
    assert "EU1 — France, Germany" in ask_country.text
    assert buttons(ask_country.reply_markup) == ["✖ Cancel"]


# --- phone numbers -------------------------------------------------------------------------------------------------


async def test_a_number_too_short_to_dial_is_refused_with_an_example_for_the_destination(
    chat: ChatHarness, anna: User
) -> None:
    await answer(chat, anna, "/checkout", "GB", "Anna Schmidt", ADDRESS)
    refused = await answer(chat, anna, "12345")
    example = example_phone("GB")
    assert example is not None and f"For example: {example}" in refused.text
    assert "Send a phone number" in refused.text


async def test_a_national_number_is_read_for_the_destination_and_kept_in_e164(chat: ChatHarness, anna: User) -> None:
    summary = await answer(chat, anna, "/checkout", "DE", "Anna Schmidt", ADDRESS, "030 1234567")
    assert "Total:" in summary.text
    [placed, _pay] = [r for r in await chat.tap(anna, summary.reply_markup, "Confirm") if isinstance(r, SendMessage)]
    assert "awaiting payment" in placed.text
    [(_number, details)] = chat.shop.placed
    assert details.phone == "+49301234567"


# --- changing a detail at the summary ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("button", "question", "new", "shown"),
    [
        ("Change name", "Who is the parcel for", "Anna Weber", "Anna Weber"),
        ("Change address", "street address", "Lindenweg 2, 80331 München", "Lindenweg 2"),
        ("Change phone", "phone number", "+49 89 1234567", "+49 89 1234567"),
    ],
)
async def test_a_detail_changed_from_the_summary_returns_to_the_summary(
    chat: ChatHarness, anna: User, button: str, question: str, new: str, shown: str
) -> None:
    summary = await answer(chat, anna, "/checkout", "DE", "Anna Schmidt", ADDRESS, "+49 30 1234567")
    [asked] = [r for r in await chat.tap(anna, summary.reply_markup, button) if isinstance(r, SendMessage)]
    assert question in asked.text
    again = await answer(chat, anna, new)
    assert "Total:" in again.text and shown in again.text
    assert again.text.count("Anna") == 1  # the other details kept, the changed one replaced


async def test_a_detail_typed_at_the_summary_is_answered_with_how_to_change_it(chat: ChatHarness, anna: User) -> None:
    await answer(chat, anna, "/checkout", "DE", "Anna Schmidt", ADDRESS, "+49 30 1234567")
    again = await answer(chat, anna, "+49 89 1234567")  # a corrected phone number, typed
    assert again.text.startswith("To correct a detail, tap its Change button below")
    assert "Total:" in again.text and "+49 30 1234567" in again.text  # the summary, unchanged
    assert "Change phone" in " ".join(buttons(again.reply_markup))


async def test_a_new_country_from_the_summary_rereads_a_national_phone(chat: ChatHarness, anna: User) -> None:
    summary = await answer(chat, anna, "/checkout", "DE", "Anna Schmidt", ADDRESS, "0151 23456789")
    await chat.tap(anna, summary.reply_markup, "Change country")
    # 0151 23456789 is a German mobile and no French number: the phone is asked again, then the summary follows.
    asked = await answer(chat, anna, "FR")
    assert "not a phone number the courier can call" in asked.text
    again = await answer(chat, anna, "06 12 34 56 78")
    assert "Destination: France" in again.text and "+33 6 12 34 56 78" in again.text


async def test_a_new_country_the_cart_cannot_ship_to_is_refused_at_the_summary(chat: ChatHarness, anna: User) -> None:
    await chat.say(anna, "EU1")
    summary = await answer(chat, anna, "/checkout", "DE", "Anna Schmidt", ADDRESS, "+49 30 1234567")
    [asked] = [r for r in await chat.tap(anna, summary.reply_markup, "Change country") if isinstance(r, SendMessage)]
    assert buttons(asked.reply_markup) == ["Germany", "France", "✖ Cancel"]
    refused = await answer(chat, anna, "US")
    assert "Cannot ship to this destination: United States" in refused.text
    again = await answer(chat, anna, "FR")
    assert "Destination: France" in again.text and "+49 30 1234567" in again.text


async def test_the_country_is_remembered_only_once_the_order_is_placed(chat: ChatHarness, anna: User) -> None:
    summary = await answer(chat, anna, "/checkout", "FR", "Anna Schmidt", ADDRESS, "+49 30 1234567")
    assert chat.core.data.buyers[anna.id].country is None  # prices keep the cart's currency up to the summary
    await chat.tap(anna, summary.reply_markup, "Confirm")
    assert chat.core.data.buyers[anna.id].country == "FR"


async def test_a_shared_contact_is_taken_as_the_phone(chat: ChatHarness, anna: User) -> None:
    await answer(chat, anna, "/checkout", "DE", "Anna Schmidt", ADDRESS)
    update = chat.chats.message(anna, "")
    assert update.message is not None
    shared = update.message.model_copy(
        update={"text": None, "contact": Contact(phone_number="49301234567", first_name="Anna", user_id=anna.id)}
    )
    before = len(chat.session.requests)
    await chat.dispatcher.feed_update(chat.bot, update.model_copy(update={"message": shared}))
    [summary] = [r for r in chat.session.requests[before:] if isinstance(r, SendMessage)]
    assert "Total:" in summary.text and "+49 30 1234567" in summary.text


def placed_total(text: str) -> str:
    """The total an "awaiting payment" message names: "Your order #1 (€49.70) is awaiting payment"."""
    match = re.search(r"\((.+?)\)", text)
    assert match is not None, text
    return match.group(1)
