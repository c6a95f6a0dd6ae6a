"""Payments: a link for each order awaiting payment, provider events settled exactly once, and unpaid orders expired.

A webhook, the timeout sweep and a second bot instance may all act on one order at once: each decision is one
conditional statement in the database (the event's unique id, the order's move out of `awaiting_payment`), so one of
them wins and the others change nothing (docs/payments.md).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.domain.notices import (
    Notice,
    OrderPaid,
    PaymentLate,
    PaymentMismatch,
    PaymentReceived,
    PaymentTimedOut,
    StaffNotice,
)
from bot.domain.orders import EventKind, OrderStatus
from bot.domain.payments import (
    AttemptStatus,
    Outcome,
    PayableOrder,
    PaymentAttempt,
    PaymentEvent,
    PaymentEventKind,
    PaymentPage,
    PaymentRequest,
    Receipt,
    Settlement,
)
from bot.ports import Notifier, PaymentProvider, UnitOfWork, UnitOfWorkFactory
from bot.services.cart import Clock, utc_now
from bot.services.waitlist import WaitlistService

log = logging.getLogger(__name__)
BATCH = 200


class NotAwaitingPayment(Exception):
    """The order is not waiting for payment (paid, expired, or not placed): no link to give."""

    def __init__(self, order_id: int) -> None:
        super().__init__(f"order {order_id} is not awaiting payment")
        self.order_id = order_id


class PaymentService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        provider: PaymentProvider,
        notifier: Notifier,
        waitlist: WaitlistService,
        timeout_minutes: int = 30,
        clock: Clock = utc_now,
        shop_name: str = "",
        staff_ids: Sequence[int] = (),
        staff_language: str = "en",
        receipt_retry_seconds: float = 60,
    ) -> None:
        self.uow = uow
        self.receipt_retry = timedelta(seconds=receipt_retry_seconds)
        self.provider = provider
        self.notifier = notifier
        self.waitlist = waitlist
        self.timeout = timedelta(minutes=timeout_minutes)
        self.clock = clock
        self.shop_name = shop_name
        # Merchants and ops (MERCHANT_IDS, OPS_IDS), each once: told of paid orders, late payments and mismatches.
        self.staff_ids = tuple(dict.fromkeys(staff_ids))
        self.staff_language = staff_language  # for staff who never wrote to the bot (DEFAULT_LANGUAGE)

    async def link_for(self, order_id: int) -> PaymentAttempt:
        """The order's open attempt with its link, created if there is none; NotAwaitingPayment otherwise."""
        now = self.clock()
        async with self.uow() as uow:
            order = await uow.payments.payable(order_id)
            if order is None or order.status is not OrderStatus.AWAITING_PAYMENT:
                raise NotAwaitingPayment(order_id)
            attempt = await uow.payments.open_attempt(order_id)
            if attempt is None:
                expires_at = (order.placed_at or now) + self.timeout
                attempt = await uow.payments.add_attempt(order_id, self.provider.name, order.total, expires_at, now)
                # None: another request opened one in the same moment; use it.
                attempt = attempt or await uow.payments.open_attempt(order_id)
            if attempt is None:
                raise NotAwaitingPayment(order_id)
            await uow.commit()
        if attempt.url is not None:
            return attempt
        # Outside the unit: the provider is a network call. Asked twice (a retry, two instances), the idempotency key
        # makes it answer with the same session.
        link = await self.provider.create_link(
            PaymentRequest(
                order_id=order_id,
                buyer_id=order.buyer_id,
                number=attempt.number,
                idempotency_key=attempt.idempotency_key,
                amount=attempt.amount,
                language=order.language,
                expires_at=attempt.expires_at,
                description=f"Order #{order_id}",
                country=order.country,
            )
        )
        async with self.uow() as uow:
            await uow.payments.set_link(attempt.attempt_id, link.reference, link.url)
            await uow.commit()
        return replace(attempt, reference=link.reference, url=link.url)

    async def page(self, reference: str) -> PaymentPage | None:
        """What the hosted payment page of an attempt shows; None for an unknown reference."""
        async with self.uow() as uow:
            attempt = await uow.payments.by_reference(self.provider.name, reference)
            order = None if attempt is None else await uow.payments.payable(attempt.order_id)
            if attempt is None or order is None:
                return None
            items = await uow.orders.items(order.order_id, order.language)
        return PaymentPage(attempt, order, tuple(items))

    async def settle(self, event: PaymentEvent) -> Settlement:
        """Apply a verified provider event, exactly once: a replay, or an event about a closed attempt, changes
        nothing; a payment for an order that expired is kept and flagged for a refund, never lost.

        The receipt goes out after the commit and is then marked sent on the event. A process that dies in between
        never answers the webhook, so the provider sends it again: a replay that comes `receipt_retry_seconds` or more
        after the event was first received, and finds its receipt not marked sent, takes it over (one replay only:
        the take-over is a conditional update) and sends it. A replay sooner than that is the provider being quick,
        not the first process being dead, and sends nothing. A paid buyer always gets one receipt; two only if the
        first process died between its send and its mark, or took longer than `receipt_retry_seconds` to send."""
        now = self.clock()
        async with self.uow() as uow:
            attempt = await uow.payments.by_reference(event.provider, event.reference)
            if attempt is None:
                log.warning("payment event %s from %s: no attempt has its reference", event.event_id, event.provider)
                return Settlement(Outcome.UNKNOWN)
            order = await uow.payments.payable(attempt.order_id)
            assert order is not None  # an attempt's order is never deleted
            if not await uow.payments.record_event(event, attempt.order_id, now):
                outcome = Outcome.DUPLICATE
                notices = []
                if await uow.payments.claim_untold_receipt(event, now - self.receipt_retry):
                    notices = await self._paid_notices(uow, event, attempt, order)
                    await uow.commit()
            else:
                outcome, notices = await self._apply(uow, event, attempt, order, now)
                await uow.payments.set_outcome(event, outcome)
                await uow.commit()
        await self._after(notices)
        if outcome is Outcome.PAID:
            await self._mark_told(event)
        return Settlement(outcome, order.order_id)

    async def _apply(
        self, uow: UnitOfWork, event: PaymentEvent, attempt: PaymentAttempt, order: PayableOrder, now: datetime
    ) -> tuple[Outcome, list[Notice]]:
        """What a new event does to its order (in the caller's unit), and whom to tell."""
        if event.kind is PaymentEventKind.PAID:
            outcome = await self._paid(uow, event, attempt, order, now)
            if outcome is Outcome.PAID:
                return outcome, await self._paid_notices(uow, event, attempt, order)
            return outcome, list(await self._staff_notices(uow, outcome, event, attempt, order))
        if attempt.status is AttemptStatus.OPEN and await self._expire(
            uow, order, now, f"payment {event.kind} ({event.provider})"
        ):
            return Outcome.EXPIRED, [PaymentTimedOut(order.buyer_id, order.language, order.order_id)]
        return Outcome.IGNORED, []

    async def _paid_notices(
        self, uow: UnitOfWork, event: PaymentEvent, attempt: PaymentAttempt, order: PayableOrder
    ) -> list[Notice]:
        """The buyer's receipt and the staff's "order paid" for a payment applied to `order`."""
        items = await uow.orders.items(order.order_id, order.language)
        receipt = Receipt(order.order_id, tuple(items), order.total, self.shop_name)
        notices: list[Notice] = [PaymentReceived(order.buyer_id, order.language, receipt)]
        return notices + await self._staff_notices(uow, Outcome.PAID, event, attempt, order)

    async def _mark_told(self, event: PaymentEvent) -> None:
        async with self.uow() as uow:
            await uow.payments.mark_told(event)
            await uow.commit()

    async def _paid(
        self, uow: UnitOfWork, event: PaymentEvent, attempt: PaymentAttempt, order: PayableOrder, now: datetime
    ) -> Outcome:
        if event.amount != attempt.amount or event.amount != order.total:
            log.warning(
                "payment event %s for order %s: %s paid, %s due; not applied",
                event.event_id,
                order.order_id,
                event.amount,
                attempt.amount,
            )
            await uow.orders.record(
                order.order_id, EventKind.PAYMENT_MISMATCH, now, f"{event.provider} {event.event_id}"
            )
            return Outcome.MISMATCH
        if attempt.status is AttemptStatus.PAID:
            return Outcome.IGNORED  # the same payment told again under another event id
        # The order first, then the attempt: the sweep takes the same order, so the two cannot deadlock.
        detail = f"paid via {event.provider} {event.payment_id}".strip()
        if await uow.orders.set_status(order.order_id, OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID, now, detail):
            await uow.payments.close_attempt(attempt.attempt_id, AttemptStatus.PAID, now, event.payment_id)
            return Outcome.PAID
        log.warning(
            "payment event %s: order %s is %s; flagged for a refund", event.event_id, order.order_id, order.status
        )
        await uow.payments.flag_refund(attempt.attempt_id, now, event.payment_id)
        await uow.orders.record(order.order_id, EventKind.PAYMENT_LATE, now, f"{event.provider} {event.payment_id}")
        return Outcome.LATE

    async def expire_due(self, now: datetime | None = None) -> int:
        """Expire the orders not paid within the timeout: units back (waitlists first), sessions closed, buyers told;
        how many expired."""
        now = now or self.clock()
        async with self.uow() as uow:
            due = await uow.payments.due(now - self.timeout, BATCH)
        count = 0
        for order_id in due:
            async with self.uow() as uow:
                order = await uow.payments.payable(order_id)
                attempt = await uow.payments.open_attempt(order_id)
                if order is None or not await self._expire(uow, order, now, "not paid in time"):
                    continue  # paid or expired meanwhile
                await uow.commit()
            count += 1
            if attempt is not None:
                await self._close_session(attempt)
            await self.notifier.send(PaymentTimedOut(order.buyer_id, order.language, order.order_id))
        if count:
            await self.waitlist.offer_restocked(now=now)
        return count

    async def _expire(self, uow: UnitOfWork, order: PayableOrder, now: datetime, reason: str) -> bool:
        """Expire the order if it still awaits payment, releasing its units and closing its open attempt."""
        if not await uow.orders.set_status(
            order.order_id, OrderStatus.AWAITING_PAYMENT, OrderStatus.EXPIRED, now, reason
        ):
            return False
        for item in await uow.orders.items(order.order_id, order.language):
            await uow.stock.release(item.sku_id, item.quantity)
        attempt = await uow.payments.open_attempt(order.order_id)
        if attempt is not None:
            await uow.payments.close_attempt(attempt.attempt_id, AttemptStatus.EXPIRED, now)
        return True

    async def _close_session(self, attempt: PaymentAttempt) -> None:
        try:
            await self.provider.expire(attempt)
        except Exception:
            # The attempt is closed here whatever the provider says: a payment on it would be flagged as late.
            log.exception(
                "could not expire the %s session of order %s",
                attempt.provider,
                attempt.order_id,
                extra={"order_id": attempt.order_id},
            )

    async def _staff_notices(
        self, uow: UnitOfWork, outcome: Outcome, event: PaymentEvent, attempt: PaymentAttempt, order: PayableOrder
    ) -> list[StaffNotice]:
        """What merchants and ops are told of a paid event's outcome, each in their own language (the one they chose
        with the bot, else the shop's default); nothing for an ignored one. Staff are MERCHANT_IDS and OPS_IDS, then
        everyone granted a role in chat or the CLI, read in the same transaction."""
        if outcome not in (Outcome.PAID, Outcome.LATE, Outcome.MISMATCH):
            return []
        granted = [grant.telegram_id for grant in await uow.roles.grants()]
        languages = {}
        for staff_id in dict.fromkeys([*self.staff_ids, *granted]):
            person = await uow.buyers.get(staff_id)
            languages[staff_id] = person.language if person is not None else self.staff_language
        reference = event.payment_id or event.reference
        if outcome is Outcome.PAID:
            buyer = await uow.buyers.get(order.buyer_id)
            name = buyer.name if buyer is not None and buyer.name else str(order.buyer_id)
            units = sum(item.quantity for item in await uow.orders.items(order.order_id, order.language))
            return [
                OrderPaid(staff_id, language, order.order_id, name, order.total, units)
                for staff_id, language in languages.items()
            ]
        if outcome is Outcome.LATE:
            return [
                PaymentLate(staff_id, language, order.order_id, event.amount, event.provider, reference)
                for staff_id, language in languages.items()
            ]
        return [
            PaymentMismatch(staff_id, language, order.order_id, event.amount, attempt.amount, event.provider, reference)
            for staff_id, language in languages.items()
        ]

    async def _tell_staff(self, notice: StaffNotice) -> None:
        """The payment is committed already: a merchant who cannot be reached costs one log line, nothing more."""
        try:
            sent = await self.notifier.send(notice)
        except Exception as error:  # any delivery failure (a chat Telegram cannot find): the adapter's to raise
            log.warning(
                "could not tell %s about order %s: %s",
                notice.recipient_id,
                notice.order_id,
                error,
                extra={"order_id": notice.order_id},
            )
            return
        if not sent:
            log.warning(
                "could not tell %s about order %s: they blocked or never started the bot",
                notice.recipient_id,
                notice.order_id,
            )

    async def _after(self, notices: list[Notice]) -> None:
        for notice in notices:
            if isinstance(notice, OrderPaid | PaymentLate | PaymentMismatch):
                continue
            await self.notifier.send(notice)
        for notice in notices:
            if isinstance(notice, OrderPaid | PaymentLate | PaymentMismatch):
                await self._tell_staff(notice)
        if any(isinstance(notice, PaymentTimedOut) for notice in notices):
            await self.waitlist.offer_restocked(now=self.clock())
