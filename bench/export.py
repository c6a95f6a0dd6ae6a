"""Order export: N orders (default 1,000,000) on SQLite exported to CSV by `ExportService` (the CLI's and the chat's
path), next to the sqlite3 command-line tool's own CSV dump of the same rows (the same joins, filter and order, the
columns as stored) in the same run, and the export's peak memory.

The orders are generated in SQL (buyers in four scripts, four currencies of 0, 2 and 3 decimals, a payment attempt
each, a tenth in a stream, created over most of a year across both daylight saving changes). The export runs in a
child process, so its peak memory (the child's maximum resident set) is the export's own. Goals: the export takes at
most 1.5 times the sqlite3 tool's dump; peak memory under 200 MB. The CPU times are printed too: on a machine
whose cores are busy with other work, the wall times measure the neighbours as much as the export (which reads in
READERS threads side by side).

    .venv/bin/python bench/export.py [--orders 1000000]

Exit status 1 when the two files do not hold the same number of rows.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.domain.export import ExportFilter, ExportFormat, ExportQuery
from bot.services.export import ExportService
from storage.engine import make_engine
from storage.export import READERS, SqlOrderExport, stored_rows
from storage.migrate import upgrade

BUYERS = 50_000
ZONE = "Europe/Berlin"


def generate(path: Path, orders: int) -> None:
    """`orders` placed orders, their buyers, lines and payment attempts, written by SQLite itself."""
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    connection = sqlite3.connect(path)
    moment = "strftime('%Y-%m-%d %H:%M:%f000', '2026-01-01', '+' || ({seconds}) || ' seconds')"
    step = max(1, 300 * 24 * 3600 // max(orders, 1))  # spread over 300 days
    connection.executescript(
        f"""
        INSERT INTO product (id, code, title, description, image_url, ships_to, active, updated_at)
            VALUES (1, 'A12', 'Silk scarf', '', '', '*', 1, '2026-01-01 00:00:00.000000');
        INSERT INTO sku (id, product_id, variant, price_minor, currency, stock, owed, position, active, variant_names,
            updated_at) VALUES (1, 1, 'Ivory', 3900, 'EUR', 10, 0, 0, 1, '{{}}', '2026-01-01 00:00:00.000000');
        INSERT INTO stream (id, title, titles, starts_at, duration_seconds, status, timezone, created_at)
            VALUES (1, 'Autumn scarves, live', '{{}}', '2026-06-01 18:00:00.000000', 3600, 'ended', '{ZONE}',
            '2026-05-01 00:00:00.000000');
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {BUYERS})
        INSERT INTO buyer (telegram_id, language, country, name, username, subscribed, blocked, started, created_at)
        SELECT 100000 + i,
            CASE i % 4 WHEN 0 THEN 'en' WHEN 1 THEN 'ar' WHEN 2 THEN 'zh' ELSE 'ru' END,
            CASE i % 4 WHEN 0 THEN 'DE' WHEN 1 THEN 'AE' WHEN 2 THEN 'CN' ELSE 'RU' END,
            CASE i % 4 WHEN 0 THEN 'Anna Schmidt ' || i WHEN 1 THEN 'فاطمة ' || i WHEN 2 THEN '王芳 ' || i
                ELSE 'Ольга ' || i END,
            CASE WHEN i % 5 = 0 THEN NULL ELSE 'buyer' || i END, 0, 0, 1, '2026-01-01 00:00:00.000000'
        FROM n;
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {orders})
        INSERT INTO orders (id, buyer_id, status, currency, total_minor, subtotal_minor, shipping_minor, fx_rate,
            shop_currency, ship_country, ship_name, ship_address, ship_phone, placed_at, stream_id, paid_at,
            created_at, updated_at)
        SELECT i, 100001 + i % {BUYERS},
            CASE i % 3 WHEN 0 THEN 'paid' WHEN 1 THEN 'awaiting_payment' ELSE 'expired' END,
            CASE i % 4 WHEN 0 THEN 'EUR' WHEN 1 THEN 'USD' WHEN 2 THEN 'JPY' ELSE 'KWD' END,
            4400 + i % 1000, 3900 + i % 1000, 500,
            CASE i % 4 WHEN 0 THEN '1' WHEN 1 THEN '1.085' WHEN 2 THEN '161.25' ELSE '0.3331' END, 'EUR',
            'DE', CASE WHEN i % 7 = 0 THEN '=Recipient ' || i ELSE 'Recipient ' || i END,
            'Hauptstraße ' || (i % 200) || ', 10115 Berlin', '+4930' || i,
            {moment.format(seconds=f"i * {step}")}, CASE WHEN i % 10 = 0 THEN 1 END,
            CASE i % 3 WHEN 0 THEN {moment.format(seconds=f"i * {step} + 300")} END,
            {moment.format(seconds=f"i * {step}")}, {moment.format(seconds=f"i * {step}")}
        FROM n;
        INSERT INTO payment_attempt (order_id, number, provider, idempotency_key, reference, amount_minor, currency,
            status, provider_payment_id, created_at, expires_at)
        SELECT id, 1, 'sandbox', 'key-' || id, 'ref-' || id, total_minor, currency,
            CASE status WHEN 'paid' THEN 'paid' WHEN 'expired' THEN 'expired' ELSE 'open' END, '', created_at,
            created_at
        FROM orders;
        INSERT INTO order_line (order_id, sku_id, quantity, unit_price_minor, currency)
            SELECT id, 1, 1, 3900, 'EUR' FROM orders;
        """
    )
    connection.commit()
    connection.close()


def cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def sqlite3_dump(database: Path, statement: str, output: Path) -> tuple[float, float]:
    """Seconds (wall, CPU) the sqlite3 tool takes to write the rows of `statement` as CSV (with a header) to
    `output`."""
    tool = shutil.which("sqlite3")
    if tool is None:
        raise SystemExit("the sqlite3 command-line tool is not installed (apt-get install sqlite3)")
    started, used = time.perf_counter(), cpu(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [tool, "-csv", "-header", str(database)], input=f".output {output}\n{statement};\n", text=True, check=True
    )
    return time.perf_counter() - started, cpu(resource.RUSAGE_CHILDREN) - used


def child(database: Path, output: Path) -> None:
    """In the child process: the export, timed; prints one JSON line. The service is built as `build_core` builds
    it, without importing the bot's wiring (aiogram, the language detector: some 170 MB before any export)."""

    async def export() -> tuple[float, float, int, int]:
        engine = make_engine(f"sqlite+aiosqlite:///{database}")
        service = ExportService(SqlOrderExport(engine), shop_timezone=ZONE)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        try:
            started, used = time.perf_counter(), cpu(resource.RUSAGE_SELF)
            result = await service.export(ExportFilter(since=None, until=None), ExportFormat.CSV, output)
            return time.perf_counter() - started, cpu(resource.RUSAGE_SELF) - used, result.orders, before
        finally:
            await engine.dispose()

    seconds, cpu_seconds, orders, before = asyncio.run(export())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "cpu": cpu_seconds, "orders": orders, "peak": peak, "before": before}))


def rows_in(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as file:
        return sum(1 for _ in csv.reader(file)) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=2, metavar=("DATABASE", "OUTPUT"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(Path(options.child[0]), Path(options.child[1]))
        return
    with tempfile.TemporaryDirectory(prefix="livesell-bench-") as folder:
        database = Path(folder) / "export.db"
        started = time.perf_counter()
        generate(database, options.orders)
        print(f"[sqlite] {options.orders:,} orders generated in {time.perf_counter() - started:.1f} s")
        stored = stored_rows(asyncio.run(_query(database)))
        dumped = Path(folder) / "sqlite3.csv"
        exported = Path(folder) / "export.csv"
        load = os.getloadavg()[0]
        tool_seconds, tool_cpu = sqlite3_dump(database, stored, dumped)
        run = subprocess.run(
            [sys.executable, __file__, "--child", str(database), str(exported)],
            capture_output=True,
            text=True,
            check=True,
        )
        measured = json.loads(run.stdout.strip().splitlines()[-1])
        same = rows_in(dumped) == rows_in(exported) == measured["orders"] == options.orders
        ratio = measured["seconds"] / tool_seconds
        print(
            f"[sqlite] export to CSV: {measured['seconds']:.2f} s, sqlite3 tool's CSV dump of the same rows: "
            f"{tool_seconds:.2f} s, ratio {ratio:.2f} (goal <= 1.5)"
        )
        print(
            f"[sqlite] CPU time: export {measured['cpu']:.2f} s (in {READERS} reading threads and the writer), "
            f"sqlite3 tool {tool_cpu:.2f} s; load average when the run began {load:.1f} on {os.cpu_count()} cores"
        )
        print(
            f"[sqlite] peak memory of the export's process: {measured['peak'] / 2**20:.0f} MB (goal < 200 MB; "
            f"{(measured['peak'] - measured['before']) / 2**20:.0f} MB of it during the export); files "
            f"{exported.stat().st_size / 2**20:.0f} MB and {dumped.stat().st_size / 2**20:.0f} MB; "
            f"same rows: {'yes' if same else 'NO'}"
        )
        if not same:
            sys.exit(1)


async def _query(database: Path) -> ExportQuery:
    """The query the export runs for "every order" (its time zone offsets included)."""
    engine = make_engine(f"sqlite+aiosqlite:///{database}")
    try:
        return await ExportService(SqlOrderExport(engine), shop_timezone=ZONE).query(
            ExportFilter(since=None, until=None)
        )
    finally:
        await engine.dispose()


if __name__ == "__main__":
    main()
