"""Catalogue import: how long a big file holds the write lock, on SQLite and on PostgreSQL.

Imports a generated catalogue of N products (two variants each, so 2N SKUs and 2N file rows) into an empty database,
then the same file with every price changed (each SKU updated), through CatalogueService.import_file: one
transaction each, so the time is about how long other writers wait. Printed next to a baseline measured in the same
run, a 500-row file: per row, a big import should cost no more than a small one (a ratio near 1 or below). Before
the import was batched, 5,000 rows took about 10 s on either database (2 ms a row); after, well under 1 s.

    .venv/bin/python bench/catalog_import.py [--rows 5000] [--postgres-url postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from databases import fresh_database

from bot.app import open_core
from bot.config import load_settings

BASELINE_ROWS = 500
HEADER = "code,variant,title,description,price,currency,stock,ships_to,image_url\n"


def catalogue(rows: int, cents: int) -> str:
    """`rows` file rows: products of two variants each, all priced at 9.`cents`."""
    lines = [HEADER]
    for number in range(rows // 2):
        for variant in ("S", "M"):
            lines.append(f"P{number:05d},{variant},Scarf {number},Silk.,9.{cents:02d},EUR,{number % 50 + 1},*,\n")
    return "".join(lines)


async def timed_imports(postgres_url: str | None, rows: int) -> tuple[float, float]:
    """Seconds for a first import of `rows` rows, and for a re-import that changes every price."""
    async with fresh_database(postgres_url, "import") as url, open_core(load_settings(database_url=url)) as core:
        started = time.perf_counter()
        first = await core.catalogue.import_file(catalogue(rows, 90))
        created = time.perf_counter() - started
        started = time.perf_counter()
        second = await core.catalogue.import_file(catalogue(rows, 95))
        updated = time.perf_counter() - started
    assert len(first.created) == rows and len(second.updated) == rows, "the import did not do what was measured"
    return created, updated


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--postgres-url", help="also measure on PostgreSQL (a throwaway database is created)")
    options = parser.parse_args()
    for name, url in (("sqlite", None), ("postgresql", options.postgres_url)):
        if name == "postgresql" and url is None:
            continue
        await timed_imports(url, 50)  # warm-up: the first statements of a process are compiled, not only run
        small = await timed_imports(url, BASELINE_ROWS)
        big = await timed_imports(url, options.rows)
        for what, small_s, big_s in (("first import", small[0], big[0]), ("re-import", small[1], big[1])):
            per_row = big_s / options.rows * 1000
            baseline = small_s / BASELINE_ROWS * 1000
            print(
                f"{name:10} {what:12}: {options.rows} rows {big_s:6.2f} s ({per_row:.3f} ms/row); "
                f"{BASELINE_ROWS} rows {small_s:5.2f} s ({baseline:.3f} ms/row); ratio {per_row / baseline:.2f}"
            )


if __name__ == "__main__":
    asyncio.run(main())
