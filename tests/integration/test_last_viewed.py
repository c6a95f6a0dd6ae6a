"""The product a buyer saw last is remembered per buyer, so a question naming no product is about it."""

from __future__ import annotations

from bot.domain.buyer import Buyer
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
