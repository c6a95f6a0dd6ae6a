"""Report runs: each report (a stream's after it ends, a shop day's) is claimed once across bot processes by a row
keyed (kind, period); the row then says how it went."""

from __future__ import annotations

from enum import StrEnum


class ReportKind(StrEnum):
    STREAM = "stream"  # period: the stream's id
    DAILY = "daily"  # period: the shop day, YYYY-MM-DD


class ReportStatus(StrEnum):
    CLAIMED = "claimed"  # a process is making it (or died doing so: taken again once the claim is stale)
    SENT = "sent"
    FAILED = "failed"  # it could not be made; detail says why (not tried again on its own)
