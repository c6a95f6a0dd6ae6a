"""Every Alembic migration runs up, down to an empty database and up again, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.engine import make_engine
from storage.migrate import (
    SchemaMismatch,
    alembic_config,
    current_revision,
    downgrade,
    ensure_schema,
    head_revision,
    upgrade,
)
from tests.integration.test_catalog_import_cli import _livesell

EXPECTED_TABLES = set(SQLModel.metadata.tables)


def _revisions_oldest_first() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


async def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: sa.inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return set(names) - {"alembic_version"}


async def test_the_fixture_database_is_at_the_newest_revision_with_every_table(database_url: str) -> None:
    assert await current_revision(database_url) == head_revision()
    assert await _tables(database_url) == EXPECTED_TABLES


async def test_migrations_go_down_to_base_and_up_again(database_url: str) -> None:
    await downgrade(database_url, "base")
    assert await current_revision(database_url) is None
    assert await _tables(database_url) == set()
    await upgrade(database_url, "head")
    assert await current_revision(database_url) == head_revision()
    assert await _tables(database_url) == EXPECTED_TABLES


async def test_each_migration_steps_up_and_down_one_at_a_time(database_url: str) -> None:
    revisions = _revisions_oldest_first()
    assert revisions[-1] == head_revision()
    await downgrade(database_url, "base")
    seen: list[set[str]] = []
    for revision in revisions:
        await upgrade(database_url, revision)
        assert await current_revision(database_url) == revision
        seen.append(await _tables(database_url))
    for revision, tables in zip(reversed(revisions), reversed(seen), strict=True):
        assert await _tables(database_url) == tables, f"after downgrading to {revision}"
        await downgrade(database_url, "-1")
    assert await _tables(database_url) == set()


async def test_migrations_match_the_table_definitions(database_url: str) -> None:
    engine = make_engine(database_url)

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))

    try:
        async with engine.connect() as connection:
            found = await connection.run_sync(differences)
    finally:
        await engine.dispose()
    assert found == [], "the tables in storage/tables.py differ from the migrations; add a revision"


# A shop as the release before variant names, catalogue versions and buyer regions (revision 0003) left it: a
# product with two variants, a buyer with a held cart line, another with an order awaiting payment, a waitlist entry.
PREVIOUS_RELEASE = "0003"
PREVIOUS_RELEASE_ROWS = [
    "INSERT INTO product (id, code, title, description, image_url, ships_to, active, updated_at)"
    " VALUES (1, 'A12', 'Silk scarf', '', '', '*', true, :now)",
    "INSERT INTO sku (id, product_id, variant, price_minor, currency, stock, position, active, updated_at, owed)"
    " VALUES (1, 1, 'Ivory', 3900, 'EUR', 10, 0, true, :now, 0), (2, 1, 'Rose', 3900, 'EUR', 0, 1, true, :now, 0)",
    "INSERT INTO buyer (telegram_id, language, country, currency, name, subscribed, blocked, created_at, started)"
    " VALUES (1001, 'fr', 'GB', 'GBP', 'Ann', true, false, :now, true),"
    " (1002, 'pt', 'BR', NULL, 'Bea', true, false, :now, true)",
    "INSERT INTO orders (id, buyer_id, status, currency, total_minor, created_at, updated_at)"
    " VALUES (1, 1001, 'open', 'EUR', 0, :now, :now), (2, 1002, 'awaiting_payment', 'EUR', 4890, :now, :now)",
    "INSERT INTO order_line (id, order_id, sku_id, quantity, unit_price_minor, currency, hold_expires_at)"
    " VALUES (1, 1, 1, 2, 3900, 'EUR', :now), (2, 2, 1, 1, 3900, 'EUR', NULL)",
    "INSERT INTO order_event (id, order_id, kind, from_status, to_status, detail, at)"
    " VALUES (1, 2, 'status', 'open', 'awaiting_payment', '', :now)",
    "INSERT INTO waitlist (id, sku_id, buyer_id, quantity, created_at) VALUES (1, 2, 1001, 1, :now)",
]
KEPT = ["product", "sku", "buyer", "orders", "order_line", "order_event", "waitlist"]


async def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return [tuple(row) for row in await connection.execute(sa.text(sql))]
    finally:
        await engine.dispose()


async def _counts(url: str) -> dict[str, object]:
    return {table: (await _query(url, f"SELECT count(*) FROM {table}"))[0][0] for table in KEPT}


async def test_a_shop_of_the_previous_release_keeps_its_data_through_upgrade_downgrade_and_upgrade(
    database_url: str,
) -> None:
    await downgrade(database_url, PREVIOUS_RELEASE)
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            for statement in PREVIOUS_RELEASE_ROWS:
                await connection.execute(sa.text(statement), {"now": datetime.now(UTC)})
    finally:
        await engine.dispose()
    before = await _counts(database_url)
    assert before == {"product": 1, "sku": 2, "buyer": 2, "orders": 2, "order_line": 2, "order_event": 1, "waitlist": 1}

    await upgrade(database_url)
    assert await _counts(database_url) == before
    assert await _query(database_url, "SELECT id, version FROM catalogue_version") == [(1, 0)]
    assert await _query(database_url, "SELECT telegram_id, region FROM buyer ORDER BY telegram_id") == [
        (1001, None),
        (1002, None),
    ]
    names = [
        json.loads(v) if isinstance(v, str) else v
        for (v,) in await _query(database_url, "SELECT variant_names FROM sku")
    ]
    assert names == [{}, {}]

    await downgrade(database_url, PREVIOUS_RELEASE)
    assert await current_revision(database_url) == PREVIOUS_RELEASE
    assert await _counts(database_url) == before
    await upgrade(database_url)
    assert await current_revision(database_url) == head_revision()
    assert await _counts(database_url) == before


async def test_instances_starting_together_migrate_one_database_one_after_another(database_url: str) -> None:
    # Two `livesell db upgrade` at once (two deploy scripts), or first starts of several instances on an empty
    # database: neither may fail on the other's half-made tables.
    await downgrade(database_url, "base")
    await asyncio.gather(upgrade(database_url), upgrade(database_url), ensure_schema(database_url))
    assert await current_revision(database_url) == head_revision()
    assert await _tables(database_url) == EXPECTED_TABLES


async def test_a_start_makes_an_empty_database_and_refuses_one_an_upgrade_of_livesell_left_behind(
    database_url: str,
) -> None:
    head = head_revision()
    previous = _revisions_oldest_first()[-2]
    await downgrade(database_url, "base")
    await ensure_schema(database_url)  # a first start: nothing to race with but other first starts
    assert await current_revision(database_url) == head

    await downgrade(database_url, previous)
    with pytest.raises(SchemaMismatch, match=r"livesell db upgrade") as refused:
        await ensure_schema(database_url)
    assert previous in str(refused.value) and str(head) in str(refused.value)
    assert await current_revision(database_url) == previous  # refused: nothing changed

    await upgrade(database_url)
    await ensure_schema(database_url)


async def test_a_start_refuses_a_database_a_newer_release_migrated(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(SchemaMismatch, match=r"9999.*does not know.*downgrade"):
            await ensure_schema(database_url)
        async with engine.begin() as connection:
            head = {"head": head_revision()}
            await connection.execute(sa.text("UPDATE alembic_version SET version_num = :head"), head)
    finally:
        await engine.dispose()


async def test_livesell_run_on_a_database_left_behind_says_to_upgrade_and_exits_2(
    database_url: str, tmp_path: Path
) -> None:
    previous = _revisions_oldest_first()[-2]
    await downgrade(database_url, previous)
    env = {"BOT_TOKEN": "123456:TEST", "TELEGRAM_API_URL": "http://127.0.0.1:9"}
    status, out, err = await _livesell(database_url, tmp_path, "run", env=env)
    assert status == 2, (out, err)
    line = err.strip().splitlines()[-1]  # after the log's lines: what to do
    assert line.startswith("DATABASE_URL:") and "livesell db upgrade" in line and previous in line
    assert await current_revision(database_url) == previous

    status, out, err = await _livesell(database_url, tmp_path, "db", "upgrade")
    assert status == 0, err
    assert await current_revision(database_url) == head_revision()
