"""Which messages are keyword orders: the catalogue's codes held in memory, reloaded when an import changes them.

Every message of a stream group passes through `read`, so it never waits for the database: the codes are an
in-process index, and a catalogue import (in this process, the CLI or another instance) raises the catalogue's
version in its own transaction. At most every `check_every` seconds, the first message to arrive compares that
version (one small query) and reloads the codes when it moved; messages arriving meanwhile use the codes they have.

In a group where a stream is live, its featured products come first among "did you mean" suggestions: asked of
`featured` (the live stream's codes) only when an order has suggestions, so ordinary chatter still costs nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from bot.domain.keyword import CodeIndex, IndexedProduct, KeywordOrder, read_keyword_order
from bot.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)
CHECK_EVERY_SECONDS = 2.0
# The codes a chat's live stream features (none when no stream is live there).
FeaturedCodes = Callable[[int], Awaitable[Sequence[str]]]


@dataclass(frozen=True, slots=True)
class KeywordExample:
    """A keyword order this shop would take now: `A12 Ivory x2`."""

    code: str
    variant: str
    quantity: int

    def __str__(self) -> str:
        return " ".join(part for part in (self.code, self.variant, f"x{self.quantity}") if part)


class KeywordService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        prefixes: Sequence[str] = ("#", "sold", "buy"),
        check_every: float = CHECK_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        featured: FeaturedCodes | None = None,
    ) -> None:
        self.uow = uow
        self.featured = featured
        self.prefixes = tuple(prefixes)
        self.check_every = check_every
        self.clock = clock
        self._index: CodeIndex | None = None
        self._version: int | None = None
        self._next_check = 0.0
        self._loading = asyncio.Lock()

    async def read(self, text: str, private: bool, chat_id: int | None = None) -> KeywordOrder | None:
        """The keyword order a message asks for, None when it is not about ordering (bot/domain/keyword.py). In
        `chat_id`'s live stream, its featured products are suggested first."""
        order = read_keyword_order(text, await self.index(), self.prefixes, private)
        if order is None or len(order.suggestions) < 2 or chat_id is None or self.featured is None:
            return order
        featured = {code.casefold() for code in await self.featured(chat_id)}
        if not featured:
            return order
        # A stable sort: featured first, each part still closest first.
        ranked = sorted(order.suggestions, key=lambda product: product.code.casefold() not in featured)
        return replace(order, suggestions=tuple(ranked))

    async def product(self, product_id: int) -> IndexedProduct | None:
        """A product on sale as keyword ordering knows it (its variants' SKUs), without a database round trip."""
        return (await self.index()).product(product_id)

    async def index(self) -> CodeIndex:
        """The codes, loaded on first use; checked for a newer catalogue when `check_every` has passed."""
        if self._index is None:
            async with self._loading:
                if self._index is None:
                    await self.refresh()
        elif self.clock() >= self._next_check and not self._loading.locked():
            async with self._loading:
                try:
                    await self.refresh()
                except Exception:  # the database is away: keep ordering with the codes we have, try again later
                    log.exception("could not check the catalogue version; keeping the codes loaded")
        assert self._index is not None
        return self._index

    async def refresh(self) -> bool:
        """Reload the codes if the catalogue's version moved since they were loaded; whether it had."""
        self._next_check = self.clock() + self.check_every
        async with self.uow() as uow:
            version = await uow.catalogue.version()
            if self._index is not None and version == self._version:
                return False
            products = await uow.catalogue.coded_products()
        self._index, self._version = CodeIndex(products), version
        log.info("keyword codes loaded: %d products, catalogue version %d", len(self._index), version)
        return True

    async def example(self, language: str | None = None) -> KeywordExample | None:
        """A keyword order for a product in stock, a product with variants first; None when nothing is in stock. The
        variant is named in `language` where the catalogue translates it (the buyer sees `Elfenbein` on the card, so
        the example says `A12 Elfenbein x2`, an order the reader takes too)."""
        async with self.uow() as uow:
            sku = await uow.catalogue.sku_in_stock()
        if sku is None:
            return None
        variant = sku.variant
        product = (await self.index()).get(sku.code)
        indexed = product.variant(sku.variant) if product is not None and sku.variant else None
        if indexed is not None:
            variant = indexed.name_in(language)
        return KeywordExample(sku.code, variant, 2 if sku.stock >= 2 else 1)
