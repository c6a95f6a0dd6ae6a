"""Prices as a buyer sees them, in one currency from the product card to the checkout summary: the one they chose
(/currency), else the one of the country their app language names (pt-BR: reais), else the one of the country their
last order went to, else the shop's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from bot.domain.buyer import Buyer
from bot.domain.cart import Cart, HeldItem, build_cart, display_price
from bot.domain.catalog import Product
from bot.domain.fx import Rates, UnknownRate, currency_for_country, is_money
from bot.ports import RatesSource, UnitOfWork


@dataclass(frozen=True, slots=True)
class Pricing:
    """Prices in the buyer's currency: the one they chose, else their country's, else the shop's."""

    rates_source: RatesSource
    shop_currency: str

    async def rates(self) -> Rates:
        return await self.rates_source.latest()

    async def currencies(self) -> list[str]:
        """The currencies prices can be shown in: money the exchange rates cover."""
        rates = await self.rates()
        return sorted(code for code in {rates.base, *rates.rates} if is_money(code))

    def currency_for(self, buyer: Buyer | None, rates: Rates) -> str:
        """The buyer's currency. Choosing where to ship at checkout does not change it (the country is remembered
        when the order is placed), so the cart and the summary show the same currency and the same amounts."""
        if buyer is not None and rates.knows(self.shop_currency):
            chosen = buyer.currency
            if chosen and is_money(chosen) and rates.knows(chosen):
                return chosen
        return self.country_currency(buyer, rates) or self.shop_currency

    def country_currency(self, buyer: Buyer | None, rates: Rates) -> str | None:
        """The currency of the buyer's country (their app language's region, else where their last order went) when
        the rates cover it; None when the country is not known yet."""
        if buyer is None or not rates.knows(self.shop_currency):
            return None
        for country in (buyer.region, buyer.country):
            currency = currency_for_country(country) if country else None
            if currency and is_money(currency) and rates.knows(currency):
                return currency
        return None

    def cart(
        self,
        order_id: int | None,
        buyer_id: int,
        items: Sequence[HeldItem],
        rates: Rates,
        currency: str,
        rate: Decimal | None = None,
    ) -> Cart:
        return build_cart(order_id, buyer_id, items, rates, self.shop_currency, currency, rate)

    async def view(self, uow: UnitOfWork, buyer_id: int, order_id: int | None, language: str, rates: Rates) -> Cart:
        """The buyer's cart as it is inside the open unit of work."""
        currency = self.currency_for(await uow.buyers.get(buyer_id), rates)
        items = await uow.orders.items(order_id, language) if order_id is not None else ()
        return self.cart(order_id, buyer_id, items, rates, currency)

    async def product(self, uow: UnitOfWork, buyer_id: int, product: Product) -> Product:
        """The product with each SKU priced in the buyer's currency, the way their cart will price it."""
        rates = await self.rates()
        currency = self.currency_for(await uow.buyers.get(buyer_id), rates)
        try:
            skus = tuple(
                replace(sku, price=display_price(sku.price, rates, self.shop_currency, currency))
                for sku in product.skus
            )
        except UnknownRate:
            return product  # a SKU priced in a currency the rates lack: show it as the catalogue has it
        return replace(product, skus=skus)
