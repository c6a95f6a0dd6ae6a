"""Browsing and importing the catalogue."""

from __future__ import annotations

from pathlib import PurePath

from bot.domain.catalog import CataloguePage, Product, page_count
from bot.domain.catalog_file import ImportReport, parse_catalogue
from bot.ports import UnitOfWorkFactory
from bot.services.pricing import Pricing
from bot.services.translations import ProductTranslator


class ProductNotFound(LookupError):
    """No active product with that id or code."""


class PageNotFound(LookupError):
    """A catalogue page that does not exist (any more)."""


class CatalogueService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        page_size: int = 8,
        pricing: Pricing | None = None,
        translator: ProductTranslator | None = None,
    ) -> None:
        self.uow = uow
        self.page_size = page_size
        self.pricing = pricing
        self.translator = translator

    async def page(self, page: int, language: str, strict: bool = False) -> CataloguePage:
        """A page of products. Out of range: PageNotFound when strict (a button), else the nearest page."""
        async with self.uow() as uow:
            total = await uow.catalogue.count_active()
            pages = page_count(total, self.page_size)
            if strict and not 0 <= page < pages:
                raise PageNotFound(page)
            page = min(max(page, 0), pages - 1)
            items = await uow.catalogue.page(page * self.page_size, self.page_size, language)
        return CataloguePage(items=tuple(items), page=page, pages=pages, total=total)

    async def product(
        self, product_id: int, buyer_id: int | None = None, viewed: bool = False, language: str | None = None
    ) -> Product:
        """An active product; with `buyer_id`, its prices in that buyer's currency. `viewed`: its card is shown to
        the buyer, whose questions naming no product are about it from now on. With `language`, its texts in that
        language where the catalogue lacks them and a language model translates (docs/llm.md)."""
        async with self.uow() as uow:
            product = await uow.catalogue.get(product_id)
            if product is None:
                raise ProductNotFound(product_id)
            if buyer_id is not None and self.pricing is not None:
                product = await self.pricing.product(uow, buyer_id, product)
            if buyer_id is not None and viewed:
                await uow.buyers.set_last_product(buyer_id, product_id)
                await uow.commit()
        if language is not None and self.translator is not None:
            product = await self.translator.localize(product, language)
        return product

    async def product_by_code(self, code: str) -> Product:
        async with self.uow() as uow:
            product = await uow.catalogue.get_by_code(code)
        if product is None:
            raise ProductNotFound(code)
        return product

    async def import_file(self, text: str, image_base: str | None = None) -> ImportReport:
        """Apply a whole catalogue file in one transaction, or nothing (CatalogueFileError lists every bad line).

        Image paths relative to the file are made absolute against `image_base` (the file's folder).
        """
        rows = parse_catalogue(text)
        if image_base:
            for row in rows:
                if row.image_url and "://" not in row.image_url and not PurePath(row.image_url).is_absolute():
                    row.image_url = str(PurePath(image_base) / row.image_url)
        async with self.uow() as uow:
            report = await uow.catalogue.upsert(rows)
            if not report.changed_nothing:
                await uow.catalogue.bump_version()  # every running bot reloads its keyword codes within seconds
            await uow.commit()
        return report
