"""The checkout screens: country, name, address, phone, summary and the order placed."""

from __future__ import annotations

import html
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.numbers import format_decimal

from bot.domain.catalog import EVERYWHERE
from bot.domain.checkout import ADDRESS_LIMIT, NAME_LIMIT
from bot.domain.countries import country_name, country_names
from bot.domain.phones import example_phone, readable_phone
from handlers.callbacks import CheckoutCb
from handlers.views.common import Screen, item_label, line_text, listing

if TYPE_CHECKING:
    from bot.domain.cart import CartLine
    from bot.domain.money import Money
    from bot.domain.shipping import Destinations


def cancel_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(text="✖ " + _("Cancel"), callback_data=CheckoutCb(action="cancel").pack())


def ask_country_screen(destinations: Destinations, locale: str) -> Screen:
    """The countries the whole cart can go to as buttons (never one it cannot); when it can go nowhere as a whole,
    where each item goes instead."""
    countries = [
        InlineKeyboardButton(
            text=country_name(code, locale), callback_data=CheckoutCb(action="country", value=code).pack()
        )
        for code in destinations.offered
    ]
    rows = [countries[i : i + 2] for i in range(0, len(countries), 2)]
    keyboard = InlineKeyboardMarkup(inline_keyboard=[*rows, [cancel_button()]])
    if destinations.nowhere:
        return Screen(nowhere_text(destinations, locale), keyboard)
    text = "📦 " + _("Which country should we ship to?")
    if not destinations.offered:
        text += " " + _("Type its name or two-letter code (e.g. GB).")
    elif destinations.more_than_offered:
        text += " " + _("Tap one, or type the name or two-letter code of any other country (e.g. DE).")
    else:
        text += " " + _("Tap one of the countries your cart can be shipped to.")
    return Screen(text, keyboard)


def nowhere_text(destinations: Destinations, locale: str) -> str:
    """Items that ship to different countries: no single destination takes them all."""
    lines = ["📦 " + _("Your cart cannot be shipped to one destination as a whole. Where each item can go:")]
    for label, ships_to in destinations.ships_to:
        if EVERYWHERE in ships_to:
            where = _("everywhere we ship")
        else:
            where = listing(country_names(ships_to, locale)) or _("nowhere we ship")
        lines.append(f"• {html.escape(label)} — {html.escape(where)}")
    lines += ["", _("Remove the items that stop it in /cart, then /checkout again.")]
    return "\n".join(lines)


def use_the_change_buttons_text() -> str:
    return _("To correct a detail, tap its Change button below; to order, tap Confirm.")


def unknown_country_text(typed: str) -> str:
    return _("I do not know the country “{country}”. Type its name or two-letter code, e.g. DE or Germany.").format(
        country=html.escape(typed[:60])
    )


def cannot_ship_text(lines: Sequence[CartLine], country: str, locale: str) -> str:
    # The country's name stands alone ("destination: ..."): inside a sentence some languages would inflect it.
    items = listing(html.escape(item_label(line.code, line.variant)) for line in lines)
    return "\n".join(
        [
            _("Cannot ship to this destination: {country}").format(country=html.escape(country_name(country, locale))),
            ngettext(
                "Not shipped there: {items}. Choose another country, or remove it in /cart.",
                "Not shipped there: {items}. Choose another country, or remove them in /cart.",
                len(lines),
            ).format(items=items),
        ]
    )


def step_screen(text: str) -> Screen:
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=[[cancel_button()]]))


def ask_name_screen() -> Screen:
    return step_screen("👤 " + _("Who is the parcel for? Send the full name."))


def ask_address_screen() -> Screen:
    return step_screen("🏠 " + _("Send the street address, postcode and city."))


def ask_phone_screen(country: str) -> Screen:
    return step_screen("📞 " + _("Send a phone number for the courier.") + "\n" + phone_example_text(country))


def phone_example_text(country: str) -> str:
    example = example_phone(country) if country else None
    if example is None:
        return _("With the country code, e.g. +49 30 1234567.")
    return _("For example: {number}").format(number=example)


def invalid_phone_text(country: str) -> str:
    """A number that cannot be dialled at the destination: say so and show how one is written there."""
    return (
        _("That is not a phone number the courier can call at this destination.") + "\n" + phone_example_text(country)
    )


def invalid_detail_text(field: str) -> str:
    texts = {
        "country": _("Please choose a country we ship to."),
        "name": _("Please send a name of at most {limit} characters.").format(limit=NAME_LIMIT),
        "address": _("Please send a full address of 5 to {limit} characters.").format(limit=ADDRESS_LIMIT),
        "phone": _("That is not a phone number the courier can call at this destination."),
    }
    return texts.get(field, _("Please check what you sent."))


def summary_screen(
    lines: Sequence[CartLine],
    shipping_fee: Money,
    total: Money,
    rate: Decimal,
    base_currency: str,
    details: dict[str, str],
    locale: str,
) -> Screen:
    text = ["🧾 <b>" + _("Your order") + "</b>"]
    text += [line_text(line, locale) for line in lines]
    text += [
        "",
        _("Destination: {country}").format(country=html.escape(country_name(details["country"], locale))),
        _("Shipping: {fee}").format(fee=shipping_fee.format(locale)),
        "<b>" + _("Total: {amount}").format(amount=total.format(locale)) + "</b>",
    ]
    if total.currency != base_currency:
        text.append(
            _("Exchange rate: 1 {base} = {rate} {currency}").format(
                base=base_currency,
                rate=format_decimal(rate.normalize(), locale=locale, decimal_quantization=False),
                currency=total.currency,
            )
        )
    text += [
        "",
        html.escape(details["name"]),
        html.escape(details["address"]),
        html.escape(readable_phone(details["phone"])),
    ]
    builder = InlineKeyboardBuilder()
    builder.row(
        InlineKeyboardButton(text="✅ " + _("Confirm"), callback_data=CheckoutCb(action="confirm").pack()),
        cancel_button(),
    )
    changes = {
        "country": "🌍 " + _("Change country"),
        "name": "👤 " + _("Change name"),
        "address": "🏠 " + _("Change address"),
        "phone": "📞 " + _("Change phone"),
    }
    for field, label in changes.items():
        builder.button(text=label, callback_data=CheckoutCb(action="change", value=field).pack())
    builder.adjust(2)
    return Screen("\n".join(text), builder.as_markup())


def awaiting_payment_text(order_id: int, total: Money, locale: str) -> str:
    return "🎉 " + _("Your order #{number} ({total}) is awaiting payment; you will get a payment link.").format(
        number=order_id, total=total.format(locale)
    )


def checkout_cancelled_text() -> str:
    return _("Checkout cancelled. Your cart is kept; /checkout starts again.")


def nothing_to_cancel_text() -> str:
    return _("There is nothing to cancel.")
