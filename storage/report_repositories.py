"""Report runs, and the numbers reports read: a report (a stream's, a shop day's) is claimed by inserting its
(kind, period) row, so one bot process makes it however many run; ON CONFLICT DO NOTHING on both backends says who won
without breaking the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from bot.domain.daily_report import StatusTotal
from bot.domain.money import Money
from bot.domain.orders import OPEN_STATUSES
from bot.domain.reports import ReportStatus
from storage.order_repositories import _Repository, _utc
from storage.tables import orders, report_runs


class SqlReportRunRepository(_Repository):
    async def claim(self, kind: str, period: str, now: datetime) -> bool:
        inserted = (
            await self._run(
                self._insert(report_runs)
                .values(kind=kind, period=period, status=ReportStatus.CLAIMED.value, claimed_at=now, detail="")
                .on_conflict_do_nothing(index_elements=["kind", "period"])
                .returning(report_runs.c.id)
            )
        ).first()
        return inserted is not None

    async def reclaim_stale(self, kind: str, period: str, claimed_before: datetime, now: datetime) -> bool:
        taken = await self._run(
            sa.update(report_runs)
            .where(
                report_runs.c.kind == kind,
                report_runs.c.period == period,
                report_runs.c.status == ReportStatus.CLAIMED.value,
                report_runs.c.claimed_at < claimed_before,
            )
            .values(claimed_at=now)
        )
        return taken.rowcount == 1

    async def claimed(self, kind: str, periods: Sequence[str]) -> Sequence[tuple[str, ReportStatus, datetime]]:
        if not periods:
            return []
        rows = await self._run(
            sa.select(report_runs.c.period, report_runs.c.status, report_runs.c.claimed_at).where(
                report_runs.c.kind == kind, report_runs.c.period.in_(list(periods))
            )
        )
        return [(row.period, ReportStatus(row.status), _utc(row.claimed_at) or row.claimed_at) for row in rows]

    async def finish(self, kind: str, period: str, status: ReportStatus, now: datetime, detail: str = "") -> None:
        await self._run(
            sa.update(report_runs)
            .where(report_runs.c.kind == kind, report_runs.c.period == period)
            .values(status=status.value, sent_at=now, detail=detail[:300])
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
