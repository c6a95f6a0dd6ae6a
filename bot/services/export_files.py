"""The files an export writes: CSV parts and XLSX workbooks, each kept under a size limit when one is given
(a chat upload), XLSX sheets continued on a new sheet before Excel's row limit. Plain, blocking file writing: the
export service runs it in a worker thread."""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]

from bot.domain.export import AMOUNT_COLUMNS, LINE_COLUMNS, ORDER_COLUMNS

LINE_END = "\r\n"  # RFC 4180, as Python's csv module writes
LINE_END_BYTES = LINE_END.encode()
BOM = "\ufeff"
# What an XLSX cell costs in its sheet's XML besides its text, generously (openpyxl writes some 40 bytes); a
# workbook's other parts, compressed.
CELL_MARKUP = 64
WORKBOOK_MARKUP = 16 * 1024
# A workbook is a zip of its sheets' XML, which compresses 10 to 20 times. Its size is estimated as the cells' text
# and markup (CELL_MARKUP) times the ratio measured so far: orders are written as openpyxl writes them and compressed
# as the file will be, SAMPLE_BYTES at a time, every order until the first measure (until then no compression is
# counted at all), then one in SAMPLE_EVERY (scattered rows compress worse than neighbours: the ratio errs large).
# MARGIN covers the rest (a sample's rows unlike the ones that follow).
SAMPLE_EVERY = 16
SAMPLE_BYTES = 32 * 1024
MARGIN = 1.25


class FileTooLarge(ValueError):
    """A single record is larger than the size limit allows for a file."""


def part_path(first: Path, number: int) -> Path:
    """The n-th file of an export: orders.csv, orders-2.csv, orders-3.csv..."""
    return first if number == 1 else first.with_name(f"{first.stem}-{number}{first.suffix}")


def records_of(block: bytes) -> Iterator[bytes]:
    """The records of CSV text joined by line ends. A line end inside a quoted field is part of its record: there
    the quotes so far are odd in number (a quote in a field is doubled, and only quoted fields hold quotes)."""
    record: bytes | None = None
    for piece in block.split(LINE_END_BYTES):
        record = piece if record is None else record + LINE_END_BYTES + piece
        if record.count(b'"') % 2 == 0:
            yield record
            record = None
    if record is not None:
        raise ValueError("CSV text ends inside a quoted field")


class CsvFiles:
    """CSV records into `first` (or `stream`), then into further parts, each under `max_bytes` with its header."""

    def __init__(
        self,
        first: Path,
        header: Sequence[str],
        *,
        excel: bool = False,
        max_bytes: int | None = None,
        stream: IO[bytes] | None = None,
    ) -> None:
        self.first = first
        self.head = ((BOM if excel else "") + ",".join(header) + LINE_END).encode()
        self.max_bytes = max_bytes if stream is None else None
        self.stream = stream
        self.files: list[Path] = []
        self.file: IO[bytes] | None = None
        self.size = 0
        self._open()

    def _open(self) -> None:
        if self.stream is not None:
            self.file = self.stream
        else:
            path = part_path(self.first, len(self.files) + 1)
            self.files.append(path)
            self.file = path.open("wb")
        self.file.write(self.head)
        self.size = len(self.head)

    def write(self, block: bytes) -> None:
        """Records in order, joined by line ends (none after the last)."""
        if not block:
            return
        if self.max_bytes is None or self.size + len(block) + len(LINE_END_BYTES) <= self.max_bytes:
            self._put(block)
            self._put(LINE_END_BYTES)
            return
        for record in records_of(block):  # the part fills up within this block: record by record
            encoded = record + LINE_END_BYTES
            if len(self.head) + len(encoded) > self.max_bytes:
                raise FileTooLarge(f"a record of {len(encoded)} bytes does not fit in {self.max_bytes} bytes")
            if self.size + len(encoded) > self.max_bytes:
                self._next()
            self._put(encoded)

    def _put(self, data: bytes) -> None:
        assert self.file is not None
        self.file.write(data)
        self.size += len(data)

    def _next(self) -> None:
        self.close()
        self._open()

    def close(self) -> None:
        if self.file is not None and self.stream is None:
            self.file.close()
        elif self.file is not None:
            self.file.flush()
        self.file = None


class Workbooks:
    """Orders (and their lines, on a second sheet) into XLSX workbooks written row by row (openpyxl's write-only
    mode, so memory stays flat); a sheet that is full continues on "orders 2"; past `max_bytes` a new workbook."""

    def __init__(self, first: Path, *, lines: bool, sheet_rows: int, max_bytes: int | None = None) -> None:
        self.first = first
        self.lines = lines
        self.sheet_rows = sheet_rows
        self.max_bytes = max_bytes
        self.files: list[Path] = []
        self.book: Any = None
        self.compression = _Compression()
        self._open()

    def _open(self) -> None:
        self.files.append(part_path(self.first, len(self.files) + 1))
        self.book = Workbook(write_only=True)
        self.cells = 0  # bytes of the cells' text and markup so far
        self.sheets: dict[str, tuple[Any, int, int]] = {}  # name -> (sheet, its number, rows in it)
        self._sheet("orders", ORDER_COLUMNS)
        if self.lines:
            self._sheet("lines", ("order_id", *LINE_COLUMNS))

    def _sheet(self, name: str, header: Sequence[str], number: int = 1) -> None:
        sheet = self.book.create_sheet(name if number == 1 else f"{name} {number}")
        sheet.append(list(header))
        self.sheets[name] = (sheet, number, 1)

    def _append(self, name: str, header: Sequence[str], values: Sequence[Any]) -> None:
        sheet, number, rows = self.sheets[name]
        if rows >= self.sheet_rows:
            self._sheet(name, header, number + 1)
            sheet, number, rows = self.sheets[name]
        sheet.append([_cell(sheet, column, value) for column, value in zip(header, values, strict=True)])
        self.sheets[name] = (sheet, number, rows + 1)

    def add(self, order: Sequence[Any], lines: Sequence[Sequence[Any]]) -> None:
        """One order and its lines (each a row of LINE_COLUMNS)."""
        cost = _cost(order) + sum(_cost(line) for line in lines)
        if self.max_bytes is not None:
            self.compression.sample(cost, order, lines)
            if self.estimate(self.cells + cost) > self.max_bytes:
                if self.cells == 0:
                    raise FileTooLarge(f"an order of about {cost} bytes does not fit in {self.max_bytes} bytes")
                self.close()
                self._open()
        self.cells += cost
        self._append("orders", ORDER_COLUMNS, order)
        for line in lines:
            self._append("lines", ("order_id", *LINE_COLUMNS), (order[0], *line))

    def estimate(self, cells: int) -> int:
        """The size of a workbook whose cells cost `cells` bytes (text and markup), once compressed."""
        return WORKBOOK_MARKUP + int(cells * self.compression.ratio * MARGIN)

    def close(self) -> None:
        if self.book is not None:
            self.book.save(self.files[-1])
            self.book = None


class _Compression:
    """The ratio of a sheet's compressed size to its cells' cost, measured on a sample of orders."""

    def __init__(self) -> None:
        self.seen = 0
        self.pending: list[str] = []
        self.pending_bytes = self.pending_cost = 0
        self.measured_cost = self.compressed = 0

    @property
    def ratio(self) -> float:
        return self.compressed / self.measured_cost if self.measured_cost else 1 / MARGIN

    def sample(self, cost: int, order: Sequence[Any], lines: Sequence[Sequence[Any]]) -> None:
        self.seen += 1
        if self.measured_cost and self.seen % SAMPLE_EVERY:
            return
        xml = _row_xml(self.seen, order) + "".join(_row_xml(self.seen, line) for line in lines)
        self.pending.append(xml)
        self.pending_bytes += len(xml)
        self.pending_cost += cost
        if self.pending_bytes >= SAMPLE_BYTES:
            self.compressed += len(zlib.compress("".join(self.pending).encode()))
            self.measured_cost += self.pending_cost
            self.pending, self.pending_bytes, self.pending_cost = [], 0, 0


def _row_xml(number: int, values: Sequence[Any]) -> str:
    """A row as openpyxl's write-only sheets write it: numbers as numbers, text inline."""
    cells = "".join(
        f'<c r="{chr(65 + column)}{number}" t="n"><v>{value}</v></c>'
        if isinstance(value, int)
        else f'<c r="{chr(65 + column)}{number}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'
        for column, value in enumerate(values)
        if value is not None
    )
    return f'<row r="{number}">{cells}</row>'


def _cost(values: Sequence[Any]) -> int:
    return sum(len(str(value).encode()) + CELL_MARKUP for value in values)


def _cell(sheet: Any, column: str, value: Any) -> Any:
    """Amounts as numbers showing the currency's decimals; everything else as the database wrote it."""
    if column in AMOUNT_COLUMNS and isinstance(value, str) and value:
        cell = WriteOnlyCell(sheet, value=Decimal(value))
        digits = len(value.partition(".")[2])
        cell.number_format = "0." + "0" * digits if digits else "0"
        return cell
    if isinstance(value, str) and value.startswith("="):
        # openpyxl would store it as a formula; neutralised text never starts so, this keeps it text regardless.
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value
