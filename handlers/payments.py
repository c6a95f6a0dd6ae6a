"""Telegram Payments: the pre-checkout query, answered after re-checking the order, and the successful payment."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message, PreCheckoutQuery

from bot.domain.money import Money
from bot.services.invoices import InvoiceService
from handlers.views.payments import refusal_text


def make_router() -> Router:
    router = Router(name="payments")
    router.pre_checkout_query.register(pre_checkout)
    router.message.register(successful_payment, F.successful_payment)
    return router


async def pre_checkout(query: PreCheckoutQuery, invoices: InvoiceService) -> None:
    # Telegram waits 10 seconds for the answer: the check is one read of the order.
    check = await invoices.check(query.invoice_payload, Money(query.total_amount, query.currency))
    if check.ok:
        await query.answer(ok=True)
    else:
        assert check.refusal is not None
        await query.answer(ok=False, error_message=refusal_text(check.refusal, check.order_id))


async def successful_payment(message: Message, invoices: InvoiceService) -> None:
    # The receipt goes out from the settlement (a PaymentReceived notice), as for every provider.
    payment = message.successful_payment
    assert payment is not None
    await invoices.paid(
        payment.invoice_payload,
        payment.telegram_payment_charge_id,
        Money(payment.total_amount, payment.currency),
        payment.provider_payment_charge_id or "",
    )
