"""Checkout: where the cart can ship, what it costs in the buyer's currency, and placing the order."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bot.domain.cart import Cart, CartLine, HeldItem
from bot.domain.checkout import CheckoutSummary, ShippingDetails
from bot.domain.countries import check_country
from bot.domain.fx import Rates
from bot.domain.orders import OrderStatus, PlacedOrder, check_transition
from bot.domain.shipping import Destinations, ShippingTable, cart_destinations
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.cart import CartChanged, Clock, EmptyCart, utc_now
from bot.services.pricing import Pricing


class CannotShip(Exception):
    """Some lines cannot ship to the chosen country."""

    def __init__(self, country: str, lines: list[CartLine]) -> None:
        super().__init__(f"cannot ship {', '.join(line.code for line in lines)} to {country}")
        self.country = country
        self.lines = lines


def _ships(item: HeldItem, country: str) -> bool:
    return "*" in item.ships_to or country in item.ships_to


class CheckoutService:
    def __init__(
        self, uow: UnitOfWorkFactory, pricing: Pricing, shipping: ShippingTable, clock: Clock = utc_now
    ) -> None:
        self.uow = uow
        self.pricing = pricing
        self.shipping = shipping
        self.clock = clock

    async def begin(self, buyer_id: int, language: str) -> Cart:
        """Move the cart into checkout (holds are kept); EmptyCart when there is nothing to buy."""
        rates = await self.pricing.rates()
        now = self.clock()
        async with self.uow() as uow:
            cart = await uow.orders.lock_open(buyer_id, now)
            view = await self.pricing.view(uow, buyer_id, cart.order_id if cart else None, language, rates)
            if cart is None or view.is_empty:
                raise EmptyCart(buyer_id)
            if cart.status is OrderStatus.CART:
                check_transition(cart.status, OrderStatus.CHECKOUT)
                await uow.orders.set_status(cart.order_id, cart.status, OrderStatus.CHECKOUT, now)
            await uow.commit()
        return view

    async def destinations(self, buyer_id: int, language: str, preferred: Sequence[str | None] = ()) -> Destinations:
        """Where the whole cart can go, offering first the `preferred` countries, then the buyer's own (from their
        app language) and their last order's."""
        async with self.uow() as uow:
            buyer = await uow.buyers.get(buyer_id)
            cart = await uow.orders.find_open(buyer_id)
            items = await uow.orders.items(cart.order_id, language) if cart else ()
        hints = [*preferred, *((buyer.region, buyer.country) if buyer else ())]
        lines = [(f"{item.code} {item.variant}".strip(), item.ships_to) for item in items]
        return cart_destinations(lines, self.shipping, hints)

    async def check_country(self, buyer_id: int, country: str, language: str) -> list[CartLine]:
        """Lines that cannot ship to `country` (all of them when the shop has no fee for it); empty: fine."""
        code = check_country(country)
        rates = await self.pricing.rates()
        async with self.uow() as uow:
            cart = await uow.orders.find_open(buyer_id)
            items = await uow.orders.items(cart.order_id, language) if cart else ()
            view = await self.pricing.view(uow, buyer_id, cart.order_id if cart else None, language, rates)
        return self._unshippable(items, view, code)

    def _unshippable(self, items: Sequence[HeldItem], view: Cart, country: str) -> list[CartLine]:
        if self.shipping.fee_for(country) is None:
            return list(view.lines)
        blocked = {item.sku_id for item in items if not _ships(item, country)}
        return [line for line in view.lines if line.sku_id in blocked]

    async def summary(self, buyer_id: int, details: ShippingDetails, language: str) -> CheckoutSummary:
        """What the buyer will pay, in their currency, with the rate that confirming will keep."""
        rates = await self.pricing.rates()
        now = self.clock()
        async with self.uow() as uow:
            cart = await uow.orders.lock_open(buyer_id, now)
            if cart is None:
                raise EmptyCart(buyer_id)
            currency = self.pricing.currency_for(await uow.buyers.get(buyer_id), rates)
            rate = rates.rate(self.pricing.shop_currency, currency)
            summary = await self._summary(uow, cart.order_id, buyer_id, details, language, rates, currency, rate)
            if cart.status is OrderStatus.CART:
                check_transition(cart.status, OrderStatus.CHECKOUT)
                await uow.orders.set_status(cart.order_id, cart.status, OrderStatus.CHECKOUT, now)
            await uow.orders.save_checkout(
                cart.order_id,
                details,
                self.pricing.shop_currency,
                currency,
                str(rate),
                summary.cart.subtotal,
                summary.shipping_fee,
                summary.total,
            )
            await uow.commit()
        return summary

    async def confirm(self, buyer_id: int, details: ShippingDetails, language: str) -> PlacedOrder:
        """Place the order at the rate locked by the summary: awaiting payment, its units no longer on a timer.

        CartChanged when the cart is not what the last summary showed (a line added or released since).
        """
        rates = await self.pricing.rates()
        now = self.clock()
        async with self.uow() as uow:
            cart = await uow.orders.lock_open(buyer_id, now)
            if cart is None or cart.status is not OrderStatus.CHECKOUT:
                raise CartChanged(buyer_id)
            quote = await uow.orders.quote(cart.order_id)
            if quote is None:
                raise CartChanged(buyer_id)
            summary = await self._summary(
                uow, cart.order_id, buyer_id, details, language, rates, quote.currency, quote.rate
            )
            if summary.total != quote.total:
                raise CartChanged(buyer_id)  # e.g. other details (another country's fee) than the summary's
            # Every line must still be held: one whose hold ended is about to go back on sale.
            if await uow.orders.stop_holds(cart.order_id, now) != len(summary.cart.lines):
                raise CartChanged(buyer_id)
            check_transition(cart.status, OrderStatus.AWAITING_PAYMENT)
            await uow.orders.set_status(cart.order_id, cart.status, OrderStatus.AWAITING_PAYMENT, now, "confirmed")
            await uow.orders.save_checkout(
                cart.order_id,
                details,
                self.pricing.shop_currency,
                quote.currency,
                str(quote.rate),
                summary.cart.subtotal,
                summary.shipping_fee,
                summary.total,
            )
            await uow.commit()
        return PlacedOrder(cart.order_id, OrderStatus.AWAITING_PAYMENT, summary.total)

    async def cancel(self, buyer_id: int) -> None:
        """Leave checkout; the cart and its holds stay."""
        now = self.clock()
        async with self.uow() as uow:
            cart = await uow.orders.lock_open(buyer_id, now)
            if cart is None or cart.status is not OrderStatus.CHECKOUT:
                return
            check_transition(cart.status, OrderStatus.CART)
            await uow.orders.set_status(cart.order_id, cart.status, OrderStatus.CART, now, "checkout cancelled")
            await uow.commit()

    async def _summary(
        self,
        uow: UnitOfWork,
        order_id: int,
        buyer_id: int,
        details: ShippingDetails,
        language: str,
        rates: Rates,
        currency: str,
        rate: Decimal,
    ) -> CheckoutSummary:
        items = list(await uow.orders.items(order_id, language))
        if not items:
            raise EmptyCart(buyer_id)
        cart = self.pricing.cart(order_id, buyer_id, items, rates, currency, rate)
        blocked = self._unshippable(items, cart, details.country)
        fee = self.shipping.fee_for(details.country)
        if blocked or fee is None:
            raise CannotShip(details.country, blocked)
        fee_in_shop = rates.convert(fee, self.pricing.shop_currency)
        shipping_fee = fee_in_shop.convert(rate, currency)
        return CheckoutSummary(
            cart=cart, shipping_fee=shipping_fee, total=cart.subtotal + shipping_fee, currency=currency, rate=rate
        )


__all__ = ["CannotShip", "CartChanged", "CheckoutService", "EmptyCart"]
