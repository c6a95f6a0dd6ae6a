"""`livesell export orders`: files or stdout, quiet when not on a terminal (one line per written file), bad input
refused in one line with exit status 2."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.export import LINE_COLUMNS, ORDER_COLUMNS
from tests.integration.export_support import WINTER, PlacedOrder, Shop
from tests.integration.test_catalog_import_cli import _livesell


@pytest.fixture
async def shop(engine: AsyncEngine) -> Shop:
    shop = Shop(engine)
    await shop.setup()
    await shop.buyer(101, name="Ольга", username="olga")
    await shop.place(
        PlacedOrder(101, WINTER, name="=cmd|' /C calc'!A0"),
        PlacedOrder(101, WINTER, status="expired", stream_id=1),
    )
    return shop


async def test_csv_to_stdout_filtered_with_lines(shop: Shop, database_url: str, tmp_path: Path) -> None:
    status, out, err = await _livesell(
        database_url, tmp_path, "export", "orders", "-o", "-", "--status", "paid", "--since", "2026-01-15",
        "--until", "2026-01-15", "--lines",
    )  # fmt: skip
    assert status == 0, err
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0] == [*ORDER_COLUMNS, *LINE_COLUMNS]
    assert [(row[0], row[5], row[-6]) for row in rows[1:]] == [("1", "'=cmd|' /C calc'!A0", "A12")]


async def test_files_are_named_one_a_line(shop: Shop, database_url: str, tmp_path: Path) -> None:
    status, out, err = await _livesell(database_url, tmp_path, "export", "orders", "-o", "orders.xlsx", "--stream", "1")
    assert status == 0, err
    assert out.splitlines() == ["orders.xlsx"]
    sheet = load_workbook(tmp_path / "orders.xlsx")["orders"]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [2]

    status, out, err = await _livesell(database_url, tmp_path, "export", "orders", "-o", "o.txt", "--excel")
    assert status == 0, err
    assert (tmp_path / "o.txt").read_bytes().startswith(b"\xef\xbb\xbforder_id,")


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (("--since", "yesterday"), "--since"),
        (("--until", "2026-02-30"), "--until"),
        (("--since", "2026-02-02", "--until", "2026-02-01"), "--since/--until"),
        (("--status", "refunded"), "--status"),
        (("--format", "pdf"), "--format"),
        (("--format", "xlsx"), "--output -"),
    ],
)
async def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, arguments: tuple[str, ...], named: str) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'never-opened.db'}"
    status, out, err = await _livesell(database_url, tmp_path, "export", "orders", "-o", "-", *arguments)
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith(named), err
    assert not (tmp_path / "never-opened.db").exists()
