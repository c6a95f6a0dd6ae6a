"""Payments in the chat: the link to pay an order, the receipt, and the notice that an unpaid order expired."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.domain.invoices import Refusal
from bot.domain.notices import OrderPaid, PaymentLate, PaymentMismatch, PaymentReceived, PaymentTimedOut
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
    rows = ["✅ " + _("Payment received, thank you! Order #{number} is paid.").format(number=receipt.order_id)]
    if receipt.shop:
        rows.append(_("Shop: {shop}").format(shop=f"<b>{html.escape(receipt.shop)}</b>"))
    rows.append("")
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


def order_paid_screen(notice: OrderPaid, locale: str) -> Screen:
    """For merchants and ops: an order was paid."""
    rows = [
        "💰 " + _("Order #{number} is paid.").format(number=notice.order_id),
        _("Buyer: {name}").format(name=html.escape(notice.buyer_name)),
        ngettext("{count} item", "{count} items", notice.items).format(count=notice.items),
        "<b>" + _("Total: {amount}").format(amount=notice.total.format(locale)) + "</b>",
    ]
    return Screen("\n".join(rows))


def payment_late_screen(notice: PaymentLate, locale: str) -> Screen:
    """For merchants and ops: money arrived for an order that had expired; it needs a refund."""
    amount = notice.amount.format(locale) if notice.amount is not None else "?"
    rows = [
        "⚠️ "
        + _(
            "A payment of {amount} arrived for order #{number} after it expired. It was not applied: the payment "
            "is flagged for a refund or manual handling."
        ).format(amount=amount, number=notice.order_id),
        _("Provider: {provider}").format(provider=html.escape(notice.provider)),
        _("Provider reference: {reference}").format(reference=f"<code>{html.escape(notice.reference)}</code>"),
    ]
    return Screen("\n".join(rows))


def payment_mismatch_screen(notice: PaymentMismatch, locale: str) -> Screen:
    """For merchants and ops: a payment did not match its order's amount or currency and was not applied."""
    paid = notice.paid.format(locale) if notice.paid is not None else "?"
    rows = [
        "⚠️ "
        + _(
            "A payment for order #{number} does not match the order: {paid} paid, {due} due. It was not "
            "applied: check it with the provider."
        ).format(number=notice.order_id, paid=paid, due=notice.due.format(locale)),
        _("Provider: {provider}").format(provider=html.escape(notice.provider)),
        _("Provider reference: {reference}").format(reference=f"<code>{html.escape(notice.reference)}</code>"),
    ]
    return Screen("\n".join(rows))


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
