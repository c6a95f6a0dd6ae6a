"""Holds end on time, once: the reminder is sent once, expiry releases stock and is recorded."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.notices import HoldEndingSoon, HoldExpired
from bot.domain.orders import EventKind, OrderStatus
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.orders_support import START, open_shop, stock_of


async def test_reminder_is_sent_once_before_the_hold_ends(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    await shop.cart.add(1, shop.skus["B7"], 1, "en")
    assert await shop.holds.remind_due(shop.clock.advance(9)) == 0
    # Two instances run the job at the same moment: one buyer, one reminder.
    now = shop.clock.advance(1.5)
    sent = await asyncio.gather(shop.holds.remind_due(now), shop.holds.remind_due(now))
    assert sorted(sent) == [0, 1]
    assert await shop.holds.remind_due(shop.clock.advance(1)) == 0
    [notice] = shop.notifier.sent
    assert isinstance(notice, HoldEndingSoon)
    assert notice.buyer_id == 1
    assert notice.expires_at == START.replace(minute=15)
    assert [line.code for line in notice.cart.lines] == ["B7"]


async def test_each_reminder_names_the_lines_whose_hold_ends(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    await shop.cart.add(1, shop.skus["B7"], 1, "en")
    shop.clock.advance(2)
    await shop.cart.add(1, shop.skus["A12 M"], 1, "en")

    assert await shop.holds.remind_due(shop.clock.advance(9)) == 1  # B7 ends in 4 minutes, A12 M in 6
    assert await shop.holds.remind_due(shop.clock.advance(2)) == 1

    first, second = shop.notifier.sent
    assert isinstance(first, HoldEndingSoon) and isinstance(second, HoldEndingSoon)
    assert [line.code for line in first.ending_lines] == ["B7"]
    assert [(line.code, line.variant) for line in second.ending_lines] == [("A12", "M")]
    assert len(second.cart.lines) == 2


async def test_adding_again_restarts_the_hold_and_the_reminder(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    await shop.cart.add(1, shop.skus["B7"], 1, "en")
    assert await shop.holds.remind_due(shop.clock.advance(11)) == 1
    added = await shop.cart.add(1, shop.skus["B7"], 1, "en")
    assert added.cart.hold_expires_at == START.replace(minute=26)
    assert await shop.holds.expire_due(shop.clock.advance(5)) == 0
    assert await shop.holds.remind_due(shop.clock.advance(6)) == 1


async def test_expiry_releases_stock_tells_the_buyer_and_records_it(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop = await open_shop(uow_factory)
    added = await shop.cart.add(1, shop.skus["B7"], 2, "en")
    assert added.cart.order_id is not None
    assert await shop.holds.expire_due(shop.clock.advance(14)) == 0
    now = shop.clock.advance(1)
    released = await asyncio.gather(shop.holds.expire_due(now), shop.holds.expire_due(now))
    assert sorted(released) == [0, 2]
    assert await stock_of(engine, shop.skus["B7"]) == 5
    [notice] = shop.notifier.sent
    assert isinstance(notice, HoldExpired)
    assert [(line.code, line.quantity) for line in notice.lines] == [("B7", 2)]
    assert (await shop.cart.view(1, "en")).is_empty

    async with uow_factory() as uow:
        events = await uow.orders.events(added.cart.order_id)
    assert [(event.kind, event.to_status) for event in events] == [
        (EventKind.HOLD_EXPIRED, None),
        (EventKind.STATUS, OrderStatus.EXPIRED),
    ]
    assert all(event.at == now for event in events)


async def test_one_line_expiring_leaves_the_rest_of_the_cart(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop = await open_shop(uow_factory)
    await shop.cart.add(1, shop.skus["B7"], 1, "en")
    shop.clock.advance(10)
    await shop.cart.add(1, shop.skus["A12 S"], 1, "en")
    assert await shop.holds.expire_due(shop.clock.advance(5)) == 1
    cart = await shop.cart.view(1, "en")
    assert [line.code for line in cart.lines] == ["A12"]
    assert cart.hold_expires_at == START.replace(minute=25)
    # A new cart after everything expired is a new order.
    assert await shop.holds.expire_due(shop.clock.advance(10)) == 1
    again = await shop.cart.add(1, shop.skus["B7"], 1, "en")
    assert again.cart.order_id != cart.order_id
