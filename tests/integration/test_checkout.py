"""Checkout: shipping country, summary in the buyer's currency, confirming locks the rate; every move recorded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.checkout import ShippingDetails
from bot.domain.countries import UnknownCountry
from bot.domain.fx import Rates
from bot.domain.money import Money
from bot.domain.orders import EventKind, OrderStatus
from bot.services.cart import CartChanged, EmptyCart
from bot.services.checkout import CannotShip
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.orders_support import RATES, START, open_shop, scalar, stock_of

TO_BERLIN = ShippingDetails(
    country="de", name="Ada Lovelace", address="Unter den Linden 1, Berlin", phone="+49 30 1234567"
)
TO_TOKYO = ShippingDetails(country="JP", name="Sei Shonagon", address="1-1 Chiyoda, Tokyo", phone="+81 3 1234 5678")


async def test_checkout_with_an_empty_cart_is_refused(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    with pytest.raises(EmptyCart):
        await shop.checkout.begin(1, "en")


async def test_country_check_names_what_cannot_ship(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    await shop.cart.add(1, shop.skus["B7"], 1, "en")  # ships to DE FR only
    await shop.cart.add(1, shop.skus["A12 S"], 1, "en")
    await shop.checkout.begin(1, "en")
    assert await shop.checkout.check_country(1, "de", "en") == []
    assert [line.code for line in await shop.checkout.check_country(1, "JP", "en")] == ["B7"]
    with pytest.raises(UnknownCountry):
        await shop.checkout.check_country(1, "XQ", "en")
    with pytest.raises(CannotShip) as refused:
        await shop.checkout.summary(1, TO_TOKYO, "en")
    assert [line.code for line in refused.value.lines] == ["B7"]


async def test_summary_then_confirm_locks_the_rate_and_awaits_payment(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop = await open_shop(uow_factory)
    await shop.cart.add(2, shop.skus["A12 S"], 2, "en")  # buyer 2 lives in Japan: JPY
    cart = await shop.checkout.begin(2, "en")
    summary = await shop.checkout.summary(2, TO_TOKYO, "en")
    assert summary.currency == "JPY"
    assert summary.rate == Decimal("161.25")
    assert summary.cart.subtotal == Money(6418, "JPY")  # 2 x 3209
    assert summary.shipping_fee == Money(3209, "JPY")  # 19.90 EUR to the rest of the world
    assert summary.total == Money(9627, "JPY")

    # Today's rate moves after the summary; the order keeps the one the buyer saw.
    shop.cart.pricing.rates_source.rates = Rates(base="EUR", rates={**RATES.rates, "JPY": Decimal("170")})  # type: ignore[attr-defined]
    shop.clock.advance(2)
    placed = await shop.checkout.confirm(2, TO_TOKYO, "en")
    assert placed.status is OrderStatus.AWAITING_PAYMENT
    assert placed.total == Money(9627, "JPY")
    assert placed.order_id == cart.order_id
    assert await scalar(engine, "SELECT fx_rate FROM orders WHERE id = :id", id=placed.order_id) == "161.25"
    assert await scalar(engine, "SELECT ship_country FROM orders WHERE id = :id", id=placed.order_id) == "JP"

    # Placed: no longer on a timer, and the buyer's next add starts a new cart.
    assert await shop.holds.expire_due(shop.clock.advance(60)) == 0
    assert await stock_of(engine, shop.skus["A12 S"]) == 1
    assert (await shop.cart.view(2, "en")).is_empty
    [listed] = await shop.orders.list_for(2, "en")
    assert (listed.order_id, listed.status, listed.total, listed.lines, listed.units) == (
        placed.order_id,
        OrderStatus.AWAITING_PAYMENT,
        Money(9627, "JPY"),
        1,
        2,
    )

    async with uow_factory() as uow:
        events = await uow.orders.events(placed.order_id)
    assert [(event.kind, event.from_status, event.to_status, event.at) for event in events] == [
        (EventKind.STATUS, OrderStatus.CART, OrderStatus.CHECKOUT, START),
        (EventKind.STATUS, OrderStatus.CHECKOUT, OrderStatus.AWAITING_PAYMENT, START.replace(minute=2)),
    ]


async def test_a_cart_changed_after_the_summary_cannot_be_confirmed(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    await shop.cart.add(1, shop.skus["B7"], 1, "en")
    summary = await shop.checkout.summary(1, TO_BERLIN, "en")
    assert summary.shipping_fee == Money(490, "EUR")  # Germany's own fee beats the EU zone's
    await shop.cart.add(1, shop.skus["A12 S"], 1, "en")
    with pytest.raises(CartChanged):
        await shop.checkout.confirm(1, TO_BERLIN, "en")
    summary = await shop.checkout.summary(1, TO_BERLIN, "en")
    assert summary.total == Money(2500 + 1990 + 490, "EUR")
    placed = await shop.checkout.confirm(1, TO_BERLIN, "en")
    assert placed.total == summary.total


async def test_a_hold_that_ended_before_confirming_is_a_changed_cart(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    await shop.cart.add(1, shop.skus["B7"], 1, "en")
    await shop.checkout.summary(1, TO_BERLIN, "en")
    shop.clock.advance(16)  # the job has not released it yet, but the hold is over
    with pytest.raises(CartChanged):
        await shop.checkout.confirm(1, TO_BERLIN, "en")


async def test_cancelling_checkout_keeps_the_cart_and_its_holds(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    await shop.cart.add(1, shop.skus["B7"], 1, "en")
    cart = await shop.checkout.begin(1, "en")
    await shop.checkout.cancel(1)
    after = await shop.cart.view(1, "en")
    assert (after.order_id, after.hold_expires_at) == (cart.order_id, cart.hold_expires_at)
    [listed] = await shop.orders.list_for(1, "en")
    assert (listed.status, listed.total) == (OrderStatus.CART, Money(2500, "EUR"))


async def test_confirming_other_details_than_the_summary_showed_is_refused(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    await shop.cart.add(1, shop.skus["A12 S"], 1, "en")
    with pytest.raises(CartChanged):
        await shop.checkout.confirm(1, TO_BERLIN, "en")  # no summary yet
    await shop.checkout.summary(1, TO_BERLIN, "en")
    with pytest.raises(CartChanged):
        await shop.checkout.confirm(1, TO_TOKYO, "en")  # another country, another fee
    placed = await shop.checkout.confirm(1, TO_BERLIN, "en")
    assert placed.total == Money(1990 + 490, "EUR")
