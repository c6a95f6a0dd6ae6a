"""Broadcasts and their deliveries: opened once per (kind, reference), sent under a lease, every delivery's status
moved by conditional statements in batches (a thousand sends a second are a few writes a second)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.broadcasts import (
    BroadcastInfo,
    BroadcastKind,
    BroadcastStatus,
    Delivery,
    DeliveryOutcome,
    DeliveryStatus,
    Recipient,
)
from bot.domain.buyer import Buyer
from storage.tables import broadcasts, buyers, deliveries

# Rows per INSERT when an audience is snapshotted.
INSERT_BATCH = 1000


class SqlBroadcastRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _connection(self) -> sa.ext.asyncio.AsyncConnection:
        return await self.session.connection()

    async def open(
        self, kind: BroadcastKind, reference: int | None, text: str | None, created_by: int | None, now: datetime
    ) -> tuple[int, bool]:
        """The broadcast's id, and whether this call created it (False: it was open already). Without a reference
        (a MESSAGE) it is the new broadcast's own id."""
        connection = await self._connection()
        values = {
            "kind": kind.value,
            "reference": reference,
            "status": BroadcastStatus.RUNNING.value,
            "text": text,
            "created_by": created_by,
            "created_at": now,
            "reported": False,
        }
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        created = (
            await connection.execute(
                insert(broadcasts)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["kind", "reference"])
                .returning(broadcasts.c.id)
            )
        ).scalar_one_or_none()
        if created is not None:
            if reference is None:
                await connection.execute(
                    sa.update(broadcasts).where(broadcasts.c.id == created).values(reference=created)
                )
            return created, True
        existing = (
            await connection.execute(
                sa.select(broadcasts.c.id).where(broadcasts.c.kind == kind.value, broadcasts.c.reference == reference)
            )
        ).scalar_one()
        return existing, False

    async def reachable_subscribers(self) -> Sequence[Buyer]:
        """Every subscriber the bot may write to: subscribed, started, not blocked."""
        connection = await self._connection()
        rows = await connection.execute(
            sa.select(
                buyers.c.telegram_id,
                buyers.c.language,
                buyers.c.country,
                buyers.c.currency,
                buyers.c.region,
                buyers.c.timezone,
            )
            .where(buyers.c.subscribed.is_(True), buyers.c.started.is_(True), buyers.c.blocked.is_(False))
            .order_by(buyers.c.telegram_id)
        )
        return [
            Buyer(
                telegram_id=row.telegram_id,
                language=row.language,
                country=row.country,
                currency=row.currency,
                region=row.region,
                timezone=row.timezone,
                subscribed=True,
            )
            for row in rows
        ]

    async def add_deliveries(self, broadcast_id: int, recipients: Sequence[Recipient]) -> None:
        connection = await self._connection()
        rows = [
            {
                "broadcast_id": broadcast_id,
                "chat_id": recipient.chat_id,
                "language": recipient.language,
                "timezone": recipient.timezone,
                "currency": recipient.currency,
                "private": recipient.private,
                "status": DeliveryStatus.PENDING.value,
                "attempts": 0,
                "last_error": "",
            }
            for recipient in recipients
        ]
        insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
        for start in range(0, len(rows), INSERT_BATCH):
            # A chat named twice (a subscriber's id among the audience's chats) gets one delivery.
            statement = insert(deliveries).on_conflict_do_nothing(index_elements=["broadcast_id", "chat_id"])
            await connection.execute(statement, rows[start : start + INSERT_BATCH])

    async def get(self, broadcast_id: int) -> BroadcastInfo | None:
        connection = await self._connection()
        row = (await connection.execute(sa.select(broadcasts).where(broadcasts.c.id == broadcast_id))).first()
        return None if row is None else _info(row)

    async def unfinished(self) -> Sequence[BroadcastInfo]:
        """Broadcasts still sending, and finished ones nobody reported yet, oldest first."""
        connection = await self._connection()
        rows = await connection.execute(
            sa.select(broadcasts)
            .where(
                sa.or_(
                    broadcasts.c.status == BroadcastStatus.RUNNING.value,
                    broadcasts.c.reported.is_(False),
                )
            )
            .order_by(broadcasts.c.id)
        )
        return [_info(row) for row in rows]

    async def take_lease(self, broadcast_id: int, owner: str, until: datetime, now: datetime) -> bool:
        """Hold the broadcast until `until` if nobody else holds it now (or it is ours already); whether it is ours."""
        connection = await self._connection()
        result = await connection.execute(
            sa.update(broadcasts)
            .where(
                broadcasts.c.id == broadcast_id,
                broadcasts.c.status == BroadcastStatus.RUNNING.value,
                sa.or_(
                    broadcasts.c.lease_owner.is_(None),
                    broadcasts.c.lease_owner == owner,
                    broadcasts.c.lease_until < now,
                ),
            )
            .values(
                lease_owner=owner,
                lease_until=until,
                started_at=sa.func.coalesce(broadcasts.c.started_at, now),
            )
        )
        return result.rowcount == 1

    async def release_lease(self, broadcast_id: int, owner: str) -> None:
        connection = await self._connection()
        await connection.execute(
            sa.update(broadcasts)
            .where(broadcasts.c.id == broadcast_id, broadcasts.c.lease_owner == owner)
            .values(lease_owner=None, lease_until=None)
        )

    async def claim(self, broadcast_id: int, limit: int, now: datetime) -> Sequence[Delivery]:
        """Record up to `limit` due pending deliveries SENDING, in id order, and return them."""
        connection = await self._connection()
        due = sa.or_(deliveries.c.not_before.is_(None), deliveries.c.not_before <= now)
        rows = (
            await connection.execute(
                sa.select(
                    deliveries.c.id,
                    deliveries.c.chat_id,
                    deliveries.c.language,
                    deliveries.c.timezone,
                    deliveries.c.currency,
                    deliveries.c.private,
                    deliveries.c.attempts,
                )
                .where(
                    deliveries.c.broadcast_id == broadcast_id,
                    deliveries.c.status == DeliveryStatus.PENDING.value,
                    due,
                )
                .order_by(deliveries.c.id)
                .limit(limit)
            )
        ).all()
        if not rows:
            return []
        ids = [row.id for row in rows]
        await connection.execute(
            sa.update(deliveries)
            .where(deliveries.c.id.in_(ids), deliveries.c.status == DeliveryStatus.PENDING.value)
            .values(status=DeliveryStatus.SENDING.value)
        )
        return [
            Delivery(
                id=row.id,
                recipient=Recipient(
                    chat_id=row.chat_id,
                    language=row.language,
                    timezone=row.timezone,
                    currency=row.currency,
                    private=row.private,
                ),
                attempts=row.attempts,
            )
            for row in rows
        ]

    async def record(self, outcomes: Sequence[DeliveryOutcome], now: datetime) -> None:
        """Record sends' outcomes (only on deliveries still SENDING): one executemany for all of them."""
        if not outcomes:
            return
        connection = await self._connection()
        statement = (
            sa.update(deliveries)
            .where(deliveries.c.id == sa.bindparam("b_id"), deliveries.c.status == DeliveryStatus.SENDING.value)
            .values(
                status=sa.bindparam("b_status"),
                attempts=sa.bindparam("b_attempts"),
                last_error=sa.bindparam("b_error"),
                message_id=sa.bindparam("b_message_id"),
                not_before=sa.bindparam("b_not_before", type_=sa.DateTime(timezone=True)),
                sent_at=sa.bindparam("b_sent_at", type_=sa.DateTime(timezone=True)),
            )
        )
        await connection.execute(
            statement,
            [
                {
                    "b_id": outcome.delivery_id,
                    "b_status": outcome.status.value,
                    "b_attempts": outcome.attempts,
                    "b_error": outcome.error[:300],
                    "b_message_id": outcome.message_id,
                    "b_not_before": outcome.not_before,
                    "b_sent_at": now if outcome.status is DeliveryStatus.SENT else None,
                }
                for outcome in outcomes
            ],
        )

    async def block_buyers(self, chat_ids: Sequence[int]) -> None:
        """Mark buyers who blocked the bot (a 403 on a private chat), in one statement."""
        if chat_ids:
            connection = await self._connection()
            await connection.execute(
                sa.update(buyers).where(buyers.c.telegram_id.in_(list(chat_ids))).values(blocked=True)
            )

    async def pending(self, broadcast_id: int) -> tuple[int, datetime | None]:
        """How many deliveries are still pending, and when the first of them may go (None: at once, or none)."""
        connection = await self._connection()
        row = (
            await connection.execute(
                sa.select(sa.func.count(), sa.func.min(deliveries.c.not_before)).where(
                    deliveries.c.broadcast_id == broadcast_id,
                    deliveries.c.status == DeliveryStatus.PENDING.value,
                )
            )
        ).one()
        return int(row[0]), _utc(row[1])

    async def finish(self, broadcast_id: int, owner: str, now: datetime) -> bool:
        """DONE, if the caller still holds the lease and nothing is pending; whether this call finished it."""
        connection = await self._connection()
        nothing_pending = ~sa.exists().where(
            deliveries.c.broadcast_id == broadcast_id, deliveries.c.status == DeliveryStatus.PENDING.value
        )
        result = await connection.execute(
            sa.update(broadcasts)
            .where(
                broadcasts.c.id == broadcast_id,
                broadcasts.c.status == BroadcastStatus.RUNNING.value,
                broadcasts.c.lease_owner == owner,
                nothing_pending,
            )
            .values(status=BroadcastStatus.DONE.value, finished_at=now, lease_owner=None, lease_until=None)
        )
        return result.rowcount == 1

    async def claim_report(self, broadcast_id: int) -> bool:
        """Take the right to report a finished broadcast; False when another process took it first."""
        connection = await self._connection()
        result = await connection.execute(
            sa.update(broadcasts)
            .where(
                broadcasts.c.id == broadcast_id,
                broadcasts.c.status == BroadcastStatus.DONE.value,
                broadcasts.c.reported.is_(False),
            )
            .values(reported=True)
        )
        return result.rowcount == 1

    async def counts(self, broadcast_id: int) -> dict[DeliveryStatus, int]:
        connection = await self._connection()
        rows = await connection.execute(
            sa.select(deliveries.c.status, sa.func.count())
            .where(deliveries.c.broadcast_id == broadcast_id)
            .group_by(deliveries.c.status)
        )
        return {DeliveryStatus(status): int(count) for status, count in rows}


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite hands timestamps back without a zone; every one we store is UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _info(row: sa.Row[tuple[object, ...]]) -> BroadcastInfo:
    return BroadcastInfo(
        id=row.id,
        kind=BroadcastKind(row.kind),
        reference=row.reference,
        status=BroadcastStatus(row.status),
        text=row.text,
        created_at=_utc(row.created_at) or row.created_at,
        started_at=_utc(row.started_at),
        finished_at=_utc(row.finished_at),
        reported=row.reported,
    )
