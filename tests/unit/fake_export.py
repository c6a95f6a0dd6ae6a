"""An ExportService in memory (part B's API, notes/contract-11): orders as (day, status, stream) rows, exported as a
small CSV, split into `parts` files; every call and every file it wrote recorded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from bot.domain.export import ExportFilter, ExportFormat, ExportStatus
from bot.services.export import ExportResult


@dataclass(frozen=True)
class FakeOrder:
    order_id: int
    day: date
    status: str = "paid"
    stream_id: int | None = None


@dataclass
class FakeExportService:
    orders: list[FakeOrder] = field(default_factory=list)
    parts: int = 1  # files an export is split into (max_file_bytes)
    steps: int = 10  # progress calls an export makes
    fail: bool = False
    exported: list[tuple[ExportFilter, ExportFormat, int | None]] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)

    def matching(self, wanted: ExportFilter) -> list[FakeOrder]:
        return [
            order
            for order in self.orders
            if (wanted.since is None or order.day >= wanted.since)
            and (wanted.until is None or order.day <= wanted.until)
            and (wanted.status is ExportStatus.ALL or order.status == wanted.status.value)
            and (wanted.stream_id is None or order.stream_id == wanted.stream_id)
        ]

    async def count(self, filter: ExportFilter) -> int:
        return len(self.matching(filter))

    async def export(
        self,
        filter: ExportFilter,
        fmt: ExportFormat,
        destination: Path,
        *,
        lines: bool = False,
        excel: bool = False,
        progress: Callable[[int, int], Awaitable[None]] | None = None,
        max_file_bytes: int | None = None,
    ) -> ExportResult:
        self.exported.append((filter, fmt, max_file_bytes))
        rows = self.matching(filter)
        if progress is not None:
            for step in range(1, self.steps + 1):
                await progress(len(rows) * step // self.steps, len(rows))
        if self.fail:
            raise OSError("disk full")
        files = [destination] + [
            destination.with_name(f"{destination.stem}-{part}{destination.suffix}") for part in range(2, self.parts + 1)
        ]
        for number, path in enumerate(files):
            chunk = rows[number :: len(files)]
            path.write_text("order_id,status\n" + "".join(f"{o.order_id},{o.status}\n" for o in chunk))
        self.written += files
        return ExportResult(files=files, orders=len(rows), lines=0, format=fmt)
