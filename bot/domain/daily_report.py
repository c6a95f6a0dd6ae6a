"""The daily report to the ops chat: one shop day's orders, counted and summed per status and currency."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.domain.money import Money
from bot.domain.reports import ReportKind

# The report_run kind a daily report is claimed under; its period is the shop day, YYYY-MM-DD.
DAILY = ReportKind.DAILY


@dataclass(frozen=True, slots=True)
class StatusTotal:
    """Orders of one status in one currency: how many, and what they come to."""

    status: str
    orders: int
    total: Money


@dataclass(frozen=True, slots=True)
class DailyReport:
    day: date
    timezone: str
    language: str
    totals: Sequence[StatusTotal]
    files: Sequence[Path] = ()

    @property
    def orders(self) -> int:
        return sum(total.orders for total in self.totals)

    def by_currency(self) -> dict[str, list[StatusTotal]]:
        """The totals grouped by currency: each currency's orders per status."""
        grouped: dict[str, list[StatusTotal]] = {}
        for total in self.totals:
            grouped.setdefault(total.total.currency, []).append(total)
        return grouped
