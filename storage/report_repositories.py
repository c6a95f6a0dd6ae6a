"""Report runs and the numbers reports read. A report for a period is claimed by inserting its (kind, period) row:
the unique key lets one insert win however many bot processes try at once, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from bot.domain.daily_report import StatusTotal
from bot.domain.money import Money
from bot.domain.orders import OPEN_STATUSES
from storage.order_repositories import _Repository
from storage.tables import orders, report_runs


class SqlReportRepository(_Repository):
    async def claim(self, kind: str, period: str, now: datetime) -> bool:
        """Take the report of `period`; False when a process took it before (then it is theirs to send)."""
        inserted = await self._run(
            self._insert(report_runs)
            .values(kind=kind, period=period, status="claimed", claimed_at=now)
            .on_conflict_do_nothing(index_elements=["kind", "period"])
            .returning(report_runs.c.id)
        )
        return inserted.scalar_one_or_none() is not None

    async def finish(self, kind: str, period: str, status: str, now: datetime, detail: str = "") -> None:
        """Record how a claimed report ended: sent, or why not."""
        await self._run(
            sa.update(report_runs)
            .where(report_runs.c.kind == kind, report_runs.c.period == period)
            .values(status=status, sent_at=now, detail=detail[:300])
        )

    async def order_totals(self, start: datetime, end: datetime) -> Sequence[StatusTotal]:
        """Orders created in [start, end), open carts aside, counted and summed per status and currency."""
        rows = await self._run(
            sa.select(orders.c.status, orders.c.currency, sa.func.count(), sa.func.sum(orders.c.total_minor))
            .where(
                orders.c.created_at >= start,
                orders.c.created_at < end,
                orders.c.status.not_in([status.value for status in OPEN_STATUSES]),
            )
            .group_by(orders.c.status, orders.c.currency)
            .order_by(orders.c.currency, orders.c.status)
        )
        return [
            StatusTotal(status=status, orders=count, total=Money(int(total or 0), currency))
            for status, currency, count, total in rows
        ]
