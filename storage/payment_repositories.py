"""Payment attempts and provider events. Status changes are conditional statements and events are unique by id, so a
replayed webhook or a second bot instance can never apply one payment twice."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from bot.domain.money import Money
from bot.domain.orders import OrderStatus
from bot.domain.payments import AttemptStatus, PayableOrder, PaymentAttempt, PaymentEvent, idempotency_key
from storage.order_repositories import _Repository, _utc
from storage.tables import buyers, orders, payment_attempts, payment_events


def _attempt(row: Any) -> PaymentAttempt:
    return PaymentAttempt(
        attempt_id=row.id,
        order_id=row.order_id,
        number=row.number,
        provider=row.provider,
        idempotency_key=row.idempotency_key,
        amount=Money(row.amount_minor, row.currency),
        status=AttemptStatus(row.status),
        reference=row.reference,
        url=row.url,
        expires_at=_utc(row.expires_at) or row.expires_at,
    )


# An applied payment's event row says its receipt went out (buyer and staff told), so a process that died between the
# payment's commit and the receipt is caught up by the provider's retry of the webhook.
TOLD = "receipt sent"


def _the_event(event: PaymentEvent) -> tuple[sa.ColumnElement[bool], ...]:
    return payment_events.c.provider == event.provider, payment_events.c.event_id == event.event_id[:255]


class SqlPaymentRepository(_Repository):
    async def payable(self, order_id: int) -> PayableOrder | None:
        row = (
            await self._run(
                sa.select(
                    orders.c.id,
                    orders.c.buyer_id,
                    orders.c.status,
                    orders.c.total_minor,
                    orders.c.currency,
                    orders.c.placed_at,
                    buyers.c.language,
                    sa.func.coalesce(orders.c.ship_country, buyers.c.country).label("country"),
                )
                .join(buyers, buyers.c.telegram_id == orders.c.buyer_id)
                .where(orders.c.id == order_id)
            )
        ).first()
        if row is None:
            return None
        return PayableOrder(
            order_id=row.id,
            buyer_id=row.buyer_id,
            language=row.language,
            status=OrderStatus(row.status),
            total=Money(row.total_minor, row.currency),
            placed_at=_utc(row.placed_at),
            country=row.country,
        )

    async def open_attempt(self, order_id: int) -> PaymentAttempt | None:
        row = (
            await self._run(
                sa.select(payment_attempts).where(
                    payment_attempts.c.order_id == order_id, payment_attempts.c.status == AttemptStatus.OPEN.value
                )
            )
        ).first()
        return None if row is None else _attempt(row)

    async def add_attempt(
        self, order_id: int, provider: str, amount: Money, expires_at: datetime, now: datetime
    ) -> PaymentAttempt | None:
        number = 1 + int(
            (
                await self._run(
                    sa.select(sa.func.coalesce(sa.func.max(payment_attempts.c.number), 0)).where(
                        payment_attempts.c.order_id == order_id
                    )
                )
            ).scalar_one()
        )
        # Any unique key taken (another open attempt, the same number) means another request won: nothing inserted.
        row = (
            await self._run(
                self._insert(payment_attempts)
                .values(
                    order_id=order_id,
                    number=number,
                    provider=provider,
                    idempotency_key=idempotency_key(order_id, number),
                    amount_minor=amount.amount_minor,
                    currency=amount.currency,
                    status=AttemptStatus.OPEN.value,
                    provider_payment_id="",
                    created_at=now,
                    expires_at=expires_at,
                )
                .on_conflict_do_nothing()
                .returning(*payment_attempts.c)
            )
        ).first()
        return None if row is None else _attempt(row)

    async def set_link(self, attempt_id: int, reference: str, url: str) -> None:
        await self._run(
            sa.update(payment_attempts).where(payment_attempts.c.id == attempt_id).values(reference=reference, url=url)
        )

    async def by_reference(self, provider: str, reference: str) -> PaymentAttempt | None:
        row = (
            await self._run(
                sa.select(payment_attempts).where(
                    payment_attempts.c.provider == provider, payment_attempts.c.reference == reference
                )
            )
        ).first()
        return None if row is None else _attempt(row)

    async def close_attempt(self, attempt_id: int, status: AttemptStatus, now: datetime, payment_id: str = "") -> bool:
        values: dict[str, Any] = {"status": status.value, "settled_at": now}
        if payment_id:
            values["provider_payment_id"] = payment_id[:255]
        result = await self._run(
            sa.update(payment_attempts)
            .where(payment_attempts.c.id == attempt_id, payment_attempts.c.status == AttemptStatus.OPEN.value)
            .values(**values)
        )
        return result.rowcount == 1

    async def flag_refund(self, attempt_id: int, now: datetime, payment_id: str) -> None:
        await self._run(
            sa.update(payment_attempts)
            .where(payment_attempts.c.id == attempt_id)
            .values(status=AttemptStatus.REFUND_DUE.value, settled_at=now, provider_payment_id=payment_id[:255])
        )

    async def record_event(self, event: PaymentEvent, order_id: int | None, now: datetime) -> bool:
        row = (
            await self._run(
                self._insert(payment_events)
                .values(
                    provider=event.provider,
                    event_id=event.event_id[:255],
                    kind=event.kind.value,
                    reference=event.reference[:255],
                    order_id=order_id,
                    outcome="",
                    detail="",
                    received_at=now,
                )
                .on_conflict_do_nothing(index_elements=["provider", "event_id"])
                .returning(payment_events.c.id)
            )
        ).first()
        return row is not None

    async def set_outcome(self, event: PaymentEvent, outcome: str, detail: str = "") -> None:
        await self._run(
            sa.update(payment_events).where(*_the_event(event)).values(outcome=outcome, detail=detail[:200])
        )

    async def claim_untold_receipt(self, event: PaymentEvent, received_before: datetime) -> bool:
        result = await self._run(
            sa.update(payment_events)
            .where(
                *_the_event(event),
                payment_events.c.outcome == "paid",
                payment_events.c.detail != TOLD,
                payment_events.c.received_at < received_before,
            )
            .values(detail=TOLD)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def mark_told(self, event: PaymentEvent) -> None:
        await self._run(sa.update(payment_events).where(*_the_event(event)).values(detail=TOLD))

    async def due(self, placed_before: datetime, limit: int) -> Sequence[int]:
        rows = await self._run(
            sa.select(orders.c.id)
            .where(orders.c.status == OrderStatus.AWAITING_PAYMENT.value, orders.c.placed_at <= placed_before)
            .order_by(orders.c.placed_at, orders.c.id)
            .limit(limit)
        )
        return [order_id for (order_id,) in rows]
