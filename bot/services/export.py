"""Stand-in for part B's ExportService (notes: contract-11); B's module replaces this one when it lands on main."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot.domain.export import ExportFilter, ExportFormat


@dataclass(frozen=True)
class ExportResult:
    files: list[Path]
    orders: int
    lines: int
    format: ExportFormat


class ExportService:
    async def count(self, filter: ExportFilter) -> int:
        raise NotImplementedError("part B's ExportService")

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
        raise NotImplementedError("part B's ExportService")
