"""Streams, their featured products and their announcements.

A due announcement is claimed in the database, so it goes out once however many bot processes run: on PostgreSQL the
due rows are locked with `FOR UPDATE SKIP LOCKED` (a second process skips them instead of waiting) and moved to
`sending`; on SQLite each row moves with a conditional UPDATE whose row count says who won.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from bot.domain.money import Money
from bot.domain.orders import OrderStatus
from bot.domain.streams import (
    Announcement,
    AnnouncementKind,
    AnnouncementStatus,
    Stream,
    StreamOrder,
    StreamPlan,
    StreamStatus,
)
from storage.order_repositories import _Repository, _utc
from storage.tables import announcements, buyers, lines, orders, products, stream_products, streams

# Orders a stream's totals count: placed and not given up (an open cart is not an order yet).
COUNTED = [OrderStatus.AWAITING_PAYMENT.value, OrderStatus.PAID.value, OrderStatus.SHIPPED.value]
PAID = [OrderStatus.PAID.value, OrderStatus.SHIPPED.value]


class SqlStreamRepository(_Repository):
    async def add(self, plan: StreamPlan, product_ids: Sequence[int], now: datetime) -> int:
        stream_id = (
            await self._run(
                sa.insert(streams)
                .values(
                    title=plan.title,
                    titles=dict(plan.titles),
                    starts_at=plan.starts_at,
                    duration_seconds=int(plan.duration.total_seconds()),
                    status=StreamStatus.SCHEDULED.value,
                    timezone=plan.timezone,
                    link=plan.link,
                    chat_id=plan.chat_id,
                    created_by=plan.created_by,
                    created_at=now,
                )
                .returning(streams.c.id)
            )
        ).scalar_one()
        await self.set_products(stream_id, product_ids)
        return int(stream_id)

    async def set_products(self, stream_id: int, product_ids: Sequence[int]) -> None:
        await self._run(sa.delete(stream_products).where(stream_products.c.stream_id == stream_id))
        if product_ids:
            await self._run(
                sa.insert(stream_products),
                [
                    {"stream_id": stream_id, "product_id": product_id, "position": position}
                    for position, product_id in enumerate(product_ids)
                ],
            )

    async def get(self, stream_id: int) -> Stream | None:
        found = await self._streams(streams.c.id == stream_id)
        return found[0] if found else None

    async def listed(self, statuses: Sequence[StreamStatus]) -> Sequence[Stream]:
        return await self._streams(streams.c.status.in_([status.value for status in statuses]))

    async def live(self, chat_id: int | None = None) -> Stream | None:
        """The live stream posting in `chat_id`, else one posting nowhere in particular; with no chat, the one that
        went live last."""
        live = await self._streams(streams.c.status == StreamStatus.LIVE.value)
        live = sorted(live, key=lambda stream: (stream.live_at or stream.starts_at, stream.stream_id), reverse=True)
        if chat_id is None:
            return live[0] if live else None
        own = [stream for stream in live if stream.chat_id == chat_id]
        anywhere = [stream for stream in live if stream.chat_id is None]
        return (own or anywhere or [None])[0]

    async def audience_languages(self) -> Sequence[str]:
        reachable = sa.and_(buyers.c.subscribed, buyers.c.started, sa.not_(buyers.c.blocked))
        count = sa.func.count()
        query = (
            sa.select(buyers.c.language, count)
            .where(reachable)
            .group_by(buyers.c.language)
            .order_by(count.desc(), buyers.c.language)
        )
        return [row.language for row in (await self._run(query)).all()]

    async def _streams(self, which: sa.ColumnElement[bool]) -> list[Stream]:
        rows = (await self._run(sa.select(streams).where(which).order_by(streams.c.starts_at, streams.c.id))).all()
        if not rows:
            return []
        codes: dict[int, list[str]] = {row.id: [] for row in rows}
        featured = await self._run(
            sa.select(stream_products.c.stream_id, products.c.code)
            .join(products, products.c.id == stream_products.c.product_id)
            .where(stream_products.c.stream_id.in_(list(codes)))
            .order_by(stream_products.c.stream_id, stream_products.c.position)
        )
        for stream_id, code in featured:
            codes[stream_id].append(code)
        return [_stream(row, codes[row.id]) for row in rows]

    async def product_ids(self, stream_id: int) -> Sequence[int]:
        rows = await self._run(
            sa.select(stream_products.c.product_id)
            .where(stream_products.c.stream_id == stream_id)
            .order_by(stream_products.c.position)
        )
        return [product_id for (product_id,) in rows]

    async def set_details(self, stream_id: int, values: Mapping[str, object]) -> None:
        """Change the stream's title, titles, duration_seconds, link or chat_id."""
        await self._run(sa.update(streams).where(streams.c.id == stream_id).values(**values))

    async def set_start(self, stream_id: int, starts_at: datetime) -> bool:
        """Move the start of a stream that is still scheduled; False when it is not any more."""
        result = await self._run(
            sa.update(streams)
            .where(streams.c.id == stream_id, streams.c.status == StreamStatus.SCHEDULED.value)
            .values(starts_at=starts_at)
        )
        return result.rowcount == 1

    async def set_status(self, stream_id: int, old: StreamStatus, new: StreamStatus, now: datetime) -> bool:
        values: dict[str, object] = {"status": new.value}
        if new is StreamStatus.LIVE:
            values["live_at"] = now
        elif new in (StreamStatus.ENDED, StreamStatus.CANCELLED):
            values["ended_at"] = now
        result = await self._run(
            sa.update(streams).where(streams.c.id == stream_id, streams.c.status == old.value).values(**values)
        )
        return result.rowcount == 1

    async def set_pinned(self, stream_id: int, chat_id: int, message_id: int) -> None:
        await self._run(
            sa.update(streams)
            .where(streams.c.id == stream_id)
            .values(pinned_chat_id=chat_id, pinned_message_id=message_id)
        )

    async def schedule(self, stream_id: int, kind: AnnouncementKind, due: Sequence[tuple[int, datetime]]) -> None:
        """Make each (offset, due time) announcement pending at that time: new, moved if still pending, or revived if
        a reschedule had cancelled it; one already out (sending, sent, missed) stays as it is."""
        for offset_seconds, due_at in due:
            insert = self._insert(announcements).values(
                stream_id=stream_id,
                kind=kind.value,
                offset_seconds=offset_seconds,
                due_at=due_at,
                status=AnnouncementStatus.PENDING.value,
            )
            waiting = [AnnouncementStatus.PENDING.value, AnnouncementStatus.CANCELLED.value]
            await self._run(
                insert.on_conflict_do_update(
                    index_elements=["stream_id", "kind", "offset_seconds"],
                    set_={"due_at": insert.excluded.due_at, "status": AnnouncementStatus.PENDING.value},
                    where=announcements.c.status.in_(waiting),
                )
            )

    async def cancel_pending(
        self, stream_id: int, keep: Sequence[int] = (), kind: AnnouncementKind | None = None
    ) -> int:
        """Cancel the stream's pending announcements (of `kind`), except the reminders at the offsets in `keep`."""
        which = [
            announcements.c.stream_id == stream_id,
            announcements.c.status == AnnouncementStatus.PENDING.value,
        ]
        if kind is not None:
            which.append(announcements.c.kind == kind.value)
        if keep:
            which.append(
                sa.not_(
                    sa.and_(
                        announcements.c.kind == AnnouncementKind.REMINDER.value,
                        announcements.c.offset_seconds.in_(list(keep)),
                    )
                )
            )
        result = await self._run(
            sa.update(announcements).where(*which).values(status=AnnouncementStatus.CANCELLED.value)
        )
        return int(result.rowcount)

    async def announcement(self, announcement_id: int) -> Announcement | None:
        row = (await self._run(sa.select(announcements).where(announcements.c.id == announcement_id))).first()
        return None if row is None else _announcement(row)

    async def announcements(self, stream_id: int) -> Sequence[Announcement]:
        rows = await self._run(
            sa.select(announcements)
            .where(announcements.c.stream_id == stream_id)
            .order_by(announcements.c.due_at, announcements.c.id)
        )
        return [_announcement(row) for row in rows]

    async def claim_due(self, now: datetime, limit: int, due_before: datetime | None = None) -> Sequence[Announcement]:
        """Move pending announcements due by `now` (or only those due before `due_before`) to sending, and return the
        ones this call moved: another process running the same claim gets the others, never the same."""
        due = [
            announcements.c.status == AnnouncementStatus.PENDING.value,
            announcements.c.due_at <= (now if due_before is None else due_before),
        ]
        candidates = sa.select(announcements.c.id).where(*due).order_by(announcements.c.due_at).limit(limit)
        claim = sa.update(announcements).values(status=AnnouncementStatus.SENDING.value, claimed_at=now)
        if self.session.get_bind().dialect.name == "postgresql":
            ids = [
                announcement_id for (announcement_id,) in await self._run(candidates.with_for_update(skip_locked=True))
            ]
            if not ids:
                return []
            rows = await self._run(claim.where(announcements.c.id.in_(ids)).returning(*announcements.c))
            return sorted((_announcement(row) for row in rows), key=lambda found: (found.due_at, found.announcement_id))
        claimed = []
        for (announcement_id,) in (await self._run(candidates)).all():
            won = await self._run(
                claim.where(
                    announcements.c.id == announcement_id,
                    announcements.c.status == AnnouncementStatus.PENDING.value,
                )
            )
            if won.rowcount == 1:
                claimed.append(announcement_id)
        if not claimed:
            return []
        rows = await self._run(
            sa.select(announcements).where(announcements.c.id.in_(claimed)).order_by(announcements.c.due_at)
        )
        return [_announcement(row) for row in rows]

    async def reclaim_stale(self, claimed_before: datetime, now: datetime, limit: int) -> Sequence[Announcement]:
        """Announcements claimed before `claimed_before`, still sending and without a broadcast (their process died
        before it opened one): claimed again, one winner each, to open it (opening is idempotent)."""
        rows = (
            await self._run(
                sa.select(announcements.c.id, announcements.c.claimed_at)
                .where(
                    announcements.c.status == AnnouncementStatus.SENDING.value,
                    announcements.c.broadcast_id.is_(None),
                    announcements.c.claimed_at < claimed_before,
                )
                .order_by(announcements.c.claimed_at)
                .limit(limit)
            )
        ).all()
        taken = []
        for announcement_id, claimed_at in rows:
            won = await self._run(
                sa.update(announcements)
                .where(
                    announcements.c.id == announcement_id,
                    announcements.c.status == AnnouncementStatus.SENDING.value,
                    announcements.c.claimed_at == claimed_at,
                )
                .values(claimed_at=now)
            )
            if won.rowcount == 1:
                taken.append(announcement_id)
        return [found for found in [await self.announcement(i) for i in taken] if found is not None]

    async def set_broadcast(self, announcement_id: int, broadcast_id: int) -> None:
        await self._run(
            sa.update(announcements).where(announcements.c.id == announcement_id).values(broadcast_id=broadcast_id)
        )

    async def set_announcement_status(
        self, announcement_id: int, old: AnnouncementStatus, new: AnnouncementStatus, now: datetime
    ) -> bool:
        values: dict[str, object] = {"status": new.value}
        if new is AnnouncementStatus.SENT:
            values["sent_at"] = now
        result = await self._run(
            sa.update(announcements)
            .where(announcements.c.id == announcement_id, announcements.c.status == old.value)
            .values(**values)
        )
        return result.rowcount == 1

    async def orders(self, stream_id: int) -> Sequence[StreamOrder]:
        """The stream's placed orders (awaiting payment, paid, shipped) with their units."""
        units = (
            sa.select(sa.func.coalesce(sa.func.sum(lines.c.quantity), 0))
            .where(lines.c.order_id == orders.c.id)
            .scalar_subquery()
        )
        rows = await self._run(
            sa.select(
                orders.c.id,
                orders.c.status,
                orders.c.currency,
                orders.c.total_minor,
                orders.c.shop_currency,
                orders.c.fx_rate,
                units.label("units"),
                sa.func.coalesce(orders.c.placed_at, orders.c.created_at).label("placed_at"),
                sa.func.coalesce(buyers.c.country, orders.c.ship_country).label("country"),
                buyers.c.language,
            )
            .join(buyers, buyers.c.telegram_id == orders.c.buyer_id)
            .where(orders.c.stream_id == stream_id, orders.c.status.in_(COUNTED))
            .order_by(orders.c.id)
        )
        return [
            StreamOrder(
                order_id=row.id,
                paid=row.status in PAID,
                units=int(row.units),
                total=Money(row.total_minor, row.currency),
                shop_currency=row.shop_currency,
                fx_rate=Decimal(row.fx_rate) if row.fx_rate else None,
                placed_at=_utc(row.placed_at),
                country=row.country,
                language=row.language,
            )
            for row in rows
        ]

    async def last_ended(self) -> Stream | None:
        """The stream that ended last."""
        row = (
            await self._run(
                sa.select(streams.c.id)
                .where(streams.c.status == StreamStatus.ENDED.value)
                .order_by(streams.c.ended_at.desc(), streams.c.id.desc())
                .limit(1)
            )
        ).first()
        return None if row is None else await self.get(row.id)

    async def ended_since(self, since: datetime) -> Sequence[int]:
        """The streams that ended at `since` or later, first ended first."""
        rows = await self._run(
            sa.select(streams.c.id)
            .where(streams.c.status == StreamStatus.ENDED.value, streams.c.ended_at >= since)
            .order_by(streams.c.ended_at, streams.c.id)
        )
        return [row.id for row in rows]


def _stream(row: Any, codes: Sequence[str]) -> Stream:
    return Stream(
        stream_id=row.id,
        title=row.title,
        starts_at=_utc(row.starts_at) or row.starts_at,
        duration=timedelta(seconds=row.duration_seconds),
        status=StreamStatus(row.status),
        timezone=row.timezone,
        product_codes=tuple(codes),
        titles=dict(row.titles or {}),
        link=row.link,
        chat_id=row.chat_id,
        created_by=row.created_by,
        live_at=_utc(row.live_at),
        ended_at=_utc(row.ended_at),
        pinned_chat_id=row.pinned_chat_id,
        pinned_message_id=row.pinned_message_id,
    )


def _announcement(row: Any) -> Announcement:
    return Announcement(
        announcement_id=row.id,
        stream_id=row.stream_id,
        kind=AnnouncementKind(row.kind),
        offset_seconds=row.offset_seconds,
        due_at=_utc(row.due_at) or row.due_at,
        status=AnnouncementStatus(row.status),
    )
