"""The unit of work: one session, one transaction, the repositories bound to it.

On SQLite the units of one process take turns (SQLite has one writer anyway): a unit waiting for the database lock
in SQLite's busy handler sleeps in steps of up to 100 ms and wakes late, while one waiting for its turn here starts
the moment the previous unit ends. Other processes (the CLI, a second instance) still meet at SQLite's own lock.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, Self

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import effects
from storage.broadcast_repositories import SqlBroadcastRepository
from storage.lease_repositories import SqlJobLeaseRepository
from storage.order_repositories import SqlOrderRepository, SqlStockRepository, SqlWaitlistRepository
from storage.payment_repositories import SqlPaymentRepository
from storage.report_repositories import SqlReportRunRepository
from storage.repositories import SqlBuyerRepository, SqlCatalogueRepository
from storage.role_repositories import SqlRoleRepository
from storage.stream_repositories import SqlStreamRepository
from storage.translation_repositories import SqlHandOffRepository, SqlSaidRepository, SqlTranslationRepository
from storage.update_repositories import SqlUpdateClaimRepository


class TaskLock:
    """An asyncio lock the task holding it may take again (a unit of work opened inside another).

    A unit must not await another task that opens a unit of its own: that task would wait for this one for ever.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._depth = 0

    async def acquire(self) -> None:
        task = asyncio.current_task()
        if self._owner is not task:
            await self._lock.acquire()
            self._owner = task
        self._depth += 1

    def release(self) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self._lock.release()


class SqlUnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], turn: TaskLock | None = None) -> None:
        self._sessions = sessions
        self._turn = turn

    async def __aenter__(self) -> Self:
        if self._turn is not None:
            await self._turn.acquire()
        try:
            self.session = self._sessions()
        except BaseException:
            if self._turn is not None:
                self._turn.release()
            raise
        self.catalogue = SqlCatalogueRepository(self.session)
        self.buyers = SqlBuyerRepository(self.session)
        self.stock = SqlStockRepository(self.session)
        self.orders = SqlOrderRepository(self.session)
        self.waitlist = SqlWaitlistRepository(self.session)
        self.payments = SqlPaymentRepository(self.session)
        self.broadcasts = SqlBroadcastRepository(self.session)
        self.streams = SqlStreamRepository(self.session)
        self.translations = SqlTranslationRepository(self.session)
        self.hand_offs = SqlHandOffRepository(self.session)
        self.said = SqlSaidRepository(self.session)
        self.reports = SqlReportRunRepository(self.session)
        self.roles = SqlRoleRepository(self.session)
        self.leases = SqlJobLeaseRepository(self.session)
        self.update_claims = SqlUpdateClaimRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Whatever was not committed is rolled back: a unit of work never half-applies.
        try:
            await self.session.rollback()
            await self.session.close()
        finally:
            if self._turn is not None:
                self._turn.release()

    async def commit(self) -> None:
        # Noted first: a commit whose answer is lost may have happened all the same.
        effects.note("commit")
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


class SqlUnitOfWorkFactory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        bind = sessions.kw.get("bind")
        # One turn per factory, so per engine: a process builds one (bot/app.py).
        self.turn = TaskLock() if bind is not None and bind.dialect.name == "sqlite" else None

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions, self.turn)
