"""In-memory fakes of the ports in bot/ports.py: a shop "database" whose units of work commit or leave no trace."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Self

from bot.domain.buyer import Buyer
from bot.domain.catalog import Product, ProductSummary, Sku
from bot.domain.catalog_file import ImportReport, ProductRow, SkuChange, changed_fields, listing
from bot.domain.keyword import IndexedProduct, IndexedVariant
from bot.domain.money import Money
from bot.domain.orders import SkuRef
from bot.ports import BuyerRepository, CatalogueRepository


@dataclass
class ShopData:
    """Everything the fake database holds; retired products and SKUs stay, hidden, as in the real one."""

    products: dict[str, Product] = field(default_factory=dict)
    retired_products: set[str] = field(default_factory=set)
    buyers: dict[int, Buyer] = field(default_factory=dict)
    next_id: int = 1
    version: int = 0

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class FakeCatalogueRepository:
    def __init__(self, data: ShopData) -> None:
        self.data = data

    def _active(self) -> list[Product]:
        return sorted(
            (product for code, product in self.data.products.items() if code not in self.data.retired_products),
            key=lambda product: product.code,
        )

    async def count_active(self) -> int:
        return len(self._active())

    async def page(self, offset: int, limit: int, language: str) -> Sequence[ProductSummary]:
        return [
            ProductSummary(id=p.id, code=p.code, title=p.title_in(language), total_stock=p.total_stock)
            for p in self._active()[offset : offset + limit]
        ]

    async def get(self, product_id: int) -> Product | None:
        return next((product for product in self._active() if product.id == product_id), None)

    async def get_by_code(self, code: str) -> Product | None:
        return next((product for product in self._active() if product.code == code.upper()), None)

    async def coded_products(self) -> Sequence[IndexedProduct]:
        return [
            IndexedProduct(p.id, p.code, tuple(IndexedVariant(sku.id, sku.variant, dict(sku.names)) for sku in p.skus))
            for p in self._active()
            if p.skus
        ]

    async def sku_in_stock(self) -> SkuRef | None:
        in_stock = [
            (not sku.variant, product.code, position, sku, product)
            for product in self._active()
            for position, sku in enumerate(product.skus)
            if sku.stock > 0
        ]
        if not in_stock:
            return None
        *_, sku, product = min(in_stock, key=lambda found: found[:3])
        return SkuRef(sku.id, product.id, product.code, sku.variant, sku.price, sku.stock)

    async def version(self) -> int:
        return self.data.version

    async def bump_version(self) -> None:
        self.data.version += 1

    async def upsert(self, rows: Sequence[ProductRow]) -> ImportReport:
        """Update by (code, variant); what left the file is retired (hidden), as the SQL repository does. No unit is
        ever held here, so a SKU's stock is what the file said."""
        created: list[SkuChange] = []
        updated: list[SkuChange] = []
        restored: list[SkuChange] = []
        retired: list[SkuChange] = []
        unchanged = 0
        listed = {row.code for row in rows}
        for code, product in self.data.products.items():
            if code not in listed and code not in self.data.retired_products:
                self.data.retired_products.add(code)
                retired += [SkuChange(code, sku.variant) for sku in product.skus]
        for row in rows:
            old = self.data.products.get(row.code)
            was_listed = old is not None and row.code not in self.data.retired_products
            product_id = old.id if old else self.data.new_id()
            old_skus = {sku.variant: (position, sku) for position, sku in enumerate(old.skus if old else ())}
            skus = []
            for position, sku_row in enumerate(row.skus):
                change = SkuChange(row.code, sku_row.variant)
                before = old_skus.pop(sku_row.variant, None)
                if before is None:
                    created.append(change)
                elif not was_listed:
                    restored.append(change)
                else:
                    assert old is not None
                    was, sku = before
                    fields = changed_fields(
                        listing(*_shown(old), sku.price, sku.stock, was, sku.names),
                        listing(*_shown(row), sku_row.price, sku_row.stock, position, sku_row.names),
                    )
                    if fields:
                        updated.append(SkuChange(row.code, sku_row.variant, fields))
                    else:
                        unchanged += 1
                sku_id = before[1].id if before else self.data.new_id()
                skus.append(Sku(sku_id, product_id, sku_row.variant, sku_row.price, sku_row.stock, dict(sku_row.names)))
            if was_listed:
                retired += [SkuChange(row.code, sku.variant) for _, sku in old_skus.values()]
            self.data.retired_products.discard(row.code)
            self.data.products[row.code] = Product(
                id=product_id,
                code=row.code,
                title=row.title,
                description=row.description,
                image_url=row.image_url,
                ships_to=row.ships_to,
                skus=tuple(skus),
                translations=dict(row.translations),
            )
        return ImportReport(
            products=len(rows),
            created=tuple(created),
            updated=tuple(updated),
            unchanged=unchanged,
            retired=tuple(retired),
            restored=tuple(restored),
        )


def _shown(product: Product | ProductRow) -> tuple[str, str, str, frozenset[str], dict[str, tuple[str, str]]]:
    return product.title, product.description, product.image_url, product.ships_to, product.translations


class FakeBuyerRepository:
    def __init__(self, data: ShopData) -> None:
        self.data = data

    async def get(self, telegram_id: int) -> Buyer | None:
        return self.data.buyers.get(telegram_id)

    async def add(self, buyer: Buyer) -> None:
        if buyer.telegram_id in self.data.buyers:
            raise ValueError(f"buyer {buyer.telegram_id} already exists")  # the real table's primary key
        self.data.buyers[buyer.telegram_id] = buyer

    async def add_if_missing(self, buyer: Buyer) -> None:
        self.data.buyers.setdefault(buyer.telegram_id, buyer)

    def _change(self, telegram_id: int, **changes: object) -> None:
        # Like an UPDATE ... WHERE telegram_id = ...: an unknown buyer is no error and no change.
        buyer = self.data.buyers.get(telegram_id)
        if buyer is not None:
            self.data.buyers[telegram_id] = replace(buyer, **changes)  # type: ignore[arg-type]

    async def set_language(self, telegram_id: int, language: str) -> None:
        self._change(telegram_id, language=language)

    async def set_country(self, telegram_id: int, country: str | None) -> None:
        self._change(telegram_id, country=country)

    async def set_currency(self, telegram_id: int, currency: str | None) -> None:
        self._change(telegram_id, currency=currency)

    async def set_region(self, telegram_id: int, region: str | None) -> None:
        self._change(telegram_id, region=region)

    async def set_started(self, telegram_id: int) -> None:
        self._change(telegram_id, started=True)

    async def set_blocked(self, telegram_id: int, blocked: bool) -> None:
        self._change(telegram_id, blocked=blocked)

    async def set_timezone(self, telegram_id: int, timezone: str | None) -> None:
        self._change(telegram_id, timezone=timezone)

    async def set_subscribed(self, telegram_id: int, subscribed: bool) -> bool:
        buyer = self.data.buyers.get(telegram_id)
        if buyer is None or buyer.subscribed == subscribed:
            return False
        self._change(telegram_id, subscribed=subscribed)
        return True


class FakeUnitOfWork:
    """Works on a copy of the shop's data; only `commit` publishes it, like a transaction."""

    catalogue: CatalogueRepository
    buyers: BuyerRepository

    def __init__(self, shop: FakeShop) -> None:
        self.shop = shop

    async def __aenter__(self) -> Self:
        self._working = copy.deepcopy(self.shop.data)
        self.catalogue = FakeCatalogueRepository(self._working)
        self.buyers = FakeBuyerRepository(self._working)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Uncommitted changes die with the working copy."""

    async def commit(self) -> None:
        self.shop.data = copy.deepcopy(self._working)
        self.shop.commits += 1

    async def rollback(self) -> None:
        self._working.__dict__.update(copy.deepcopy(self.shop.data).__dict__)


class FakeShop:
    """The unit-of-work factory services receive, plus what tests look at afterwards."""

    def __init__(self) -> None:
        self.data = ShopData()
        self.commits = 0

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def add_product(
        self,
        code: str,
        title: str = "",
        variants: Sequence[tuple[str, int]] = (("", 5),),
        price: Money = Money(1990, "EUR"),
        translations: dict[str, tuple[str, str]] | None = None,
    ) -> Product:
        product_id = self.data.new_id()
        skus = tuple(Sku(self.data.new_id(), product_id, variant, price, stock) for variant, stock in variants)
        product = Product(
            id=product_id,
            code=code,
            title=title or f"Product {code}",
            description="",
            image_url="",
            ships_to=frozenset({"*"}),
            skus=skus,
            translations=translations or {},
        )
        self.data.products[code] = product
        self.data.version += 1
        return product
