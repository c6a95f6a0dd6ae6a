"""Waitlists: released and restocked units go to waiting buyers in order, each with its own hold."""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.buyer import Buyer
from bot.domain.notices import HoldExpired, WaitlistOffer
from bot.domain.orders import EventKind
from bot.services.cart import NotEnoughStock, SoldOut
from bot.services.catalog import CatalogueService
from bot.services.waitlist import InStock
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.orders_support import CATALOGUE, START, Shop, open_shop, stock_of


async def medium_sold_out(uow_factory: SqlUnitOfWorkFactory) -> tuple[Shop, int]:
    """The shop with buyer 1 holding every unit of A12 M (2 of them); the SKU's id."""
    shop = await open_shop(uow_factory)
    medium = shop.skus["A12 M"]
    await shop.cart.add(1, medium, 2, "en")
    return shop, medium


async def test_released_units_go_to_the_waitlist_in_order(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop, medium = await medium_sold_out(uow_factory)
    assert await shop.waitlist.join(2, medium, 1) == 1
    assert await shop.waitlist.join(3, medium, 1) == 2
    assert await shop.waitlist.join(4, medium, 1) == 3
    await shop.waitlist.leave(3, medium)
    assert await shop.waitlist.join(2, medium, 1) == 1  # joining again keeps the place

    now = shop.clock.advance(15)
    assert await shop.holds.expire_due(now) == 2
    offers = [notice for notice in shop.notifier.sent if isinstance(notice, WaitlistOffer)]
    assert [(offer.buyer_id, offer.line.quantity) for offer in offers] == [(2, 1), (4, 1)]
    assert all(offer.expires_at == START.replace(minute=30) for offer in offers)
    assert [notice.buyer_id for notice in shop.notifier.sent if isinstance(notice, HoldExpired)] == [1]
    assert await stock_of(engine, medium) == 0
    second = await shop.cart.view(2, "en")
    assert [(line.variant, line.quantity) for line in second.lines] == [("M", 1)]
    assert second.lines[0].unit_price.currency == "JPY"
    async with uow_factory() as uow:
        assert second.order_id is not None
        assert [event.kind for event in await uow.orders.events(second.order_id)] == [EventKind.WAITLIST_OFFER]


async def test_restocked_units_are_offered_once_even_by_two_instances(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop = await open_shop(uow_factory)
    large = shop.skus["A12 L"]
    for buyer in (1, 2, 3):
        await shop.waitlist.join(buyer, large, 2 if buyer == 2 else 1)
    async with engine.begin() as connection:  # what a catalogue re-import does
        await connection.execute(sa.text("UPDATE sku SET stock = 2 WHERE id = :id"), {"id": large})
    now = shop.clock.now
    offered = await asyncio.gather(shop.waitlist.offer_restocked([large], now), shop.waitlist.offer_restocked(now=now))
    # Buyer 1 gets theirs; buyer 2 wants 2 and gets the 1 left, keeping their place for the other; 3 waits.
    assert sum(offered) == 2
    assert [(n.buyer_id, n.line.quantity) for n in shop.notifier.sent if isinstance(n, WaitlistOffer)] == [
        (1, 1),
        (2, 1),
    ]
    assert await stock_of(engine, large) == 0
    assert await shop.waitlist.join(2, large, 1) == 1  # still first in line, for the one still missing
    async with engine.begin() as connection:
        await connection.execute(sa.text("UPDATE sku SET stock = 1 WHERE id = :id"), {"id": large})
    assert await shop.waitlist.offer_restocked(now=now) == 1
    assert [line.quantity for line in (await shop.cart.view(2, "en")).lines] == [2]
    assert await shop.waitlist.join(3, large, 1) == 1


async def test_units_released_while_others_wait_go_to_the_waitlist_not_to_the_next_order(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop, medium = await medium_sold_out(uow_factory)
    await shop.waitlist.join(2, medium, 1)

    await shop.cart.remove(1, medium, "en")  # 2 units back; buyer 2 waits for 1 of them

    with pytest.raises(NotEnoughStock) as short:
        await shop.cart.add(3, medium, 2, "en")  # a live buyer cannot take the waiting buyer's unit
    assert short.value.available == 1
    await shop.cart.add(3, medium, 1, "en")
    with pytest.raises(SoldOut):
        await shop.cart.add(4, medium, 1, "en")
    assert await shop.waitlist.offer_restocked(now=shop.clock.now) == 1
    assert [line.quantity for line in (await shop.cart.view(2, "en")).lines] == [1]
    assert await stock_of(engine, medium) == 0


async def test_a_waiting_buyer_who_orders_the_sku_leaves_the_waitlist(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop, medium = await medium_sold_out(uow_factory)
    await shop.waitlist.join(2, medium, 1)
    await shop.cart.remove(1, medium, "en")

    await shop.cart.add(2, medium, 1, "en")  # their own wait does not stand in their way

    assert await shop.waitlist.leave(2, medium) is False
    assert await stock_of(engine, medium) == 1


async def test_a_re_import_keeps_units_held_in_carts_off_sale(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop = await open_shop(uow_factory)
    belt = shop.skus["B7"]
    await shop.cart.add(1, belt, 2, "en")
    await CatalogueService(uow_factory).import_file(CATALOGUE)  # the same file again: 5 belts not yet sold
    assert await stock_of(engine, belt) == 3
    await CatalogueService(uow_factory).import_file(CATALOGUE.replace("Brown,25.00,EUR,5", "Brown,25.00,EUR,9"))
    assert await stock_of(engine, belt) == 7
    await shop.holds.expire_due(shop.clock.advance(15))
    assert await stock_of(engine, belt) == 9


async def test_a_buyer_who_blocked_the_bot_is_skipped_on_the_waitlist(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop, medium = await medium_sold_out(uow_factory)
    await shop.waitlist.join(2, medium, 1)
    await shop.waitlist.join(3, medium, 1)
    async with uow_factory() as uow:
        await uow.buyers.set_blocked(2, True)
        await uow.commit()

    now = shop.clock.advance(15)
    await shop.holds.expire_due(now)

    offers = [notice.buyer_id for notice in shop.notifier.sent if isinstance(notice, WaitlistOffer)]
    assert offers == [3]
    assert [(line.variant, line.quantity) for line in (await shop.cart.view(3, "en")).lines] == [("M", 1)]
    assert (await shop.cart.view(2, "en")).is_empty
    assert await stock_of(engine, medium) == 1  # the blocked buyer's unit is on sale, not held for nobody


async def test_units_taken_off_sale_while_held_do_not_come_back_when_the_hold_ends(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop = await open_shop(uow_factory)
    belt = shop.skus["B7"]
    await shop.cart.add(1, belt, 4, "en")  # 4 of the 5 belts held

    # Mid-stream the merchant finds damaged belts: the file now says 1 not yet sold.
    await CatalogueService(uow_factory).import_file(CATALOGUE.replace("Brown,25.00,EUR,5", "Brown,25.00,EUR,1"))
    assert await stock_of(engine, belt) == 0

    await shop.cart.set_quantity(1, belt, 2, "en")  # 2 released: both were among those taken off sale
    assert await stock_of(engine, belt) == 0
    await shop.holds.expire_due(shop.clock.advance(15))  # the last 2: one of them is the 1 left to sell

    assert await stock_of(engine, belt) == 1
    bought = await asyncio.gather(*(shop.cart.add(buyer, belt, 1, "en") for buyer in (2, 3)), return_exceptions=True)
    assert sum(1 for result in bought if not isinstance(result, BaseException)) == 1


async def test_an_offer_nobody_can_be_told_of_goes_to_the_next_in_line(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop, medium = await medium_sold_out(uow_factory)
    await shop.waitlist.join(2, medium, 1)
    await shop.waitlist.join(3, medium, 1)
    shop.notifier.unreachable.add(2)  # blocked the bot after joining; the bot learns it when the offer is refused

    await shop.cart.remove(1, medium, "en")
    assert await shop.waitlist.offer_restocked(now=shop.clock.now) == 1

    assert (await shop.cart.view(2, "en")).is_empty
    assert [(line.variant, line.quantity) for line in (await shop.cart.view(3, "en")).lines] == [("M", 1)]
    assert await stock_of(engine, medium) == 1
    async with uow_factory() as uow:
        cart = await uow.orders.find_open(2)
        assert cart is not None
        kinds = [event.kind for event in await uow.orders.events(cart.order_id)]
    assert kinds == [EventKind.WAITLIST_OFFER, EventKind.WAITLIST_WITHDRAWN]


async def test_a_commenter_who_never_started_the_bot_is_not_offered_units(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop, medium = await medium_sold_out(uow_factory)
    async with uow_factory() as uow:
        await uow.buyers.add(Buyer(telegram_id=9, language="de", started=False))
        await uow.commit()
    await shop.waitlist.join(9, medium, 1)
    await shop.waitlist.join(3, medium, 1)

    await shop.cart.remove(1, medium, "en")
    await shop.waitlist.offer_restocked(now=shop.clock.now)

    assert (await shop.cart.view(9, "en")).is_empty
    assert [line.quantity for line in (await shop.cart.view(3, "en")).lines] == [1]
    assert await shop.waitlist.leave(9, medium) is False


async def test_nobody_waits_for_what_they_could_order_now(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    medium = shop.skus["A12 M"]  # 2 on sale

    with pytest.raises(InStock) as in_stock:
        await shop.waitlist.join(1, medium, 2)  # a stale or forged button
    assert in_stock.value.available == 2

    await shop.cart.add(2, medium, 1, "en")
    assert await shop.waitlist.join(3, medium, 2) == 1  # only 1 left: waiting for 2 is fair
    assert await shop.waitlist.join(4, medium, 1) == 2  # the 1 left is held back for buyer 3
