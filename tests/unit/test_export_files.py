"""The files an export writes: XLSX workbooks split under a size limit are filled close to it (their size estimated
from a measured sample of compressed rows, not from the raw text); CSV blocks split between files only between
records, even when a quoted field holds a line end."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import load_workbook

from bot.domain.export import ORDER_COLUMNS
from bot.services.export_files import CsvFiles, Workbooks, records_of


def _order(number: int) -> tuple[object, ...]:
    return (
        number, f"2026-07-{1 + number % 28:02d}T{number % 24:02d}:15:00+02:00", "", "paid", 100_000 + number % 997,
        f"Anna Schmidt {number}", f"buyer{number}", "de", "DE", f"Hauptstraße {number % 200}, 10115 Berlin",
        f"'+4930{number:07d}", "EUR", f"{39 + number % 50}.00", "5.00", f"{44 + number % 50}.00", "1", "EUR",
        f"{44 + number % 50}.00", "sandbox", f"pi_{number:012d}", None, None,
    )  # fmt: skip


def test_workbooks_split_by_size_are_filled_close_to_the_limit(tmp_path: Path) -> None:
    limit = 150_000
    assert len(_order(1)) == len(ORDER_COLUMNS)
    books = Workbooks(tmp_path / "o.xlsx", lines=False, sheet_rows=1_048_576, max_bytes=limit)
    for number in range(1, 4_001):
        books.add(_order(number), [])
    books.close()

    sizes = [path.stat().st_size for path in books.files]
    assert all(size <= limit for size in sizes)
    # The raw text estimate filled each to about a fifteenth; all but the last are now at least half full.
    assert len(sizes) >= 2
    assert all(size >= limit // 2 for size in sizes[:-1])
    ids = [
        row[0] for path in books.files for row in load_workbook(path)["orders"].iter_rows(min_row=2, values_only=True)
    ]
    assert ids == list(range(1, 4_001))


def test_a_csv_block_is_split_between_records_only(tmp_path: Path) -> None:
    records = [f'{number},"line one\r\nline ""two"", {number}",x' for number in range(30)]
    block = "\r\n".join(records).encode()
    assert [record.decode() for record in records_of(block)] == records

    files = CsvFiles(tmp_path / "o.csv", ["n", "address", "x"], max_bytes=200)
    files.write(block)
    files.close()
    assert len(files.files) > 2
    rows = []
    for path in files.files:
        with path.open(encoding="utf-8", newline="") as file:
            rows += list(csv.reader(file))[1:]
    assert rows == [[str(number), f'line one\r\nline "two", {number}', "x"] for number in range(30)]
    assert all(path.stat().st_size <= 200 for path in files.files)
