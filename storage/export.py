"""Orders read for an export, formatted by the database itself: money in major units, local times with their offset,
text neutralised against formula injection and, for CSV, each order already one CSV record (on a SQLite file, a
slice of orders already one blob of records). Python then only moves bytes (docs/export.md).

On a SQLite file the rows are read by the standard library's sqlite3 module, slices of order ids in READERS threads
side by side (no SQLAlchemy row objects, no thread hop per row); on PostgreSQL through a server-side cursor. Both run
the same SQL, written once with the few spellings that differ (`_Dialect`)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections import deque
from collections.abc import AsyncIterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.export import FORMULA_STARTS, ORDER_COLUMNS, CsvBlock, ExportQuery, OffsetSpan, exponents_other_than_two

# Rows handed over at once: big enough that the hand-over costs nothing, small enough that memory stays flat.
CHUNK = 5000
# On a SQLite file: threads reading slices of the orders side by side, and order ids in a slice (a slice's records
# are held in memory until written: some 6 MB, twice while SQLite hands them over, READERS + 1 at a time). Three
# readers on two cores: on a machine whose cores are shared with other work, each thread gets its share (measured:
# ratio 1.3-1.8 with three, 1.9-2.0 with two, docs/export.md); an idle machine was not at hand to compare on.
READERS = 3
SLICE = 25_000


# The minor-unit digits of the order's currency, the shop's and an order line's (and 10 ** them), from `CURRENCIES`.
POWER, DIGITS = "coalesce(cx.power, 100)", "coalesce(cx.digits, 2)"
SHOP_POWER, SHOP_DIGITS = "coalesce(sx.power, 100)", "coalesce(sx.digits, 2)"
LINE_PRICE = ("l.unit_price_minor", "coalesce(lx.power, 100)", "coalesce(lx.digits, 2)")
CURRENCIES = "export_currency"
# Free text that never needs CSV quotes: phones are kept in E.164 (bot/domain/phones.py), a "+" and digits, which
# is neutralised but holds no comma, quote or line end.
UNQUOTED_TEXT = frozenset({"o.ship_phone"})
# The order's amounts in its currency: subtotal, shipping, total.
AMOUNTS = ("o.subtotal_minor", "o.shipping_minor", "o.total_minor")


def _currency_rows() -> str:
    return ", ".join(
        f"({_literal(code)}, {10**digits}, {digits})"
        for digits, codes in exponents_other_than_two().items()
        for code in codes
    )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class _Dialect:
    """SQL spelled for SQLite; `_Postgres` overrides what PostgreSQL spells otherwise."""

    def formula_start(self, column: str) -> str:
        """Whether the text starts as a formula (FORMULA_STARTS): one GLOB character class."""
        return f"{column} GLOB '[{''.join(c for c in FORMULA_STARTS if c != '-')}-]*'"

    def needs_quotes(self, column: str) -> str:
        """Whether a CSV field holds a comma, a quote or a line end: one GLOB a character, as a pattern of `*`, one
        plain character and `*` is a byte search, where `*[,"...]*` would try the character class at every byte."""
        return "(" + " OR ".join(f"{column} GLOB '*{character}*'" for character in ',"\n\r') + ")"

    def moment(self, value: datetime) -> str:
        # SQLAlchemy keeps SQLite times as UTC text of this shape, so text comparison is time order.
        return _literal(value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"))

    def local(self, column: str, span: OffsetSpan) -> str:
        if span.seconds == 0:
            return f"replace(substr({column}, 1, 19), ' ', 'T') || '{span.text}'"
        return f"strftime('%Y-%m-%dT%H:%M:%S{span.text}', {column}, '{span.seconds:+d} seconds')"

    def rate(self, column: str) -> str:
        return f"CAST({column} AS REAL)"

    def setup(self) -> tuple[str, ...]:
        """Statements run on the export's connection first: SQLite joins a table of constants row by row, so the
        currencies' digits go into a temporary table with a key."""
        return (
            f"CREATE TEMP TABLE IF NOT EXISTS {CURRENCIES} (code TEXT PRIMARY KEY, power INTEGER, digits INTEGER)"
            " WITHOUT ROWID",  # a lookup by code is then one B-tree search, not an index's and the table's
            f"INSERT OR REPLACE INTO {CURRENCIES} VALUES {_currency_rows()}",
        )

    def currencies(self) -> str:
        return CURRENCIES

    def status(self) -> str:
        # Not through the status index: nearly every order matches, and the export reads in id order.
        return "o.status || ''"

    def decimal(self, minor: str, power: str, digits: str) -> str:
        """Minor units as a decimal with the currency's digits (JPY 1500, EUR 12.50, KWD 1.250). A double holds
        any amount below 10 ** 13 major units to well within half a minor unit, so printf's rounding is exact."""
        return f"printf('%.*f', {digits}, {minor} * 1.0 / {power})"

    def decimals(self, minors: Sequence[str], power: str, digits: str) -> str:
        """Amounts in one currency as decimals joined by commas, all in one printf call (fewer calls a row)."""
        placeholders = ",".join(["%.*f"] * len(minors))
        return f"printf('{placeholders}', {', '.join(f'{digits}, {minor} * 1.0 / {power}' for minor in minors)})"

    def half_even(self, exact: str) -> str:
        """A non-negative number below 2 ** 52 rounded half to even, by the floating point unit itself: added to
        2 ** 52, where doubles are whole numbers, it is rounded to the nearest, a half to the even one (IEEE 754's
        rounding); taking 2 ** 52 away again is exact. One evaluation of `exact`, where testing for a half needs
        several (SQLite computes an expression each time it is written)."""
        return f"({exact} + {float(2**52)!r} - {float(2**52)!r})"


class _Postgres(_Dialect):
    def formula_start(self, column: str) -> str:
        starts = ", ".join(f"chr({ord(c)})" if c in "\t\r" else _literal(c) for c in FORMULA_STARTS)
        return f"substr({column}, 1, 1) IN ({starts})"

    def needs_quotes(self, column: str) -> str:
        return f"{column} ~ ('[,\"' || chr(10) || chr(13) || ']')"

    def moment(self, value: datetime) -> str:
        return f"TIMESTAMPTZ {_literal(value.astimezone(UTC).isoformat())}"

    def local(self, column: str, span: OffsetSpan) -> str:
        shifted = f"(({column}) AT TIME ZONE 'UTC') + interval '{span.seconds} seconds'"
        return f"""to_char({shifted}, 'YYYY-MM-DD"T"HH24:MI:SS') || '{span.text}'"""

    def rate(self, column: str) -> str:
        return f"CAST({column} AS NUMERIC)"

    def setup(self) -> tuple[str, ...]:
        return ()

    def currencies(self) -> str:
        return f"(SELECT column1 AS code, column2 AS power, column3 AS digits FROM (VALUES {_currency_rows()}) AS v)"

    def status(self) -> str:
        return "o.status"

    def decimal(self, minor: str, power: str, digits: str) -> str:
        # The fraction is padded by adding it to `power` and dropping the leading 1.
        fraction = f"substr(CAST({power} + abs({minor}) % {power} AS TEXT), 2)"
        return (
            f"CASE WHEN {power} = 1 THEN CAST({minor} AS TEXT) ELSE CASE WHEN {minor} < 0 THEN '-' ELSE '' END || "
            f"CAST(abs({minor}) / {power} AS TEXT) || '.' || {fraction} END"
        )

    def decimals(self, minors: Sequence[str], power: str, digits: str) -> str:
        return " || ',' || ".join(self.decimal(minor, power, digits) for minor in minors)

    def half_even(self, exact: str) -> str:
        whole = f"CAST(trunc({exact}) AS BIGINT)"
        return (
            f"{whole} + CASE WHEN {exact} - {whole} > 0.5 THEN 1 WHEN {exact} - {whole} < 0.5 THEN 0 "
            f"ELSE {whole} % 2 END"
        )


class _Columns:
    """The export's columns as SQL expressions of one dialect."""

    def __init__(self, dialect: _Dialect, query: ExportQuery) -> None:
        self.sql = dialect
        self.query = query

    def text(self, column: str) -> str:
        """Free text (names, addresses...), neutralised: a formula start gets a leading "'"."""
        return f"CASE WHEN {self.sql.formula_start(column)} THEN '''' || {column} ELSE {column} END"

    def local(self, column: str) -> str:
        """A UTC time as ISO 8601 in the shop's zone, with the offset of that moment."""
        spans = self.query.spans
        branches = " ".join(
            f"WHEN {column} < {self.sql.moment(following.starts)} THEN {self.sql.local(column, span)}"
            for span, following in pairwise(spans)
            if following.starts is not None
        )
        last = self.sql.local(column, spans[-1])
        return f"CASE {branches} ELSE {last} END" if branches else last

    def shop_minor(self) -> str:
        """The total in the shop's currency: total / fx_rate (units of the order's currency per shop unit), rounded
        half to even to the shop currency's minor unit, as checkout rounds."""
        exact = f"(o.total_minor * {SHOP_POWER} / ({POWER} * {self.sql.rate('o.fx_rate')}))"
        return f"CASE WHEN o.currency = o.shop_currency THEN o.total_minor ELSE {self.sql.half_even(exact)} END"

    def orders(self) -> list[tuple[str, bool]]:
        """(expression, is free text) per order column, in ORDER_COLUMNS' order."""
        shop_total = (
            "CASE WHEN o.fx_rate IS NULL OR o.shop_currency IS NULL THEN NULL "
            f"ELSE {self.sql.decimal(self.shop_minor(), SHOP_POWER, SHOP_DIGITS)} END"
        )
        return [
            ("o.id", False),
            (self.local("o.created_at"), False),
            (f"CASE WHEN o.paid_at IS NULL THEN NULL ELSE {self.local('o.paid_at')} END", False),
            ("o.status", False),
            ("o.buyer_id", False),
            ("coalesce(o.ship_name, b.name)", True),
            ("b.username", False),  # Telegram allows letters, digits and _ only: nothing to neutralise or quote
            ("b.language", False),
            ("coalesce(o.ship_country, b.country)", False),
            ("o.ship_address", True),
            ("o.ship_phone", True),
            ("o.currency", False),
            *((self.sql.decimal(minor, POWER, DIGITS), False) for minor in AMOUNTS),
            ("o.fx_rate", False),
            ("o.shop_currency", False),
            (shop_total, False),
            ("pa.provider", False),
            ("pa.reference", True),
            ("o.stream_id", False),
            ("s.title", True),
        ]

    def lines(self) -> list[tuple[str, bool]]:
        """The same for LINE_COLUMNS: empty for an order without lines (its holds all ended)."""
        return [
            ("p.code", True),
            ("p.title", True),
            ("k.variant", True),
            ("l.quantity", False),
            (f"CASE WHEN l.id IS NULL THEN NULL ELSE {self.sql.decimal(*LINE_PRICE)} END", False),
            ("l.currency", False),
        ]

    def csv_fields(self, lines: bool) -> list[str]:
        """The CSV record's fields, the order's amounts (never NULL, no character to quote) as one field of all."""
        chosen = self.orders() + (self.lines() if lines else [])
        first = ORDER_COLUMNS.index("subtotal")
        amounts = self.sql.decimals(AMOUNTS, POWER, DIGITS)
        return [
            *(self.csv_field(expression, text) for expression, text in chosen[:first]),
            amounts,
            *(self.csv_field(expression, text) for expression, text in chosen[first + len(AMOUNTS) :]),
        ]

    def value(self, expression: str, free_text: bool) -> str:
        """A column's value: free text neutralised."""
        return self.text(expression) if free_text else expression

    def csv_field(self, expression: str, free_text: bool) -> str:
        """One CSV field as Python's csv module writes it (minimal quoting); NULL stays NULL, which the record's
        format() writes empty. Neutralising changes no character that needs quotes, so the stored text says whether
        the field needs them."""
        if not free_text:
            return expression
        if expression in UNQUOTED_TEXT:
            return self.text(expression)
        quoted = f"'\"' || replace({self.text(expression)}, '\"', '\"\"') || '\"'"
        return f"CASE WHEN {self.sql.needs_quotes(expression)} THEN {quoted} ELSE {self.text(expression)} END"


# What each column is made from, as stored: what the sqlite3 tool dumps in bench/export.py to compare with.
STORED_COLUMNS = (
    "o.id, o.created_at, o.paid_at, o.status, o.buyer_id, coalesce(o.ship_name, b.name), b.username, b.language, "
    "coalesce(o.ship_country, b.country), o.ship_address, o.ship_phone, o.currency, o.subtotal_minor, "
    "o.shipping_minor, o.total_minor, o.fx_rate, o.shop_currency, o.shop_currency, pa.provider, pa.reference, "
    "o.stream_id, s.title"
)


def select(
    dialect: _Dialect, query: ExportQuery, *, lines: bool, as_csv: bool, stored: bool = False, sliced: bool = False
) -> str:
    """The export's SELECT: one row per order (or per order line), in order id order; for CSV, each row the order id
    and one text column holding the record. `stored`: the same rows with the order columns as stored, unformatted.
    `sliced`: only orders with ids in (?, ?] (two parameters)."""
    columns = _Columns(dialect, query)
    chosen = columns.orders() + (columns.lines() if lines else [])
    if stored:
        selected = STORED_COLUMNS
    elif as_csv:
        # One format() call builds the record at once (|| would copy it once per field); it writes NULL as empty.
        fields = columns.csv_fields(lines)
        selected = f"o.id, format('{','.join(['%s'] * len(fields))}', {', '.join(fields)}) AS record"
    else:
        selected = ", ".join(columns.value(expression, text) for expression, text in chosen)
    currencies = dialect.currencies()
    joins = "" if stored else f" LEFT JOIN {currencies} cx ON cx.code = o.currency"
    joins += "" if stored else f" LEFT JOIN {currencies} sx ON sx.code = o.shop_currency"
    order = "o.id"
    if lines:
        joins += (
            " LEFT JOIN order_line l ON l.order_id = o.id LEFT JOIN sku k ON k.id = l.sku_id"
            f" LEFT JOIN product p ON p.id = k.product_id LEFT JOIN {currencies} lx ON lx.code = l.currency"
        )
        order = "o.id, l.id"
    return (
        f"SELECT {selected} FROM orders o JOIN buyer b ON b.telegram_id = o.buyer_id"
        " LEFT JOIN payment_attempt pa ON pa.id = (SELECT pp.id FROM payment_attempt pp WHERE pp.order_id = o.id"
        " ORDER BY CASE WHEN pp.status = 'paid' THEN 0 ELSE 1 END, pp.number DESC LIMIT 1)"
        f" LEFT JOIN stream s ON s.id = o.stream_id{joins} WHERE {where(dialect, query)}"
        f"{' AND o.id > ? AND o.id <= ?' if sliced else ''} ORDER BY {order}"
    )


def sqlite_csv_blocks(query: ExportQuery, *, lines: bool) -> str:
    """On SQLite, a slice of orders (two parameters, as `select`'s `sliced`) as one row: how many orders and records
    it holds and the records joined by line ends, as bytes. SQLite joins them itself, so Python gets one object a
    slice instead of one a record, and no text to decode and encode again. The records come in the inner SELECT's
    order: an aggregate over a subquery with ORDER BY reads the subquery as it is ordered (it is not flattened)."""
    records = select(_Dialect(), query, lines=lines, as_csv=True, sliced=True)
    orders = "count(DISTINCT id)" if lines else "count(*)"
    return f"SELECT {orders}, count(*), CAST(group_concat(record, char(13, 10)) AS BLOB) FROM ({records})"


def stored_rows(query: ExportQuery) -> str:
    """The SELECT of the rows an export of `query` reads on SQLite, with the columns as stored (bench/export.py)."""
    return select(_Dialect(), query, lines=False, as_csv=False, stored=True)


def where(dialect: _Dialect, query: ExportQuery) -> str:
    conditions = [f"{dialect.status()} IN ({', '.join(_literal(status.value) for status in query.statuses)})"]
    if query.start is not None:
        conditions.append(f"o.created_at >= {dialect.moment(query.start)}")
    if query.end is not None:
        conditions.append(f"o.created_at < {dialect.moment(query.end)}")
    if query.stream_id is not None:
        conditions.append(f"o.stream_id = {int(query.stream_id)}")
    return " AND ".join(conditions)


class SqlOrderExport:
    """The `OrderExportSource` port on the bot's database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect: _Dialect = _Postgres() if engine.dialect.name == "postgresql" else _Dialect()
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        # A SQLite file is read directly by the sqlite3 module; an in-memory one only exists in the engine's pool.
        self.sqlite_file = database if database and database != ":memory:" else None

    async def count(self, query: ExportQuery) -> int:
        async with self.engine.connect() as connection:
            result = await connection.execute(
                sa.text(f"SELECT count(*) FROM orders o WHERE {where(self.dialect, query)}")
            )
            return int(result.scalar_one())

    async def first_created(self, query: ExportQuery) -> datetime | None:
        """When the first order the query selects was created (UTC)."""
        async with self.engine.connect() as connection:
            statement = f"SELECT min(o.created_at) FROM orders o WHERE {where(self.dialect, query)}"
            value = (await connection.execute(sa.text(statement))).scalar_one()
        if value is None:
            return None
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    def csv_blocks(self, query: ExportQuery, *, lines: bool) -> AsyncIterator[CsvBlock]:
        """The CSV records in order, in blocks: on a SQLite file a slice of orders joined by SQLite itself, else
        chunks of the server-side cursor's records joined here."""
        if self.sqlite_file is not None:
            return _sqlite_blocks(
                _read_sqlite_file(self.sqlite_file, self.dialect.setup(), sqlite_csv_blocks(query, lines=lines))
            )
        return _joined(self._stream(select(self.dialect, query, lines=lines, as_csv=True)))

    def rows(self, query: ExportQuery, *, lines: bool) -> AsyncIterator[Sequence[tuple[Any, ...]]]:
        """Chunks of rows, one value per column of ORDER_COLUMNS (+ LINE_COLUMNS with `lines`); amounts as text."""
        if self.sqlite_file is not None:
            statement = select(self.dialect, query, lines=lines, as_csv=False, sliced=True)
            return _chunked(_read_sqlite_file(self.sqlite_file, self.dialect.setup(), statement))
        return self._stream(select(self.dialect, query, lines=lines, as_csv=False))

    async def _stream(self, statement: str) -> AsyncIterator[Sequence[Any]]:
        async with self.engine.connect() as connection:
            for setup in self.dialect.setup():
                await connection.execute(sa.text(setup))
            result = await connection.stream(sa.text(statement).execution_options(yield_per=CHUNK))
            async for partition in result.partitions(CHUNK):
                yield [tuple(row) for row in partition]


async def _sqlite_blocks(slices: AsyncIterator[list[Any]]) -> AsyncIterator[CsvBlock]:
    async for ((orders, records, data),) in slices:
        if records:
            yield CsvBlock(orders, records, data)


async def _joined(chunks: AsyncIterator[Sequence[tuple[Any, ...]]]) -> AsyncIterator[CsvBlock]:
    """Chunks of (order id, record) as blocks; an order's lines may span two chunks, and count once."""
    last = None
    async for chunk in chunks:
        orders = 0
        for order_id, _ in chunk:
            if order_id != last:
                orders, last = orders + 1, order_id
        yield CsvBlock(orders, len(chunk), "\r\n".join(record for _, record in chunk).encode())


async def _chunked(slices: AsyncIterator[list[Any]]) -> AsyncIterator[Sequence[Any]]:
    async for rows in slices:
        for start in range(0, len(rows), CHUNK):
            yield rows[start : start + CHUNK]


async def _read_sqlite_file(path: str, setup: Sequence[str], statement: str) -> AsyncIterator[list[Any]]:
    """The rows of `statement` (whose two parameters bound a slice of order ids), a list a slice, read by READERS
    threads, each on its own read-only connection, handed on in order. SQLite formats rows without holding Python's
    lock, so the threads run side by side on as many cores."""
    loop = asyncio.get_running_loop()
    local = threading.local()
    connections: list[sqlite3.Connection] = []

    def connection() -> sqlite3.Connection:
        if getattr(local, "connection", None) is None:
            local.connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            connections.append(local.connection)
            for first in setup:
                local.connection.execute(first)
        return local.connection  # type: ignore[no-any-return]

    def ids() -> tuple[int, int]:
        low, high = connection().execute("SELECT coalesce(min(id), 1), coalesce(max(id), 0) FROM orders").fetchone()
        return int(low), int(high)

    def read(after: int, upto: int) -> list[Any]:
        return connection().execute(statement, (after, upto)).fetchall()

    workers = ThreadPoolExecutor(READERS, thread_name_prefix="export")
    reading: deque[asyncio.Future[list[Any]]] = deque()
    try:
        low, high = await loop.run_in_executor(workers, ids)
        slices = iter(range(low - 1, high, SLICE))
        for after in slices:
            reading.append(loop.run_in_executor(workers, read, after, min(after + SLICE, high)))
            if len(reading) <= READERS:
                continue
            yield await reading.popleft()
        while reading:
            yield await reading.popleft()
    finally:
        for pending in reading:
            pending.cancel()
        await asyncio.to_thread(workers.shutdown)
        for opened in connections:
            opened.close()
