"""What the flash-sale speed-ups must not cost: keyword orders racing for the last units (the lookup and the
reservation in one unit, the reservation last) never oversell, and SQLite's in-process turn never deadlocks."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.buyer import Buyer
from bot.domain.cart import AddedToCart
from bot.services.cart import CartService, SoldOut
from bot.services.catalog import CatalogueService
from bot.services.keywords import KeywordService
from bot.services.pricing import Pricing
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.orders_support import StaticRates, scalar

BUYERS = 120
UNITS = 30
HEADER = "code,variant,title,description,price,currency,stock,ships_to,image_url\n"


def keyword_cart(uow: SqlUnitOfWorkFactory) -> CartService:
    return CartService(uow, Pricing(StaticRates(), "EUR"))


@pytest.mark.timeout(120)
async def test_keyword_orders_racing_for_the_last_units_never_oversell(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    await CatalogueService(uow_factory).import_file(f"{HEADER}FLASH1,,Flash deal,,9.90,EUR,{UNITS},*,\n")
    cart = keyword_cart(uow_factory)
    order = await KeywordService(uow_factory).read("FLASH1", private=False)
    assert order is not None

    results = await asyncio.gather(
        *(cart.add_by_keyword(buyer, order, "en") for buyer in range(1, BUYERS + 1)), return_exceptions=True
    )

    assert [result for result in results if not isinstance(result, AddedToCart | SoldOut)] == []
    assert sum(isinstance(result, AddedToCart) for result in results) == UNITS
    assert await scalar(engine, "SELECT stock FROM sku") == 0
    assert await scalar(engine, "SELECT sum(quantity) FROM order_line") == UNITS
    assert await scalar(engine, "SELECT count(*) FROM orders") == UNITS


async def test_a_unit_of_work_opened_inside_another_in_the_same_task_does_not_wait_for_itself(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    async with asyncio.timeout(10):
        async with uow_factory() as outer:
            await outer.buyers.add(Buyer(telegram_id=1, language="en"))
            await outer.rollback()
            async with uow_factory() as inner:
                await inner.buyers.add(Buyer(telegram_id=2, language="en"))
                await inner.commit()
        async with uow_factory() as check:
            assert await check.buyers.get(1) is None
            assert await check.buyers.get(2) is not None


async def test_units_of_work_in_other_tasks_take_turns_and_all_finish(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    async def register(telegram_id: int) -> None:
        async with uow_factory() as unit:
            await unit.buyers.add_if_missing(Buyer(telegram_id=telegram_id, language="en"))
            await asyncio.sleep(0)  # let the others try to start meanwhile
            await unit.commit()

    async with asyncio.timeout(30):
        await asyncio.gather(*(register(telegram_id) for telegram_id in range(1, 51)))
    assert await scalar(engine, "SELECT count(*) FROM buyer") == 50
