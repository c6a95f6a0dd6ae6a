"""Run Alembic migrations from the program (no alembic.ini needed): `livesell db upgrade`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.engine import is_sqlite, make_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def _run(url: str, action: Callable[[Config], object]) -> None:
    engine = make_engine(url)
    config = alembic_config()

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        action(config)

    try:
        async with engine.connect() as connection:
            if is_sqlite(url):
                await _sqlite_foreign_keys_off(connection)
            async with connection.begin():
                await _one_migrator_at_a_time(connection)
                await connection.run_sync(run)
                if is_sqlite(url):
                    await _sqlite_foreign_keys_hold(connection)
    finally:
        await engine.dispose()


# Any constant: the key of the PostgreSQL advisory lock every `livesell` process takes to migrate.
MIGRATION_LOCK = 0x6C69766573656C6C  # "livesell"


async def _one_migrator_at_a_time(connection: AsyncConnection) -> None:
    """Every entry point migrates on start, so instances started together would each run the same migration and all
    but one fail on the tables the first made. Take the database's write lock (SQLite) or an advisory lock held until
    commit (PostgreSQL) before Alembic reads the revision: the others wait, then find the database at head."""
    if is_sqlite(str(connection.engine.url)):
        await connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        await connection.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))


async def _sqlite_foreign_keys_off(connection: AsyncConnection) -> None:
    # SQLite changes a column by copying the table and dropping the old one (Alembic's batch mode); with foreign keys
    # enforced, dropping a table that rows of another table refer to (buyer, sku) fails, so a migration of a database
    # with orders in it would fail. The pragma only takes effect outside a transaction; the engine is disposed after.
    await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    await connection.commit()


async def _sqlite_foreign_keys_hold(connection: AsyncConnection) -> None:
    broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
    if broken:
        raise RuntimeError(f"the migration broke references between tables: {broken[:5]}")


async def upgrade(url: str, revision: str = "head") -> None:
    await _run(url, lambda config: command.upgrade(config, revision))


async def downgrade(url: str, revision: str = "base") -> None:
    await _run(url, lambda config: command.downgrade(config, revision))


async def autogenerate(url: str, message: str) -> None:
    """Developer tool: write a new revision from the difference between the tables and the database."""
    await _run(url, lambda config: command.revision(config, message=message, autogenerate=True))


async def current_revision(url: str) -> str | None:
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
    finally:
        await engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


class SchemaMismatch(Exception):
    """The database's schema is not the one this release knows; the message says which command to run."""


async def ensure_schema(url: str) -> None:
    """What every entry point but `livesell db upgrade` does before using the database. An empty database is made at
    the newest schema (a first start; under the migration lock, so first starts together make it once). A database
    at the newest schema passes. Any other is refused: migrating a database that bot processes are using is a
    release step (`livesell db upgrade`), not something each start does on its own."""
    current, head = await current_revision(url), head_revision()
    if current == head:
        return
    if current is None:
        await upgrade(url)
        return
    scripts = ScriptDirectory.from_config(alembic_config())
    try:
        known = scripts.get_revision(current) is not None
    except Exception:  # alembic raises its own errors for a revision it has no script of
        known = False
    if not known:
        raise SchemaMismatch(
            f"the database is at schema {current}, which this release does not know (a newer release migrated it): "
            f"run that release, or its `livesell db downgrade {head}` to come back to this one"
        )
    raise SchemaMismatch(
        f"the database is at schema {current} and this release needs {head}: "
        "run `livesell db upgrade` once (it waits for any other migration), then start again"
    )
