"""The product a buyer saw last is remembered per buyer, so a question naming no product is about it; and the
names questions are matched against (every title and variant name) read in one go."""

from __future__ import annotations

from bot.domain.buyer import Buyer
from bot.services.catalog import CatalogueService
from storage.uow import SqlUnitOfWorkFactory

BIG_ID = 7_123_456_789


async def test_the_last_viewed_product_is_the_latest_card_shown(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.buyers.add(Buyer(telegram_id=BIG_ID, language="ru"))
        await uow.buyers.add(Buyer(telegram_id=2, language="en"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.buyers.last_product(BIG_ID) is None
        await uow.buyers.set_last_product(BIG_ID, 5)
        await uow.buyers.set_last_product(BIG_ID, 7)
        await uow.buyers.set_last_product(2, 5)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.buyers.last_product(BIG_ID) == 7
        assert await uow.buyers.last_product(2) == 5
        assert await uow.buyers.last_product(3) is None


async def test_an_unknown_buyer_has_no_last_viewed_product(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.buyers.set_last_product(99, 5)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.buyers.last_product(99) is None


CATALOGUE = (
    "code,variant,title,description,price,currency,stock,ships_to,image_url,title.ru,variant.ru\n"
    "A12,Ivory,Silk scarf,,39.00,EUR,3,*,,Шёлковый платок,Слоновая кость\n"
    "A12,Rose,,,39.00,EUR,0,,,,Розовый\n"
    "C03,,Gold hoops,,29.50,EUR,5,*,,,\n"
)


async def test_questions_read_every_products_titles_and_variant_names(uow_factory: SqlUnitOfWorkFactory) -> None:
    await CatalogueService(uow_factory).import_file(CATALOGUE)
    async with uow_factory() as uow:
        named = {product.code: product for product in await uow.catalogue.named_products()}
    assert named["A12"].titles == {"": "Silk scarf", "ru": "Шёлковый платок"}
    assert set(named["A12"].variants) == {"Ivory", "Слоновая кость", "Rose", "Розовый"}
    assert (named["C03"].titles, named["C03"].variants) == ({"": "Gold hoops"}, ())
