"""A variant's translated name (variant.<lang>) is what a buyer reads in their language, from the keyword order to
the cart, the checkout summary, hold notices and waitlist offers; and what they may type, as well as its own name."""

from __future__ import annotations

import pytest

from bot.domain.buyer import Buyer
from bot.domain.checkout import ShippingDetails
from bot.domain.notices import HoldExpired, WaitlistOffer
from bot.services.cart import UnknownVariant, VariantNeeded
from bot.services.catalog import CatalogueService
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.orders_support import Shop, make_shop

CATALOGUE = """code,variant,title,description,price,currency,stock,ships_to,image_url,variant.de,variant.ru
A12,Ivory,Silk scarf,,39.00,EUR,5,*,,Elfenbein,Слоновая кость
A12,Navy,,,39.00,EUR,1,,,Marineblau,
"""
GERMAN, ENGLISH = 1, 2


async def open_scarf_shop(uow_factory: SqlUnitOfWorkFactory) -> tuple[Shop, dict[str, int]]:
    await CatalogueService(uow_factory).import_file(CATALOGUE)
    async with uow_factory() as uow:
        await uow.buyers.add(Buyer(telegram_id=GERMAN, language="de"))
        await uow.buyers.add(Buyer(telegram_id=ENGLISH, language="en"))
        scarf = await uow.catalogue.get_by_code("A12")
        await uow.commit()
    assert scarf is not None
    return make_shop(uow_factory), {sku.variant: sku.id for sku in scarf.skus}


@pytest.mark.parametrize("typed", ["#A12 Elfenbein x2", "#a12 elfenbein 2", "#A12 Ivory x2", "#A12 Слоновая кость x2"])
async def test_a_keyword_order_may_name_the_variant_in_any_of_its_names(
    uow_factory: SqlUnitOfWorkFactory, typed: str
) -> None:
    shop, skus = await open_scarf_shop(uow_factory)
    added = await shop.order_by_keyword(GERMAN, typed, "de")
    assert (added.line.sku_id, added.line.variant, added.quantity_added) == (skus["Ivory"], "Elfenbein", 2)


async def test_refusals_list_the_variants_in_the_buyers_language(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop, _skus = await open_scarf_shop(uow_factory)
    with pytest.raises(UnknownVariant) as unknown:
        await shop.order_by_keyword(GERMAN, "#A12 Rosa", "de")
    assert unknown.value.variants == ["Elfenbein", "Marineblau"]
    with pytest.raises(VariantNeeded) as needed:
        await shop.order_by_keyword(ENGLISH, "#A12", "ru")
    assert needed.value.variants == ["Слоновая кость", "Navy"]


async def test_the_cart_and_checkout_summary_name_variants_in_the_buyers_language(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    shop, skus = await open_scarf_shop(uow_factory)
    await shop.cart.add(GERMAN, skus["Ivory"], 1, "de")
    await shop.cart.add(GERMAN, skus["Navy"], 1, "de")
    assert [line.variant for line in (await shop.cart.view(GERMAN, "de")).lines] == ["Elfenbein", "Marineblau"]
    assert [line.variant for line in (await shop.cart.view(GERMAN, "ru")).lines] == ["Слоновая кость", "Navy"]
    assert [line.variant for line in (await shop.cart.view(GERMAN, "fr")).lines] == ["Ivory", "Navy"]

    await shop.checkout.begin(GERMAN, "de")
    details = ShippingDetails(
        country="DE", name="Jonas Weber", address="Torstraße 1, 10119 Berlin", phone="+49 30 901820"
    )
    summary = await shop.checkout.summary(GERMAN, details, "de")
    assert [line.variant for line in summary.cart.lines] == ["Elfenbein", "Marineblau"]


async def test_hold_notices_and_waitlist_offers_name_the_variant_in_each_buyers_language(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    shop, skus = await open_scarf_shop(uow_factory)
    await shop.cart.add(ENGLISH, skus["Navy"], 1, "en")  # the last one
    assert await shop.waitlist.join(GERMAN, skus["Navy"], 1) == 1

    assert await shop.holds.expire_due(shop.clock.advance(15)) == 1

    [expired] = [notice for notice in shop.notifier.sent if isinstance(notice, HoldExpired)]
    assert [(line.code, line.variant) for line in expired.lines] == [("A12", "Navy")]
    [offer] = [notice for notice in shop.notifier.sent if isinstance(notice, WaitlistOffer)]
    assert (offer.buyer_id, offer.line.variant) == (GERMAN, "Marineblau")
