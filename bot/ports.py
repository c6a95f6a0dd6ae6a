"""The small interfaces the core needs from the outside world; storage and adapters implement them."""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Protocol, Self

from bot.domain.buyer import Buyer
from bot.domain.catalog import Product, ProductSummary
from bot.domain.catalog_file import ImportReport, ProductRow


class CatalogueRepository(Protocol):
    async def count_active(self) -> int: ...

    async def page(self, offset: int, limit: int, language: str) -> Sequence[ProductSummary]: ...

    async def get(self, product_id: int) -> Product | None: ...

    async def get_by_code(self, code: str) -> Product | None: ...

    async def upsert(self, rows: Sequence[ProductRow]) -> ImportReport: ...


class BuyerRepository(Protocol):
    async def get(self, telegram_id: int) -> Buyer | None: ...

    async def add(self, buyer: Buyer) -> None: ...

    async def set_language(self, telegram_id: int, language: str) -> None: ...


class UnitOfWork(Protocol):
    """One database transaction; repositories never commit, the service that opened the unit does."""

    catalogue: CatalogueRepository
    buyers: BuyerRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
