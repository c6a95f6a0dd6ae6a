"""Throwaway databases for the benchmarks: each run starts empty and leaves nothing behind."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url


@asynccontextmanager
async def fresh_database(postgres_url: str | None, name: str) -> AsyncIterator[str]:
    """An empty database URL named after the bench `name`: a temporary SQLite file, or a PostgreSQL database
    created beside `postgres_url`'s and dropped after."""
    if postgres_url is None:
        with tempfile.TemporaryDirectory(prefix="livesell-bench-") as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / f'{name}.db'}"
        return
    url = make_url(postgres_url)
    database = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{database}"')
        try:
            yield url.set(database=database).render_as_string(hide_password=False)
        finally:
            await connection.execute(f'DROP DATABASE "{database}" WITH (FORCE)')
    finally:
        await connection.close()
