"""The gauges /metrics reads from the database (storage/observed.py), on SQLite and PostgreSQL: orders by status, and
the broadcast sends still waiting (of running broadcasts only)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.broadcasts import Audience, BroadcastKind
from bot.domain.orders import OrderStatus
from storage.observed import SqlShopGauges
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.orders_support import open_shop
from tests.integration.test_broadcasts import GROUP, RecordingSender, service, subscribers


async def test_orders_are_counted_by_status(uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine) -> None:
    gauges = SqlShopGauges(engine)
    assert await gauges.orders_by_status() == {}
    await open_shop(uow_factory, buyers=3)
    now = datetime.now(UTC)
    async with uow_factory() as uow:
        carts = [await uow.orders.open_cart(buyer, "EUR", now) for buyer in (1, 2, 3)]
        assert await uow.orders.set_status(carts[0].order_id, OrderStatus.CART, OrderStatus.CHECKOUT, now)
        await uow.commit()
    assert await gauges.orders_by_status() == {"cart": 2, "checkout": 1}


async def test_pending_sends_are_those_of_running_broadcasts_not_yet_sent(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    gauges = SqlShopGauges(engine)
    assert await gauges.pending_sends() == 0
    await subscribers(uow_factory, 4)
    broadcasts = service(uow_factory, RecordingSender())
    await broadcasts.open(BroadcastKind.ANNOUNCEMENT, 77, Audience(chats=(GROUP,)))
    assert await gauges.pending_sends() == 5  # four subscribers and the group
    await broadcasts.run_pending()
    assert await gauges.pending_sends() == 0
