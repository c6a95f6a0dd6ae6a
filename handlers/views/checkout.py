"""The checkout screens: country, name, address, phone, summary and the order placed."""

from __future__ import annotations

import html
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.numbers import format_decimal

from bot.domain.checkout import ADDRESS_LIMIT, NAME_LIMIT
from bot.domain.countries import country_name
from handlers.callbacks import CheckoutCb
from handlers.views.common import Screen, item_label, line_text

if TYPE_CHECKING:
    from bot.domain.cart import CartLine
    from bot.domain.money import Money


def cancel_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(text="✖ " + _("Cancel"), callback_data=CheckoutCb(action="cancel").pack())


def ask_country_screen(known: Sequence[str], locale: str) -> Screen:
    builder = InlineKeyboardBuilder()
    for code in known:
        builder.row(
            InlineKeyboardButton(
                text=country_name(code, locale), callback_data=CheckoutCb(action="country", value=code).pack()
            )
        )
    builder.row(cancel_button())
    text = "📦 " + _("Which country should we ship to? Tap it or type its name or two-letter code (e.g. DE).")
    return Screen(text, builder.as_markup())


def unknown_country_text(typed: str) -> str:
    return _("I do not know the country “{country}”. Type its name or two-letter code, e.g. DE or Germany.").format(
        country=html.escape(typed[:60])
    )


def cannot_ship_text(lines: Sequence[CartLine], country: str, locale: str) -> str:
    items = ", ".join(html.escape(item_label(line.code, line.variant)) for line in lines)
    return _("Sorry, {items} cannot be shipped to {country}. Choose another country, or remove them in /cart.").format(
        items=items, country=html.escape(country_name(country, locale))
    )


def step_screen(text: str) -> Screen:
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=[[cancel_button()]]))


def ask_name_screen() -> Screen:
    return step_screen("👤 " + _("Who is the parcel for? Send the full name."))


def ask_address_screen() -> Screen:
    return step_screen("🏠 " + _("Send the street address, postcode and city."))


def ask_phone_screen() -> Screen:
    return step_screen("📞 " + _("Send a phone number for the courier, with the country code, e.g. +49 30 1234567."))


def invalid_detail_text(field: str) -> str:
    texts = {
        "country": _("Please choose a country we ship to."),
        "name": _("Please send a name of at most {limit} characters.").format(limit=NAME_LIMIT),
        "address": _("Please send a full address of 5 to {limit} characters.").format(limit=ADDRESS_LIMIT),
        "phone": _("That does not look like a phone number. Send digits with the country code, e.g. +49 30 1234567."),
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
        _("Shipping to {country}: {fee}").format(
            country=html.escape(country_name(details["country"], locale)), fee=shipping_fee.format(locale)
        ),
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
        html.escape(details["phone"]),
    ]
    builder = InlineKeyboardBuilder()
    builder.row(
        InlineKeyboardButton(text="✅ " + _("Confirm"), callback_data=CheckoutCb(action="confirm").pack()),
        cancel_button(),
    )
    return Screen("\n".join(text), builder.as_markup())


def awaiting_payment_text(order_id: int, total: Money, locale: str) -> str:
    return "🎉 " + _("Your order #{number} ({total}) is awaiting payment; you will get a payment link.").format(
        number=order_id, total=total.format(locale)
    )


def checkout_cancelled_text() -> str:
    return _("Checkout cancelled. Your cart is kept; /checkout starts again.")


def nothing_to_cancel_text() -> str:
    return _("There is nothing to cancel.")
