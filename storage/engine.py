"""The async engine, configured alike for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

# Seconds to connect to PostgreSQL before the attempt fails as an outage.
CONNECT_TIMEOUT = 10


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if is_sqlite(url):
        # One writer at a time: wait for the lock instead of failing, and let readers run beside the writer.
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Foreign keys are off by default in SQLite; WAL lets readers run beside the one writer; a writer waits
            # for the lock (busy_timeout) instead of failing at once. Writers in one process also take turns
            # (storage/uow.py), so the busy handler's sleeps are rare.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    # A connection checked out is pinged first (one the server or the network dropped is replaced), and connecting
    # gives up after CONNECT_TIMEOUT: a database gone from the network fails an update in seconds, and it is handled
    # again once the database is back (handlers/outages.py).
    kwargs.setdefault("connect_args", {"timeout": CONNECT_TIMEOUT})
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def make_lazy_commit_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """PostgreSQL connections whose commits do not wait for the WAL to reach the disk (`synchronous_commit = off`):
    for bookkeeping the bot can afford to lose in a crash of the database server itself (update claims,
    storage/update_repositories.py), at a fraction of a flush each. Other backends: `make_engine`."""
    if is_sqlite(url):
        return make_engine(url, **kwargs)
    return make_engine(url, connect_args={"server_settings": {"synchronous_commit": "off"}}, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
