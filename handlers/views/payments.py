"""Payments in the chat: the link to pay an order, the receipt, and the notice that an unpaid order expired."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.domain.invoices import Refusal
from bot.domain.notices import PaymentReceived, PaymentTimedOut
from bot.domain.payments import PaymentAttempt
from handlers.views.common import Screen, item_label, minutes_left


def pay_screen(attempt: PaymentAttempt, locale: str) -> Screen:
    """The payment link of an order, as a URL button, with how long it stays open."""
    minutes = minutes_left(attempt.expires_at) or 0
    text = "💳 " + ngettext(
        "Pay for order #{number} within {minutes} minute; after that it expires and its items go back on sale.",
        "Pay for order #{number} within {minutes} minutes; after that it expires and its items go back on sale.",
        minutes,
    ).format(number=attempt.order_id, minutes=minutes)
    button = InlineKeyboardButton(
        text=_("Pay {total}").format(total=attempt.amount.format(locale)), url=attempt.url or ""
    )
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=[[button]]))


def receipt_screen(notice: PaymentReceived, locale: str) -> Screen:
    receipt = notice.receipt
    rows = ["✅ " + _("Payment received, thank you! Order #{number} is paid.").format(number=receipt.order_id), ""]
    rows += [
        f"• <b>{html.escape(item_label(item.code, item.variant, item.quantity))}</b> {html.escape(item.title)}"
        for item in receipt.items
    ]
    rows += ["", "<b>" + _("Total: {amount}").format(amount=receipt.total.format(locale)) + "</b>"]
    return Screen("\n".join(rows))


def payment_timed_out_screen(notice: PaymentTimedOut) -> Screen:
    return Screen(
        "⌛ "
        + _(
            "Order #{number} was not paid in time, so it expired and its items went back on sale. You can order "
            "again and check out with a new payment link."
        ).format(number=notice.order_id)
    )


def refusal_text(refusal: Refusal, order_id: int | None) -> str:
    """Why Telegram's payment sheet refuses to pay (shown there, so plain text)."""
    if refusal is Refusal.CHANGED:
        return _("The amount of order #{number} has changed. Please check out again for a new invoice.").format(
            number=order_id
        )
    if refusal is Refusal.CLOSED:
        return _(
            "Order #{number} can no longer be paid: it was paid already or it expired. You can order again."
        ).format(number=order_id)
    return _("This invoice is no longer valid. Please check out again.")
