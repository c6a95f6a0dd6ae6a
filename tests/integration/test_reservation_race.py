"""500 buyers order the last 100 units in the same moment: exactly 100 win, nothing is lost or oversold."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.domain.buyer import Buyer
from bot.domain.cart import AddedToCart
from bot.services.cart import SoldOut
from bot.services.catalog import CatalogueService
from storage.engine import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.orders_support import make_shop, scalar, stock_of

BUYERS = 500
UNITS = 100


@pytest.mark.timeout(120)
async def test_500_buyers_race_for_100_units_without_overselling(database_url: str) -> None:
    # A modest pool: PostgreSQL allows 100 connections by default, and SQLite has one writer anyway.
    engine = make_engine(database_url, pool_size=10, max_overflow=10, pool_timeout=120)
    try:
        uow = SqlUnitOfWorkFactory(make_sessionmaker(engine))
        await CatalogueService(uow).import_file(
            "code,variant,title,description,price,currency,stock,ships_to,image_url\n"
            f"LIVE1,,Live deal,,9.99,EUR,{UNITS},*,\n"
        )
        async with uow() as unit:
            for telegram_id in range(1, BUYERS + 1):
                await unit.buyers.add(Buyer(telegram_id=telegram_id, language="en"))
            product = await unit.catalogue.get_by_code("LIVE1")
            await unit.commit()
        assert product is not None
        sku_id = product.skus[0].id
        shop = make_shop(uow)

        started = time.perf_counter()
        results = await asyncio.gather(
            *(shop.cart.add(buyer, sku_id, 1, "en") for buyer in range(1, BUYERS + 1)), return_exceptions=True
        )
        elapsed = time.perf_counter() - started

        others = [result for result in results if not isinstance(result, AddedToCart | SoldOut)]
        assert others == []
        won = [result for result in results if isinstance(result, AddedToCart)]
        assert len(won) == UNITS
        assert sum(isinstance(result, SoldOut) for result in results) == BUYERS - UNITS
        assert await stock_of(engine, sku_id) == 0
        assert await scalar(engine, "SELECT count(*) FROM order_line WHERE sku_id = :id", id=sku_id) == UNITS
        assert await scalar(engine, "SELECT sum(quantity) FROM order_line WHERE sku_id = :id", id=sku_id) == UNITS
        assert await scalar(engine, "SELECT count(*) FROM orders") == UNITS
        print(f"\n{engine.dialect.name}: {BUYERS} buyers, {UNITS} units in {elapsed:.2f}s")
    finally:
        await engine.dispose()
