"""Order exports for ops (docs/export.md): the orders a filter selects, streamed from the database into CSV or XLSX
files with flat memory, with progress reported as it goes. The chat's /export and `livesell export orders` both
call `ExportService.export`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from bot.domain.export import (
    LINE_COLUMNS,
    ORDER_COLUMNS,
    SHEET_ROWS,
    STATUSES,
    ExportFilter,
    ExportFormat,
    ExportQuery,
    offset_spans,
    utc_bounds,
)
from bot.ports import OrderExportSource
from bot.services.export_files import CsvFiles, Workbooks

Progress = Callable[[int, int], Awaitable[None]]
# Times are written with the offsets of this long after now too: an order created in the period may be paid later.
AHEAD = timedelta(days=2)


@dataclass(frozen=True)
class ExportResult:
    files: list[Path]
    orders: int
    lines: int
    format: ExportFormat


class _Reporter:
    """Calls `progress(done, total)` at most every 1 % or every second, and once at the end."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.step = max(1, total // 100)
        self.reported = 0
        self.at = time.monotonic()

    async def __call__(self, done: int, final: bool = False) -> None:
        if self.progress is None:
            return
        now = time.monotonic()
        if final or done - self.reported >= self.step or now - self.at >= 1.0:
            self.reported, self.at = done, now
            await self.progress(done, self.total)


class ExportService:
    def __init__(
        self,
        source: OrderExportSource,
        *,
        shop_timezone: str,
        sheet_rows: int = SHEET_ROWS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.source = source
        self.shop_timezone = shop_timezone
        self.sheet_rows = sheet_rows
        self.clock = clock

    async def count(self, filter: ExportFilter) -> int:
        """How many orders the filter selects."""
        return await self.source.count(self._query(filter, ()))

    async def export(
        self,
        filter: ExportFilter,
        fmt: ExportFormat,
        destination: Path,
        *,
        lines: bool = False,
        excel: bool = False,
        progress: Progress | None = None,
        max_file_bytes: int | None = None,
        stream: IO[bytes] | None = None,
    ) -> ExportResult:
        """Write the orders the filter selects to `destination` (the first file; more when `max_file_bytes` splits
        the export) or, for CSV, to `stream` (stdout). CSV: one record per order, or per order line with `lines`
        (the order's columns repeated); `excel`: UTF-8 with a byte order mark. XLSX: an "orders" sheet and, with
        `lines`, a "lines" sheet."""
        query = await self.query(filter)
        total = await self.source.count(query) if progress is not None else 0
        report = _Reporter(progress, total)
        if fmt is ExportFormat.CSV:
            orders, line_count, files = await self._csv(
                query, destination, lines, excel, max_file_bytes, stream, report
            )
        else:
            orders, line_count, files = await self._xlsx(query, destination, lines, max_file_bytes, report)
        await report(orders, final=True)
        return ExportResult(files=files, orders=orders, lines=line_count, format=fmt)

    async def _csv(
        self,
        query: ExportQuery,
        destination: Path,
        lines: bool,
        excel: bool,
        max_file_bytes: int | None,
        stream: IO[bytes] | None,
        report: _Reporter,
    ) -> tuple[int, int, list[Path]]:
        header = (*ORDER_COLUMNS, *LINE_COLUMNS) if lines else ORDER_COLUMNS
        files = await asyncio.to_thread(
            CsvFiles, destination, header, excel=excel, max_bytes=max_file_bytes, stream=stream
        )
        orders = records = 0
        try:
            async for block in self.source.csv_blocks(query, lines=lines):
                await asyncio.to_thread(files.write, block.data)
                orders, records = orders + block.orders, records + block.records
                await report(orders)
        finally:
            await asyncio.to_thread(files.close)
        return orders, records if lines else 0, files.files if stream is None else []

    async def _xlsx(
        self, query: ExportQuery, destination: Path, lines: bool, max_file_bytes: int | None, report: _Reporter
    ) -> tuple[int, int, list[Path]]:
        books = await asyncio.to_thread(
            Workbooks, destination, lines=lines, sheet_rows=self.sheet_rows, max_bytes=max_file_bytes
        )
        orders = line_count = 0
        try:
            async for batch in _orders_with_lines(self.source.rows(query, lines=lines), lines):
                await asyncio.to_thread(_add_all, books, batch)
                orders += len(batch)
                line_count += sum(len(order_lines) for _, order_lines in batch)
                await report(orders)
        finally:
            await asyncio.to_thread(books.close)
        return orders, line_count, books.files

    async def query(self, filter: ExportFilter) -> ExportQuery:
        """What the database reads for `filter`, with the shop zone's offsets over every time it may write."""
        bare = self._query(filter, ())
        first = bare.start or await self.source.first_created(bare) or self.clock()
        last = max(self.clock(), bare.end or first) + AHEAD
        return self._query(filter, offset_spans(self.shop_timezone, first, last))

    def _query(self, filter: ExportFilter, spans: Any) -> ExportQuery:
        start, end = utc_bounds(filter, self.shop_timezone)
        return ExportQuery(start, end, STATUSES[filter.status], filter.stream_id, tuple(spans))


Batch = list[tuple[Sequence[Any], list[Sequence[Any]]]]


async def _orders_with_lines(chunks: AsyncIterator[Sequence[tuple[Any, ...]]], lines: bool) -> AsyncIterator[Batch]:
    """Rows (one per order, or per order line with the order's columns first) as (order, its lines) per chunk; an
    order whose lines span two chunks is completed before it is handed on."""
    width = len(ORDER_COLUMNS)
    pending: tuple[Sequence[Any], list[Sequence[Any]]] | None = None
    async for chunk in chunks:
        batch: Batch = []
        for row in chunk:
            if not lines:
                batch.append((row, []))
                continue
            order, line = row[:width], row[width:]
            if pending is None or pending[0][0] != order[0]:
                if pending is not None:
                    batch.append(pending)
                pending = (order, [])
            if line[3] is not None:  # quantity: an order whose holds all ended has no lines
                pending[1].append(line)
        if batch:
            yield batch
    if pending is not None:
        yield [pending]


def _add_all(books: Workbooks, batch: Batch) -> None:
    for order, order_lines in batch:
        books.add(order, order_lines)
