"""Telegram invoices: the pre-checkout re-check of an order, and the payment Telegram reports, settled through
PaymentService (deduplicated there on `telegram_payment_charge_id`)."""

from __future__ import annotations

import logging

from bot.domain.invoices import PROVIDER, InvoiceCheck, InvoicePricing, Refusal
from bot.domain.money import Money
from bot.domain.orders import OrderStatus
from bot.domain.payments import AttemptStatus, PaymentEvent, PaymentEventKind, Settlement
from bot.ports import UnitOfWorkFactory
from bot.services.cart import Clock, utc_now
from bot.services.payments import PaymentService

log = logging.getLogger(__name__)


class InvoiceService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        payments: PaymentService,
        pricing: InvoicePricing | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.uow = uow
        self.payments = payments
        self.pricing = pricing or InvoicePricing()
        self.clock = clock

    async def check(self, payload: str, amount: Money) -> InvoiceCheck:
        """May the buyer pay this invoice now? Only while its order awaits payment, before its time runs out (an
        invoice link cannot be revoked: this is what stops an old one), and for what the order costs."""
        async with self.uow() as uow:
            attempt = await uow.payments.by_reference(PROVIDER, payload)
            order = None if attempt is None else await uow.payments.payable(attempt.order_id)
        if attempt is None or order is None:
            return InvoiceCheck(None, Refusal.UNKNOWN)
        if (
            attempt.status is not AttemptStatus.OPEN
            or order.status is not OrderStatus.AWAITING_PAYMENT
            or self.clock() >= attempt.expires_at
        ):
            return InvoiceCheck(order.order_id, Refusal.CLOSED)
        if attempt.amount != order.total or self._charge(attempt.amount) != amount:
            return InvoiceCheck(order.order_id, Refusal.CHANGED)
        return InvoiceCheck(order.order_id)

    async def paid(self, payload: str, charge_id: str, amount: Money, provider_charge_id: str = "") -> Settlement:
        """Settle a successful payment once: its charge id is the event id, so a second delivery changes nothing;
        an amount or currency other than the invoice's is recorded as a mismatch, never applied."""
        async with self.uow() as uow:
            attempt = await uow.payments.by_reference(PROVIDER, payload)
        settled_amount = amount
        if attempt is not None and self._charge(attempt.amount) == amount:
            settled_amount = attempt.amount  # in Stars: the order's own amount, which the invoice charged
        event = PaymentEvent(
            provider=PROVIDER,
            event_id=charge_id,
            kind=PaymentEventKind.PAID,
            reference=payload,
            amount=settled_amount,
            payment_id=provider_charge_id or charge_id,
        )
        return await self.payments.settle(event)

    def _charge(self, amount: Money) -> Money | None:
        try:
            return self.pricing.charge(amount)
        except ValueError:  # the Stars rates changed since the invoice was made
            return None
