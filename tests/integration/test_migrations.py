"""Every Alembic migration runs up, down to an empty database and up again, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.engine import make_engine
from storage.migrate import alembic_config, current_revision, downgrade, head_revision, upgrade

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
