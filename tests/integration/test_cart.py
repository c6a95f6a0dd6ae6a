"""The cart over both backends: adding reserves stock, changing and removing gives it back."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.money import Money
from bot.services.cart import (
    BadQuantity,
    CartChanged,
    NotEnoughStock,
    QuantityLimit,
    SoldOut,
    UnknownCode,
    UnknownVariant,
    VariantNeeded,
)
from bot.services.catalog import CatalogueService, ProductNotFound
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.orders_support import CATALOGUE, START, open_shop, scalar, stock_of


async def test_adding_reserves_stock_and_starts_the_hold(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop = await open_shop(uow_factory)
    added = await shop.cart.add(1, shop.skus["A12 S"], 2, "de")
    assert added.quantity_added == 2
    assert added.line.title == "Seidenschal"
    assert added.line.line_total == Money(3980, "EUR")
    assert added.cart.subtotal == Money(3980, "EUR")
    assert added.cart.hold_expires_at == START.replace(minute=15)
    assert await stock_of(engine, shop.skus["A12 S"]) == 1


async def test_adding_the_same_sku_again_adds_to_its_line(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    await shop.cart.add(1, shop.skus["B7"], 1, "en")
    added = await shop.cart.add(1, shop.skus["B7"], 2, "en")
    assert [(line.code, line.quantity) for line in added.cart.lines] == [("B7", 3)]


async def test_sold_out_and_short_stock_are_told_apart(uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine) -> None:
    shop = await open_shop(uow_factory)
    with pytest.raises(SoldOut) as sold_out:
        await shop.cart.add(1, shop.skus["A12 L"], 1, "en")
    assert (sold_out.value.code, sold_out.value.variant) == ("A12", "L")
    with pytest.raises(NotEnoughStock) as short:
        await shop.cart.add(1, shop.skus["A12 M"], 3, "en")
    assert short.value.available == 2
    assert await stock_of(engine, shop.skus["A12 M"]) == 2
    assert await scalar(engine, "SELECT count(*) FROM orders") == 0


async def test_a_line_never_exceeds_the_quantity_limit(uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine) -> None:
    shop = await open_shop(uow_factory, max_quantity=3)
    await shop.cart.add(1, shop.skus["B7"], 2, "en")
    with pytest.raises(QuantityLimit):
        await shop.cart.add(1, shop.skus["B7"], 2, "en")
    with pytest.raises(QuantityLimit):
        await shop.cart.add(1, shop.skus["B7"], 4, "en")
    assert await stock_of(engine, shop.skus["B7"]) == 3


async def test_unknown_sku_is_not_found(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    with pytest.raises(ProductNotFound):
        await shop.cart.add(1, 9999, 1, "en")


async def test_change_quantity_remove_and_empty_give_stock_back(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop = await open_shop(uow_factory)
    belt, scarf = shop.skus["B7"], shop.skus["A12 S"]
    await shop.cart.add(1, belt, 1, "en")
    await shop.cart.add(1, scarf, 1, "en")

    cart = await shop.cart.set_quantity(1, belt, 4, "en")
    assert [line.quantity for line in cart.lines] == [4, 1]
    assert await stock_of(engine, belt) == 1
    with pytest.raises(NotEnoughStock):
        await shop.cart.set_quantity(1, belt, 6, "en")

    cart = await shop.cart.set_quantity(1, belt, 2, "en")
    assert await stock_of(engine, belt) == 3
    cart = await shop.cart.remove(1, scarf, "en")
    assert [line.code for line in cart.lines] == ["B7"]
    assert await stock_of(engine, scarf) == 3
    cart = await shop.cart.set_quantity(1, belt, 0, "en")
    assert cart.is_empty

    await shop.cart.add(1, belt, 2, "en")
    await shop.cart.add(1, scarf, 3, "en")
    await shop.cart.empty(1)
    assert (await shop.cart.view(1, "en")).is_empty
    assert (await stock_of(engine, belt), await stock_of(engine, scarf)) == (5, 3)


async def test_removing_what_is_not_in_the_cart_changes_nothing(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop = await open_shop(uow_factory)
    belt, scarf = shop.skus["B7"], shop.skus["A12 S"]
    with pytest.raises(CartChanged):
        await shop.cart.remove(1, belt, "en")  # no cart at all
    await shop.cart.add(1, belt, 1, "en")

    with pytest.raises(CartChanged):
        await shop.cart.remove(1, scarf, "en")  # a stale or forged button

    assert [line.code for line in (await shop.cart.view(1, "en")).lines] == ["B7"]
    assert (await stock_of(engine, belt), await stock_of(engine, scarf)) == (4, 3)


async def test_leaving_a_waitlist_says_whether_the_buyer_was_on_it(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    await shop.waitlist.join(1, shop.skus["A12 L"], 1)

    assert await shop.waitlist.leave(1, shop.skus["A12 L"]) is True
    assert await shop.waitlist.leave(1, shop.skus["A12 L"]) is False


async def test_prices_show_in_the_buyers_currency(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    in_japan = await shop.cart.add(2, shop.skus["A12 S"], 1, "en")  # country JP
    assert in_japan.line.unit_price == Money(3209, "JPY")  # 19.90 * 161.25 = 3208.875
    chose_usd = await shop.cart.add(3, shop.skus["C3"], 1, "en")  # priced in JPY, shop in EUR, buyer in USD
    # 3000 JPY -> 18.60 EUR (18.6046...) -> 20.18 USD (18.60 * 1.085 = 20.181)
    assert chose_usd.line.unit_price == Money(2018, "USD")


async def test_one_open_cart_per_buyer_is_enforced_by_the_database(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop = await open_shop(uow_factory)
    await shop.cart.add(1, shop.skus["B7"], 1, "en")
    with pytest.raises(IntegrityError):
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO orders (buyer_id, status, currency, total_minor, subtotal_minor, shipping_minor,"
                    " created_at, updated_at) VALUES (1, 'checkout', 'EUR', 0, 0, 0, :now, :now)"
                ),
                {"now": START},
            )


async def test_keyword_order_adds_at_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    added = await shop.order_by_keyword(1, "a12 m x2")
    assert (added.line.code, added.line.variant, added.quantity_added) == ("A12", "M", 2)
    added = await shop.order_by_keyword(1, "#B7")
    assert (added.line.code, added.quantity_added) == ("B7", 1)
    added = await shop.order_by_keyword(1, "sold A12 s")
    assert added.line.variant == "S"


async def test_keyword_mistakes_get_helpful_answers(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    assert await shop.keywords.read("hello", private=True) is None
    with pytest.raises(UnknownCode) as unknown:
        await shop.order_by_keyword(1, "A21 M")
    assert [suggestion.code for suggestion in unknown.value.suggestions] == ["A12"]
    assert unknown.value.suggestions[0].sku_id == shop.skus["A12 M"]
    with pytest.raises(VariantNeeded) as needed:
        await shop.order_by_keyword(1, "A12")
    assert needed.value.variants == ["S", "M", "L"]
    with pytest.raises(UnknownVariant) as wrong:
        await shop.order_by_keyword(1, "A12 XL")
    assert (wrong.value.variant, wrong.value.variants) == ("XL", ["S", "M", "L"])
    with pytest.raises(BadQuantity) as bad:
        await shop.order_by_keyword(1, "A12 S x1000")
    assert (bad.value.quantity, bad.value.maximum) == (1000, 10)
    with pytest.raises(SoldOut):
        await shop.order_by_keyword(1, "A12 L")


async def test_a_keyword_order_for_an_sku_retired_since_the_codes_were_loaded_is_refused(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    shop = await open_shop(uow_factory)
    order = await shop.keywords.read("B7", private=True)
    assert order is not None
    await CatalogueService(uow_factory).import_file(
        CATALOGUE.replace("B7,,Leather belt,Brown,25.00,EUR,5,DE FR,,Ledergürtel\n", "")
    )
    with pytest.raises(ProductNotFound):
        await shop.cart.add_by_keyword(1, order, "en")


async def test_a_buyer_nobody_registered_can_still_add(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    added = await shop.cart.add(424242, shop.skus["B7"], 1, "de")
    assert added.line.title == "Ledergürtel"
    async with uow_factory() as uow:
        buyer = await uow.buyers.get(424242)
    assert buyer is not None
    assert buyer.language == "de"


async def test_simultaneous_first_adds_share_one_cart(uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine) -> None:
    shop = await open_shop(uow_factory)
    await asyncio.gather(*(shop.cart.add(1, shop.skus[name], 1, "en") for name in ("B7", "A12 S", "A12 M", "C3")))
    assert await scalar(engine, "SELECT count(*) FROM orders WHERE buyer_id = 1") == 1
    assert len((await shop.cart.view(1, "en")).lines) == 4
