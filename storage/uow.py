"""The unit of work: one session, one transaction, the repositories bound to it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.order_repositories import SqlOrderRepository, SqlStockRepository, SqlWaitlistRepository
from storage.repositories import SqlBuyerRepository, SqlCatalogueRepository


class SqlUnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        self.catalogue = SqlCatalogueRepository(self.session)
        self.buyers = SqlBuyerRepository(self.session)
        self.stock = SqlStockRepository(self.session)
        self.orders = SqlOrderRepository(self.session)
        self.waitlist = SqlWaitlistRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Whatever was not committed is rolled back: a unit of work never half-applies.
        await self.session.rollback()
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()


class SqlUnitOfWorkFactory:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions)
