"""Order exports on SQLite and PostgreSQL: the issue's columns with money in the currency's decimals and local times
with their offset, the filters in the shop's dates, formula injection neutralised in CSV and XLSX, any script round
trip, Excel's BOM, sheets continued past the row limit and files split under a size limit."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.export import (
    LINE_COLUMNS,
    ORDER_COLUMNS,
    BadExportFilter,
    ExportFilter,
    ExportFormat,
    ExportStatus,
    neutralise,
)
from tests.integration.export_support import SUMMER, WINTER, PlacedOrder, Shop, export_service, read_csv

EVERYTHING = ExportFilter(since=None, until=None)


@pytest.fixture
async def shop(engine: AsyncEngine) -> Shop:
    shop = Shop(engine)
    await shop.setup()
    await shop.buyer(101, name="Anna", username="anna")
    await shop.buyer(102, name="Ken", username=None, language="ja", country="JP")
    return shop


async def test_every_column_as_the_issue_lists_it(shop: Shop, engine: AsyncEngine, tmp_path: Path) -> None:
    await shop.place(
        PlacedOrder(101, WINTER, paid_at=WINTER + timedelta(minutes=5), stream_id=1),
        PlacedOrder(102, SUMMER, status="awaiting_payment", currency="JPY", subtotal=3000, shipping=800,
                    fx_rate="161.25", name="", country="JP", reference="ref-2"),
        PlacedOrder(101, WINTER, currency="KWD", subtotal=12500, shipping=250, fx_rate="0.3331", reference=None),
        PlacedOrder(101, WINTER, currency="USD", subtotal=101, shipping=0, fx_rate="2"),
        PlacedOrder(101, WINTER, currency="USD", subtotal=103, shipping=0, fx_rate="2"),
    )  # fmt: skip
    result = await export_service(engine).export(EVERYTHING, ExportFormat.CSV, tmp_path / "orders.csv")

    assert (result.orders, result.lines, result.files) == (5, 0, [tmp_path / "orders.csv"])
    with (tmp_path / "orders.csv").open(encoding="utf-8", newline="") as file:
        assert next(csv.reader(file)) == list(ORDER_COLUMNS)
    first, yen, dinar, tie_down, tie_up = read_csv(tmp_path / "orders.csv")
    assert first == {
        "order_id": "1", "created_at": "2026-01-15T10:30:05+01:00", "paid_at": "2026-01-15T10:35:05+01:00",
        "status": "paid", "buyer_id": "101", "name": "Anna Schmidt", "username": "anna", "language": "de",
        "country": "DE", "address": "Hauptstraße 1, 10115 Berlin", "phone": "'+4930123456", "currency": "EUR",
        "subtotal": "39.00", "shipping": "5.00", "total": "44.00", "fx_rate": "1", "shop_currency": "EUR",
        "shop_total": "44.00", "payment_provider": "sandbox", "payment_reference": "pi_1", "stream_id": "1",
        "stream_title": "Autumn, scarves",
    }  # fmt: skip
    # The summer time's offset; yen without decimals; the shipping name empty: the buyer's name; no username.
    assert (yen["created_at"], yen["paid_at"], yen["name"], yen["username"]) == (
        "2026-07-02T00:15:00+02:00",
        "",
        "",
        "",
    )
    assert (yen["subtotal"], yen["shipping"], yen["total"], yen["shop_total"]) == ("3000", "800", "3800", "23.57")
    assert (yen["payment_provider"], yen["payment_reference"], yen["stream_id"]) == ("sandbox", "ref-2", "")
    assert (dinar["subtotal"], dinar["total"], dinar["shop_total"]) == ("12.500", "12.750", "38.28")
    assert (dinar["payment_provider"], dinar["payment_reference"]) == ("", "")
    # Half to even, as checkout rounds: 0.505 -> 0.50, 0.515 -> 0.52.
    assert (tie_down["shop_total"], tie_up["shop_total"]) == ("0.50", "0.52")


async def test_the_buyers_name_stands_in_for_an_order_never_shipped(shop: Shop, engine: AsyncEngine) -> None:
    order = PlacedOrder(102, WINTER, status="expired", name=None, address=None, phone=None, country=None)  # type: ignore[arg-type]
    await shop.place(order)
    rows = await _csv_rows(engine)
    assert (rows[0]["name"], rows[0]["country"], rows[0]["address"], rows[0]["phone"]) == ("Ken", "JP", "", "")


async def test_filters_by_shop_dates_status_and_stream(shop: Shop, engine: AsyncEngine) -> None:
    just_before = datetime(2026, 11, 30, 22, 59, 59, tzinfo=UTC)  # 23:59:59 in Berlin, 30 November
    first_local = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # midnight in Berlin, 1 December
    last_local = datetime(2026, 12, 31, 22, 59, 59, tzinfo=UTC)
    after = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    placed = await shop.place(
        PlacedOrder(101, just_before),
        PlacedOrder(101, first_local, stream_id=1),
        PlacedOrder(101, last_local, status="expired"),
        PlacedOrder(101, after),
        PlacedOrder(101, first_local, status="awaiting_payment", stream_id=1),
        PlacedOrder(101, first_local, status="shipped"),
        PlacedOrder(101, first_local, status="cart"),
    )
    ids = [order.order_id for order in placed]
    december = {"since": date(2026, 12, 1), "until": date(2026, 12, 31)}

    async def exported(export_filter: ExportFilter) -> list[int]:
        return [int(row["order_id"]) for row in await _csv_rows(engine, export_filter)]

    assert await exported(ExportFilter(**december)) == [ids[1], ids[2], ids[4], ids[5]]
    assert await exported(ExportFilter(**december, status=ExportStatus.PAID)) == [ids[1], ids[5]]
    assert await exported(ExportFilter(**december, status=ExportStatus.EXPIRED)) == [ids[2]]
    assert await exported(ExportFilter(**december, status=ExportStatus.AWAITING_PAYMENT)) == [ids[4]]
    assert await exported(ExportFilter(since=None, until=None, stream_id=1)) == [ids[1], ids[4]]
    assert await exported(ExportFilter(since=date(2026, 12, 31), until=None)) == [ids[2], ids[3]]
    assert await export_service(engine).count(ExportFilter(**december)) == 4
    with pytest.raises(BadExportFilter):
        ExportFilter(since=date(2026, 12, 2), until=date(2026, 12, 1))


FORMULAS = ["=1+2", "+49 30", "-2+3", "@SUM(A1)", "\tcmd", "\r=1", '=HYPERLINK("http://x","y")']


async def test_formula_starts_are_neutralised_in_csv_and_xlsx(shop: Shop, engine: AsyncEngine, tmp_path: Path) -> None:
    await shop.place(*(PlacedOrder(101, WINTER, name=text, address=text, line_skus=(2,)) for text in FORMULAS))
    service = export_service(engine)
    await service.export(EVERYTHING, ExportFormat.CSV, tmp_path / "o.csv", lines=True)
    await service.export(EVERYTHING, ExportFormat.XLSX, tmp_path / "o.xlsx", lines=True)

    rows = read_csv(tmp_path / "o.csv")
    assert [row["name"] for row in rows] == [neutralise(text) for text in FORMULAS]
    assert all(row["name"].startswith("'") for row in rows)
    assert [(row["sku"], row["title"]) for row in rows] == [("'=B7", '\'@Leather, "belt"')] * len(FORMULAS)
    book = load_workbook(tmp_path / "o.xlsx")
    sheet_rows = list(book["orders"].iter_rows(min_row=2))
    names = [row[ORDER_COLUMNS.index("name")] for row in sheet_rows]
    # XML reads a carriage return as a line feed: "\r=1" comes back "'\n=1", still neutralised.
    assert [cell.value for cell in names] == [neutralise(text).replace("\r", "\n") for text in FORMULAS]
    assert {cell.data_type for cell in names} == {"s"}  # text, never a formula
    line_rows = list(book["lines"].iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in line_rows] == ["'=B7"] * len(FORMULAS)


SCRIPTS = [
    ("فاطمة الزهراء", "شارع الملك فهد، الرياض"),
    ("王芳", "北京市朝阳区建国路88号"),
    ("Ольга Петрова", "Невский пр., 1"),
]


@pytest.mark.parametrize("excel", [False, True])
async def test_names_in_any_script_round_trip(shop: Shop, engine: AsyncEngine, tmp_path: Path, excel: bool) -> None:
    await shop.place(*(PlacedOrder(101, WINTER, name=name, address=address) for name, address in SCRIPTS))
    service = export_service(engine)
    await service.export(EVERYTHING, ExportFormat.CSV, tmp_path / "o.csv", excel=excel)
    await service.export(EVERYTHING, ExportFormat.XLSX, tmp_path / "o.xlsx")

    raw = (tmp_path / "o.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") is excel
    rows = read_csv(tmp_path / "o.csv", encoding="utf-8-sig")
    assert [(row["name"], row["address"]) for row in rows] == SCRIPTS
    sheet = load_workbook(tmp_path / "o.xlsx")["orders"]
    got = [(row[5], row[9]) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert got == SCRIPTS


async def test_the_database_writes_csv_as_pythons_csv_module_does(shop: Shop, engine: AsyncEngine) -> None:
    tricky = ['He said "hi", then left', "two\nlines", "carriage\rreturn", "", " padded ", "a,b", '"quoted"']
    await shop.place(*(PlacedOrder(101, WINTER, name=text, address=text) for text in tricky))
    service = export_service(engine)
    rows = [tuple(row) async for chunk in service.source.rows(await service.query(EVERYTHING), lines=True)
            for row in chunk]  # fmt: skip
    expected = io.StringIO(newline="")
    writer = csv.writer(expected)
    writer.writerow((*ORDER_COLUMNS, *LINE_COLUMNS))
    writer.writerows(rows)
    output = io.BytesIO()
    await service.export(EVERYTHING, ExportFormat.CSV, Path("-"), lines=True, stream=output)
    assert output.getvalue().decode() == expected.getvalue()
    assert [row["name"] for row in _parse(output.getvalue())] == tricky


async def test_a_sqlite_file_read_directly_matches_the_engines_reading(
    shop: Shop, engine: AsyncEngine, tmp_path: Path
) -> None:
    await shop.place(PlacedOrder(101, WINTER), PlacedOrder(102, SUMMER, currency="JPY", fx_rate="161.25"))
    await export_service(engine).export(EVERYTHING, ExportFormat.CSV, tmp_path / "a.csv", lines=True)
    await export_service(engine, through_engine=True).export(
        EVERYTHING, ExportFormat.CSV, tmp_path / "b.csv", lines=True
    )
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


async def test_lines_one_row_each_in_csv_and_on_a_second_sheet(shop: Shop, engine: AsyncEngine, tmp_path: Path) -> None:
    await shop.place(PlacedOrder(101, WINTER, line_skus=(1, 2)), PlacedOrder(101, WINTER, line_skus=()))
    service = export_service(engine)
    csv_result = await service.export(EVERYTHING, ExportFormat.CSV, tmp_path / "o.csv", lines=True)
    xlsx_result = await service.export(EVERYTHING, ExportFormat.XLSX, tmp_path / "o.xlsx", lines=True)

    assert (csv_result.orders, csv_result.lines) == (2, 3)  # the order without lines has one row, lines empty
    assert (xlsx_result.orders, xlsx_result.lines) == (2, 2)
    rows = read_csv(tmp_path / "o.csv")
    assert [
        (r["order_id"], r["sku"], r["variant"], r["quantity"], r["unit_price"], r["unit_currency"]) for r in rows
    ] == [
        ("1", "A12", "Ivory", "2", "19.50", "EUR"),
        ("1", "'=B7", "", "2", "19.50", "EUR"),
        ("2", "", "", "", "", ""),
    ]
    assert all(row["total"] == "44.00" for row in rows)
    book = load_workbook(tmp_path / "o.xlsx")
    assert [row[0] for row in book["orders"].iter_rows(min_row=2, values_only=True)] == [1, 2]
    assert list(book["lines"].iter_rows(values_only=True)) == [
        ("order_id", *LINE_COLUMNS),
        (1, "A12", "Silk scarf", "Ivory", 2, 19.5, "EUR"),
        (1, "'=B7", '\'@Leather, "belt"', None, 2, 19.5, "EUR"),
    ]


async def test_a_full_sheet_continues_on_a_new_one(shop: Shop, engine: AsyncEngine, tmp_path: Path) -> None:
    await shop.place(*(PlacedOrder(101, WINTER) for _ in range(5)))
    await export_service(engine, sheet_rows=3).export(EVERYTHING, ExportFormat.XLSX, tmp_path / "o.xlsx", lines=True)
    book = load_workbook(tmp_path / "o.xlsx")
    assert book.sheetnames == ["orders", "lines", "orders 2", "lines 2", "orders 3", "lines 3"]
    order_ids = [
        row[0] for name in ("orders", "orders 2", "orders 3") for row in book[name].iter_rows(values_only=True)
    ]
    assert order_ids == ["order_id", 1, 2, "order_id", 3, 4, "order_id", 5]
    assert next(book["orders 3"].iter_rows(values_only=True)) == ORDER_COLUMNS
    totals = [row[ORDER_COLUMNS.index("total")] for row in book["orders"].iter_rows(min_row=2, values_only=True)]
    assert totals == [44, 44]  # amounts are numbers


@pytest.mark.parametrize("fmt", [ExportFormat.CSV, ExportFormat.XLSX])
async def test_an_export_over_the_size_limit_is_split_into_files_under_it(
    shop: Shop, engine: AsyncEngine, tmp_path: Path, fmt: ExportFormat
) -> None:
    await shop.place(*(PlacedOrder(101, WINTER, name=f"Buyer {n}") for n in range(40)))
    limit = 2_000 if fmt is ExportFormat.CSV else 24_000
    result = await export_service(engine).export(
        EVERYTHING, fmt, tmp_path / f"o.{fmt.value}", lines=True, max_file_bytes=limit
    )
    assert len(result.files) > 2
    assert result.files[:2] == [tmp_path / f"o.{fmt.value}", tmp_path / f"o-2.{fmt.value}"]
    assert all(path.stat().st_size <= limit for path in result.files)
    if fmt is ExportFormat.CSV:
        names = [row["name"] for row in read_csv(*result.files)]
    else:
        names = [
            row[5]
            for path in result.files
            for row in load_workbook(path)["orders"].iter_rows(min_row=2, values_only=True)
        ]
    assert names == [f"Buyer {n}" for n in range(40)]


async def test_progress_goes_up_to_the_total(shop: Shop, engine: AsyncEngine, tmp_path: Path) -> None:
    await shop.place(*(PlacedOrder(101, WINTER) for _ in range(12)))
    seen: list[tuple[int, int]] = []

    async def progress(done: int, total: int) -> None:
        seen.append((done, total))

    await export_service(engine).export(EVERYTHING, ExportFormat.CSV, tmp_path / "o.csv", progress=progress)
    assert seen[-1] == (12, 12)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


async def test_nothing_to_export_writes_the_header(engine: AsyncEngine, tmp_path: Path) -> None:
    result = await export_service(engine).export(EVERYTHING, ExportFormat.CSV, tmp_path / "o.csv")
    assert result.orders == 0
    assert (tmp_path / "o.csv").read_bytes() == (",".join(ORDER_COLUMNS) + "\r\n").encode()


async def _csv_rows(engine: AsyncEngine, export_filter: ExportFilter = EVERYTHING) -> list[dict[str, str]]:
    output = io.BytesIO()
    await export_service(engine).export(export_filter, ExportFormat.CSV, Path("-"), stream=output)
    return _parse(output.getvalue())


def _parse(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
