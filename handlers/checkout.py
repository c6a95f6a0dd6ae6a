"""The checkout conversation: country, name, address, phone, then a summary to confirm, where any detail can be
changed (docs/checkout.md).

The state lives in the FSM storage configured in bot/app.py (database or Redis), so a restart loses nothing and
/checkout resumes at the step the buyer reached. /cancel and the Cancel button work in every step and come first.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, User

from bot.domain.checkout import InvalidDetails, ShippingDetails, valid_address, valid_name
from bot.domain.countries import UnknownCountry, country_code_from, one_tap_countries
from bot.domain.orders import PlacedOrder
from bot.domain.phones import InvalidPhone, is_international, phone_in_e164
from bot.services.buyers import BuyerService
from bot.services.cart import CartChanged, EmptyCart
from bot.services.checkout import CannotShip, CheckoutService
from bot.services.payments import NotAwaitingPayment, PaymentService
from handlers.callbacks import CartCb, CheckoutCb
from handlers.keyword import IsKeywordOrder
from handlers.views.cart import cart_changed_text, empty_cart_text
from handlers.views.checkout import (
    ask_address_screen,
    ask_country_screen,
    ask_name_screen,
    ask_phone_screen,
    awaiting_payment_text,
    cannot_ship_text,
    checkout_cancelled_text,
    invalid_detail_text,
    invalid_phone_text,
    nothing_to_cancel_text,
    summary_screen,
    unknown_country_text,
    use_the_change_buttons_text,
)
from handlers.views.common import Screen, edit_message
from handlers.views.payments import pay_screen


class Checkout(StatesGroup):
    """The steps in order. A step reached from the summary's Change buttons (data "editing") returns to the
    summary once answered."""

    country = State()
    name = State()
    address = State()
    phone = State()
    confirm = State()


log = logging.getLogger(__name__)

# The details the summary's Change buttons reopen, each the step that asks for it.
CHANGEABLE = {"country": Checkout.country, "name": Checkout.name, "address": Checkout.address, "phone": Checkout.phone}


# A command (/cart, /orders) is not an answer to a checkout question: its own router takes it, the step waits.
ANSWER = F.text & ~F.text.startswith("/")
# Nor is a keyword order ("A12 Navy x1") at the country and confirm steps: the keyword router adds it to the cart, and
# the step waits. The name, address and phone steps take any text: a name may look like a code.
NOT_AN_ORDER = ~IsKeywordOrder(naming_a_product=True)


def make_router() -> Router:
    router = Router(name="checkout")
    router.message.filter(F.chat.type == "private", F.from_user)
    # Cancel first: it works in every step.
    router.message.register(cancel_by_command, Command("cancel"), StateFilter(Checkout))
    router.callback_query.register(cancel_by_button, CheckoutCb.filter(F.action == "cancel"))
    router.message.register(cancel_nothing, Command("cancel"))
    router.message.register(start_checkout, Command("checkout"))
    router.callback_query.register(start_checkout, CartCb.filter(F.action == "checkout"))
    router.message.register(country_typed, Checkout.country, ANSWER, NOT_AN_ORDER)
    router.callback_query.register(country_tapped, Checkout.country, CheckoutCb.filter(F.action == "country"))
    router.message.register(name_given, Checkout.name, ANSWER)
    router.message.register(address_given, Checkout.address, ANSWER)
    router.message.register(phone_given, Checkout.phone, ANSWER)
    router.message.register(phone_given, Checkout.phone, F.contact)  # a contact shared from the attachment menu
    router.callback_query.register(confirm, Checkout.confirm, CheckoutCb.filter(F.action == "confirm"))
    router.callback_query.register(change_detail, Checkout.confirm, CheckoutCb.filter(F.action == "change"))
    router.message.register(not_an_answer, StateFilter(Checkout), ~F.text.startswith("/"), NOT_AN_ORDER)
    return router


async def finish(state: FSMContext) -> None:
    """Leave the conversation; the country stays, to be offered with one tap next time."""
    country = (await state.get_data()).get("country")
    await state.clear()
    if country:
        await state.set_data({"country": country})


# --- cancel, first: it works in every step -------------------------------------------------------------------------


async def cancel_by_command(message: Message, state: FSMContext, checkout: CheckoutService) -> None:
    assert message.from_user is not None
    await checkout.cancel(message.from_user.id)
    await finish(state)
    await message.answer(checkout_cancelled_text())


async def cancel_by_button(query: CallbackQuery, state: FSMContext, checkout: CheckoutService) -> None:
    await query.answer()
    if isinstance(query.message, Message) and not await edit_message(query.message, None):
        return  # a double tap: the first one cancelled
    await checkout.cancel(query.from_user.id)
    await finish(state)
    await query.bot.send_message(query.from_user.id, checkout_cancelled_text())  # type: ignore[union-attr]


async def cancel_nothing(message: Message) -> None:
    await message.answer(nothing_to_cancel_text())


# --- asking --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Conversation:
    """What every step needs: who is checking out, their conversation state, the checkout service, the language."""

    user: User
    state: FSMContext
    checkout: CheckoutService
    locale: str
    shop_currency: str

    async def ask(self, step: State, data: dict[str, Any], problem: str = "") -> Screen:
        """Go to `step` and ask its question (after `problem`, when an answer was refused); confirm shows a summary."""
        await self.state.set_state(step)
        if step == Checkout.confirm:
            return await self.summary(await self.state.update_data(editing=False), problem)
        if step == Checkout.name:
            screen = ask_name_screen()
        elif step == Checkout.address:
            screen = ask_address_screen()
        elif step == Checkout.phone:
            screen = ask_phone_screen(str(data.get("country", "")))
        else:
            # Offered first: the country given before, then the one the buyer's app language names.
            preferred = one_tap_countries(data.get("country"), self.user.language_code)
            screen = ask_country_screen(
                await self.checkout.destinations(self.user.id, self.locale, preferred), self.locale
            )
        return Screen(f"{problem}\n\n{screen.text}" if problem else screen.text, screen.keyboard)

    async def then(self, following: State, data: dict[str, Any]) -> Screen:
        """The step after an answer: the next question, or the summary again when the buyer came from it."""
        return await self.ask(Checkout.confirm if data.get("editing") else following, data)

    async def summary(self, data: dict[str, Any], problem: str = "") -> Screen:
        """The order to confirm; a refusal sends the buyer back to the step it concerns, keeping every answer."""
        try:
            summary = await self.checkout.summary(self.user.id, details(data), self.locale)
        except InvalidDetails as invalid:
            step = getattr(Checkout, invalid.field, Checkout.country)
            return await self.ask(step, data, invalid_detail_text(invalid.field))
        except CannotShip as refused:
            return await self.ask(Checkout.country, data, cannot_ship_text(refused.lines, refused.country, self.locale))
        except EmptyCart:
            await finish(self.state)
            return Screen(empty_cart_text())
        screen = summary_screen(
            summary.cart.lines, summary.shipping_fee, summary.total, summary.rate, self.shop_currency, data, self.locale
        )
        return Screen(f"{problem}\n\n{screen.text}" if problem else screen.text, screen.keyboard)


def details(data: dict[str, Any]) -> ShippingDetails:
    """The answers so far as the core's ShippingDetails; a missing one is refused like a bad one."""
    return ShippingDetails(**{name: str(data.get(name, "")) for name in ("country", "name", "address", "phone")})


# --- start or resume -----------------------------------------------------------------------------------------------


async def start_checkout(
    event: Message | CallbackQuery, state: FSMContext, checkout: CheckoutService, locale: str, shop_currency: str
) -> None:
    talk = Conversation(event.from_user, state, checkout, locale, shop_currency)  # type: ignore[arg-type]
    if isinstance(event, CallbackQuery):
        await event.answer()
    step = await state.get_state()
    data = await state.get_data()
    resuming = next((s for s in Checkout.__states__ if s.state == step), None)
    if resuming is None:
        try:
            await checkout.begin(talk.user.id, locale)
        except EmptyCart:
            screen = Screen(empty_cart_text())
        else:
            screen = await talk.ask(Checkout.country, data)
    else:
        screen = await talk.ask(resuming, data)
    await talk_back(event, screen)


async def talk_back(event: Message | CallbackQuery, screen: Screen) -> None:
    if isinstance(event, Message):
        await event.answer(screen.text, reply_markup=screen.keyboard)
    else:
        await event.bot.send_message(event.from_user.id, screen.text, reply_markup=screen.keyboard)  # type: ignore[union-attr]


# --- the steps -----------------------------------------------------------------------------------------------------


async def choose_country(talk: Conversation, typed: str) -> Screen:
    data = await talk.state.get_data()
    code = country_code_from(typed, talk.locale)
    try:
        if code is None:
            raise UnknownCountry(typed)
        unshippable = await talk.checkout.check_country(talk.user.id, code, talk.locale)
    except UnknownCountry:
        return await talk.ask(Checkout.country, data, unknown_country_text(typed))
    if unshippable:
        return await talk.ask(Checkout.country, data, cannot_ship_text(unshippable, code, talk.locale))
    # The buyer's currency stays as the cart showed it; the country is remembered once the order is placed.
    data = await talk.state.update_data(country=code)
    if data.get("editing") and data.get("phone"):
        # A national phone number means another one in another country: read it again, or ask for it again.
        typed_phone = str(data.get("phone_typed") or data["phone"])
        try:
            data = await talk.state.update_data(phone=phone_in_e164(typed_phone, code))
        except InvalidPhone:
            return await talk.ask(Checkout.phone, data, invalid_phone_text(code))
    return await talk.then(Checkout.name, data)


async def country_typed(
    message: Message,
    state: FSMContext,
    checkout: CheckoutService,
    locale: str,
    shop_currency: str,
) -> None:
    assert message.from_user is not None and message.text is not None
    talk = Conversation(message.from_user, state, checkout, locale, shop_currency)
    await talk_back(message, await choose_country(talk, message.text))


async def country_tapped(
    query: CallbackQuery,
    callback_data: CheckoutCb,
    state: FSMContext,
    checkout: CheckoutService,
    locale: str,
    shop_currency: str,
) -> None:
    await query.answer()
    talk = Conversation(query.from_user, state, checkout, locale, shop_currency)
    await talk_back(query, await choose_country(talk, callback_data.value))


async def name_given(
    message: Message, state: FSMContext, checkout: CheckoutService, locale: str, shop_currency: str
) -> None:
    assert message.from_user is not None
    talk = Conversation(message.from_user, state, checkout, locale, shop_currency)
    await talk_back(message, await take_detail(talk, message, "name", valid_name, Checkout.name, Checkout.address))


async def address_given(
    message: Message, state: FSMContext, checkout: CheckoutService, locale: str, shop_currency: str
) -> None:
    assert message.from_user is not None
    talk = Conversation(message.from_user, state, checkout, locale, shop_currency)
    await talk_back(
        message, await take_detail(talk, message, "address", valid_address, Checkout.address, Checkout.phone)
    )


async def take_detail(
    talk: Conversation, message: Message, field: str, valid: Callable[[str], bool], step: State, following: State
) -> Screen:
    """Keep a typed detail and ask the next question, or ask again saying what is wrong, losing nothing entered."""
    assert message.text is not None
    if not valid(message.text):
        return await talk.ask(step, await talk.state.get_data(), invalid_detail_text(field))
    return await talk.then(following, await talk.state.update_data({field: message.text.strip()}))


async def phone_given(
    message: Message, state: FSMContext, checkout: CheckoutService, locale: str, shop_currency: str
) -> None:
    """The last answer: a number valid in the destination country, kept in E.164; then the summary is shown."""
    assert message.from_user is not None
    talk = Conversation(message.from_user, state, checkout, locale, shop_currency)
    data = await state.get_data()
    country = str(data.get("country", ""))
    # A shared contact's number is international, with or without its "+".
    contact = message.contact
    typed = ("+" + contact.phone_number.lstrip("+")) if contact is not None else (message.text or "")
    try:
        phone = phone_in_e164(typed, country)
    except InvalidPhone:
        await talk_back(message, await talk.ask(Checkout.phone, data, invalid_phone_text(country)))
        return
    # What was typed is kept too: a national number is read again if the destination changes.
    data = await state.update_data(phone=phone, phone_typed="" if is_international(typed) else typed.strip())
    await talk_back(message, await talk.ask(Checkout.confirm, data))


async def change_detail(
    query: CallbackQuery,
    callback_data: CheckoutCb,
    state: FSMContext,
    checkout: CheckoutService,
    locale: str,
    shop_currency: str,
) -> None:
    """A Change button under the summary: ask that question again, then come back to the summary."""
    await query.answer()
    step = CHANGEABLE.get(callback_data.value)
    if step is None:
        return  # a forged button
    if isinstance(query.message, Message) and not await edit_message(query.message, None):
        return  # a double tap: the first one already asked
    talk = Conversation(query.from_user, state, checkout, locale, shop_currency)
    await talk_back(query, await talk.ask(step, await state.update_data(editing=True)))


async def confirm(
    query: CallbackQuery,
    state: FSMContext,
    checkout: CheckoutService,
    buyers: BuyerService,
    payments: PaymentService,
    locale: str,
    shop_currency: str,
) -> None:
    await query.answer()
    # The summary loses its buttons before the order is placed; a double tap finds them gone and stops here. (The
    # core places one order per cart anyway: a second confirm would find no cart in checkout.)
    if isinstance(query.message, Message) and not await edit_message(query.message, None):
        return
    talk = Conversation(query.from_user, state, checkout, locale, shop_currency)
    data = await state.get_data()
    placed: PlacedOrder | None = None
    try:
        placed = await checkout.confirm(query.from_user.id, details(data), locale)
    except CartChanged:
        screen = await talk.summary(data, problem=cart_changed_text())
    except (InvalidDetails, CannotShip, EmptyCart):
        screen = await talk.summary(data)  # says what is wrong and goes back to that step
    else:
        # Remembered now, not when chosen: a country picked at checkout never changes the currency mid-way.
        await buyers.set_country(query.from_user.id, str(data["country"]))
        await finish(state)
        screen = Screen(awaiting_payment_text(placed.order_id, placed.total, locale))
    await talk_back(query, screen)
    if placed is not None:
        await send_payment_link(query, payments, placed.order_id, locale)


async def send_payment_link(query: CallbackQuery, payments: PaymentService, order_id: int, locale: str) -> None:
    try:
        attempt = await payments.link_for(order_id)
    except NotAwaitingPayment:
        return  # paid or expired in the meantime: its own notice says so
    except Exception:
        # The order is placed; without a link it expires at the timeout, and the buyer is told then.
        log.exception("no payment link for order %s", order_id, extra={"order_id": order_id})
        return
    await talk_back(query, pay_screen(attempt, locale))


async def not_an_answer(
    message: Message, state: FSMContext, checkout: CheckoutService, locale: str, shop_currency: str
) -> None:
    """A sticker or photo where an answer was expected, or text at the summary: ask the question again."""
    assert message.from_user is not None
    talk = Conversation(message.from_user, state, checkout, locale, shop_currency)
    current = await state.get_state()
    step = next((s for s in Checkout.__states__ if s.state == current), Checkout.country)
    # Text at the summary is most often a corrected detail (a new phone number): say how to change one.
    hint = use_the_change_buttons_text() if step == Checkout.confirm and message.text else ""
    await talk_back(message, await talk.ask(step, await state.get_data(), hint))
