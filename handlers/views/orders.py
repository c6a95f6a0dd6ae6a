"""/orders and /currency: the buyer's orders with their status, and the currency prices are shown in."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_date

from bot.services.currency import AUTOMATIC, CurrencyChoice
from handlers.callbacks import CurrencyCb
from handlers.views.common import Screen

if TYPE_CHECKING:
    from bot.domain.orders import OrderSummary

# Buttons /currency offers at most; a buyer can type any other code the exchange rates cover (/currency NOK).
CURRENCY_BUTTONS = 40


def status_name(status: str) -> str:
    names = {
        "cart": _("in the cart"),
        "checkout": _("at checkout"),
        "awaiting_payment": _("awaiting payment"),
        "paid": _("paid"),
        "cancelled": _("cancelled"),
        "expired": _("expired"),
        "refunded": _("refunded"),
        "shipped": _("shipped"),
    }
    return names.get(str(status), str(status))


def orders_text(orders: Sequence[OrderSummary], locale: str) -> str:
    if not orders:
        return _("You have no orders yet. Browse the /catalog to start one.")
    rows = ["📋 <b>" + _("Your orders") + "</b>"]
    for order in orders:
        # The core counts lines (a line of four scarves is one), not units: say so.
        items = ngettext("{count} item", "{count} items", order.units).format(count=order.units)
        created = format_date(order.created_at, format="medium", locale=locale)
        rows.append(
            f"#{order.order_id} · {status_name(order.status)} · {order.total.format(locale)} · {items} · {created}"
        )
    return "\n".join(rows)


def currency_screen(currencies: Sequence[str]) -> Screen:
    builder = InlineKeyboardBuilder()
    builder.button(text="🌍 " + _("Automatic (from my country)"), callback_data=CurrencyCb(code=AUTOMATIC))
    for code in currencies[:CURRENCY_BUTTONS]:
        builder.button(text=code, callback_data=CurrencyCb(code=code))
    builder.adjust(1, 4)
    text = _(
        "Which currency should I show prices in? Tap one, or type /currency followed by a code, e.g. /currency USD."
    )
    return Screen(text, builder.as_markup())


def currency_set_text(choice: CurrencyChoice) -> str:
    if choice.automatic and choice.from_country:
        return _("Done: I will show prices in the currency of your country: {currency}.").format(
            currency=choice.currency
        )
    if choice.automatic:
        # Nothing tells the buyer's country yet (no region in their app language, no order): say what they will see.
        return _("Done: I will show prices in {currency} until I know your country, then in its currency.").format(
            currency=choice.currency
        )
    return _("Done: I will show prices in {currency}.").format(currency=choice.currency)


def unknown_currency_text(code: str) -> str:
    return _("I cannot show prices in {code}. Send /currency to see the currencies I know.").format(
        code=html.escape(code[:10])
    )
