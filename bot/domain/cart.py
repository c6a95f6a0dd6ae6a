"""The cart as a buyer sees it: lines priced in their currency, the subtotal and when the hold ends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bot.domain.fx import Rates
from bot.domain.money import Money


@dataclass(frozen=True, slots=True)
class HeldItem:
    """A cart line as stored: the SKU's own price and currency, and the end of its hold."""

    line_id: int
    sku_id: int
    product_id: int
    code: str
    title: str
    variant: str
    quantity: int
    price: Money
    ships_to: frozenset[str]
    hold_expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class CartLine:
    sku_id: int
    product_id: int
    code: str
    title: str
    variant: str
    quantity: int
    unit_price: Money
    line_total: Money


@dataclass(frozen=True, slots=True)
class Cart:
    order_id: int | None
    buyer_id: int
    lines: tuple[CartLine, ...]
    subtotal: Money
    currency: str
    hold_expires_at: datetime | None

    @property
    def is_empty(self) -> bool:
        return not self.lines


@dataclass(frozen=True, slots=True)
class AddedToCart:
    cart: Cart
    line: CartLine
    quantity_added: int


def display_price(price: Money, rates: Rates, shop_currency: str, currency: str) -> Money:
    """A SKU price in the buyer's currency: SKU currency -> shop currency -> buyer currency, each step rounded.

    Going through the shop currency keeps the unit price the buyer sees equal to the one the order total uses."""
    return rates.convert(rates.convert(price, shop_currency), currency)


def price_line(
    item: HeldItem, rates: Rates, shop_currency: str, currency: str, rate: Decimal | None = None
) -> CartLine:
    """A line in the buyer's currency (see `display_price`).

    `rate` (units of `currency` per shop unit) replaces today's rate once an order has locked one.
    """
    if rate is None:
        unit = display_price(item.price, rates, shop_currency, currency)
    else:
        unit = rates.convert(item.price, shop_currency).convert(rate, currency)
    return CartLine(
        sku_id=item.sku_id,
        product_id=item.product_id,
        code=item.code,
        title=item.title,
        variant=item.variant,
        quantity=item.quantity,
        unit_price=unit,
        line_total=unit * item.quantity,
    )


def build_cart(
    order_id: int | None,
    buyer_id: int,
    items: Sequence[HeldItem],
    rates: Rates,
    shop_currency: str,
    currency: str,
    rate: Decimal | None = None,
) -> Cart:
    lines = tuple(price_line(item, rates, shop_currency, currency, rate) for item in items)
    subtotal = Money(0, currency)
    for line in lines:
        subtotal = subtotal + line.line_total
    holds = [item.hold_expires_at for item in items if item.hold_expires_at is not None]
    return Cart(
        order_id=order_id,
        buyer_id=buyer_id,
        lines=lines,
        subtotal=subtotal,
        currency=currency,
        hold_expires_at=min(holds) if holds else None,
    )
