"""Stand-in for part B's export domain (notes: contract-11), so /export can be built in parallel; B's module replaces
this one when it lands on main."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ExportStatus(StrEnum):
    PAID = "paid"
    AWAITING_PAYMENT = "awaiting_payment"
    EXPIRED = "expired"
    ALL = "all"


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


@dataclass(frozen=True)
class ExportFilter:
    since: date | None
    until: date | None
    status: ExportStatus = ExportStatus.ALL
    stream_id: int | None = None


def neutralise(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
