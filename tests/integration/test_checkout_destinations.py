"""Where a whole cart can go, and one currency from the cart to the checkout summary (SQLite and PostgreSQL)."""

from __future__ import annotations

from bot.domain.checkout import ShippingDetails
from bot.services.buyers import BuyerService
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.orders_support import open_shop

TO_PARIS = ShippingDetails(country="FR", name="Ada Lovelace", address="1 rue de Rivoli, Paris", phone="06 12 34 56 78")


async def test_destinations_are_where_every_line_ships_and_the_shop_has_a_fee(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    shop = await open_shop(uow_factory)
    await shop.cart.add(1, shop.skus["A12 S"], 1, "en")  # ships everywhere
    await shop.cart.add(1, shop.skus["B7"], 1, "en")  # DE FR only
    destinations = await shop.checkout.destinations(1, "en", ["GB", "FR"])
    assert destinations.countries == {"DE", "FR"}
    assert destinations.offered == ("FR", "DE")  # the preferred one first; GB is no destination of this cart


async def test_a_large_choice_offers_the_buyers_own_country_first(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    await shop.cart.add(2, shop.skus["C3"], 1, "en")  # ships everywhere; buyer 2's last order went to Japan
    destinations = await shop.checkout.destinations(2, "en")
    assert destinations.offered[0] == "JP"
    assert destinations.more_than_offered and "US" in destinations.countries


async def test_a_brazilian_app_sees_reais_from_the_cart_to_the_summary(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    buyers = BuyerService(uow_factory, supported_languages=["en", "pt"], default_language="en")
    await buyers.register(77, "pt-br", "João")
    added = await shop.cart.add(77, shop.skus["A12 S"], 2, "pt")
    assert added.cart.currency == "BRL"
    cart = await shop.cart.view(77, "pt")
    summary = await shop.checkout.summary(77, TO_PARIS, "pt")  # shipped to France: still reais
    assert summary.currency == "BRL"
    assert summary.cart.subtotal == cart.subtotal == added.cart.subtotal
    assert [line.line_total for line in summary.cart.lines] == [line.line_total for line in cart.lines]
    placed = await shop.checkout.confirm(77, TO_PARIS, "pt")
    assert placed.total.currency == "BRL" and placed.total == summary.total


async def test_an_explicit_currency_beats_the_app_languages(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    buyers = BuyerService(uow_factory, supported_languages=["en", "de"], default_language="en")
    await buyers.register(78, "de-ch", "Heidi")
    assert (await shop.cart.add(78, shop.skus["A12 S"], 1, "de")).cart.currency == "CHF"
    await buyers.set_currency(78, "USD")
    assert (await shop.cart.view(78, "de")).subtotal.currency == "USD"
    assert (await shop.checkout.summary(78, TO_PARIS, "de")).total.currency == "USD"


async def test_a_buyer_known_before_regions_gets_one_from_their_app(uow_factory: SqlUnitOfWorkFactory) -> None:
    await open_shop(uow_factory)
    buyers = BuyerService(uow_factory, supported_languages=["en"], default_language="en")
    assert (await buyers.register(4, "en-GB")).region == "GB"  # buyer 4 was added without one
    assert (await buyers.register(5, "en")).region is None
    async with uow_factory() as unit:
        buyer = await unit.buyers.get(4)
    assert buyer is not None and buyer.region == "GB"
