"""In-memory stand-ins for the order services of docs/dev/orders-api.md, so handler tests need no database.

They keep the contract's shapes and refusals (the real exception classes), not its concurrency guarantees: those are
the core's and are proven by its own tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.domain.cart import AddedToCart, Cart, CartLine
from bot.domain.catalog import Product, Sku
from bot.domain.checkout import CheckoutSummary, ShippingDetails
from bot.domain.countries import check_country
from bot.domain.invoices import InvoiceCheck, Refusal
from bot.domain.keyword import KeywordOrder
from bot.domain.money import Money
from bot.domain.orders import OrderStatus, OrderSummary, PlacedOrder
from bot.domain.payments import AttemptStatus, Outcome, PaymentAttempt, Settlement, idempotency_key
from bot.domain.shipping import Destinations, ShippingTable, cart_destinations
from bot.services.cart import (
    CartChanged,
    EmptyCart,
    NotEnoughStock,
    QuantityLimit,
    SoldOut,
)
from bot.services.catalog import ProductNotFound
from bot.services.payments import NotAwaitingPayment
from bot.services.waitlist import InStock
from tests.unit.fakes import FakeShop

HOLD = timedelta(minutes=15)


@dataclass
class Shop:
    """The fake core's state: products, stock left, each buyer's held lines and placed orders."""

    products: dict[str, Product] = field(default_factory=dict)
    stock: dict[int, int] = field(default_factory=dict)
    carts: dict[int, dict[int, int]] = field(default_factory=dict)
    orders: dict[int, list[OrderSummary]] = field(default_factory=dict)
    claims: dict[str, int] = field(default_factory=dict)
    waitlists: dict[int, list[int]] = field(default_factory=dict)
    placed: list[tuple[int, ShippingDetails]] = field(default_factory=list)
    in_checkout: set[int] = field(default_factory=set)
    next_order: int = 1

    def add(self, item: Product) -> Product:
        self.products[item.code] = item
        for sku in item.skus:
            self.stock[sku.id] = sku.stock
        return item

    def sku(self, sku_id: int) -> tuple[Product, Sku]:
        for item in self.products.values():
            for sku in item.skus:
                if sku.id == sku_id:
                    return item, sku
        raise ProductNotFound(sku_id)

    def cart(self, buyer_id: int) -> Cart:
        lines = []
        for sku_id, quantity in self.carts.get(buyer_id, {}).items():
            item, sku = self.sku(sku_id)
            lines.append(
                CartLine(sku.id, item.id, item.code, item.title, sku.variant, quantity, sku.price, sku.price * quantity)
            )
        subtotal = Money(sum(line.line_total.amount_minor for line in lines), "EUR")
        expires = datetime.now(UTC) + HOLD if lines else None
        return Cart(buyer_id, buyer_id, tuple(lines), subtotal, "EUR", expires)


class FakeCartService:
    def __init__(self, shop: Shop, max_quantity: int = 10, core: FakeShop | None = None) -> None:
        self.shop = shop
        self.max_quantity = max_quantity
        # The catalogue's products (cards), kept in step with the stock a reservation takes, as the one table is.
        self.core = core

    async def add(self, buyer_id: int, sku_id: int, quantity: int, language: str) -> AddedToCart:
        item, sku = self.shop.sku(sku_id)
        held = self.shop.carts.setdefault(buyer_id, {})
        if quantity < 1 or held.get(sku_id, 0) + quantity > self.max_quantity:
            raise QuantityLimit(self.max_quantity)
        left = self.shop.stock[sku_id]
        if left <= 0:
            raise SoldOut(sku_id, sku.variant, item.code)
        if left < quantity:
            raise NotEnoughStock(left)
        self.shop.stock[sku_id] = left - quantity
        if self.core is not None and item.code in self.core.data.products:
            shown = self.core.data.products[item.code]
            skus = tuple(replace(s, stock=left - quantity) if s.id == sku_id else s for s in shown.skus)
            self.core.data.products[item.code] = replace(shown, skus=skus)
        held[sku_id] = held.get(sku_id, 0) + quantity
        self.shop.in_checkout.discard(buyer_id)  # a changed cart leaves checkout: the summary shown is stale
        cart = self.shop.cart(buyer_id)
        line = next(line for line in cart.lines if line.sku_id == sku_id)
        return AddedToCart(cart, line, quantity)

    async def add_by_keyword(self, buyer_id: int, order: KeywordOrder, language: str) -> AddedToCart:
        sku_id, quantity = order.choose(self.max_quantity)
        return await self.add(buyer_id, sku_id, quantity, language)

    async def view(self, buyer_id: int, language: str) -> Cart:
        return self.shop.cart(buyer_id)

    async def set_quantity(self, buyer_id: int, sku_id: int, quantity: int, language: str) -> Cart:
        """CartChanged for a line not in the cart, as the core's set_quantity raises (and its remove should)."""
        held = self.shop.carts.setdefault(buyer_id, {})
        before = held.get(sku_id, 0)
        if not before:
            raise CartChanged(sku_id)
        if quantity > self.max_quantity:
            raise QuantityLimit(self.max_quantity)
        self.shop.in_checkout.discard(buyer_id)
        self.shop.stock[sku_id] += before - quantity
        if quantity:
            held[sku_id] = quantity
        else:
            held.pop(sku_id, None)
        return self.shop.cart(buyer_id)

    async def remove(self, buyer_id: int, sku_id: int, language: str) -> Cart:
        return await self.set_quantity(buyer_id, sku_id, 0, language)

    async def empty(self, buyer_id: int) -> None:
        for sku_id, quantity in self.shop.carts.pop(buyer_id, {}).items():
            self.shop.stock[sku_id] += quantity

    async def claim(self, buyer_id: int, token: str, language: str) -> Cart:
        self.shop.claims[token] = buyer_id
        return self.shop.cart(buyer_id)


class FakeWaitlistService:
    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    async def join(self, buyer_id: int, sku_id: int, quantity: int) -> int:
        self.shop.sku(sku_id)  # ProductNotFound, as the real one
        if self.shop.stock[sku_id] >= quantity:
            raise InStock(self.shop.stock[sku_id])
        queue = self.shop.waitlists.setdefault(sku_id, [])
        if buyer_id not in queue:
            queue.append(buyer_id)
        return queue.index(buyer_id) + 1

    async def leave(self, buyer_id: int, sku_id: int) -> bool:
        """Whether the buyer was waiting (the repository's answer)."""
        queue = self.shop.waitlists.get(sku_id, [])
        if buyer_id not in queue:
            return False
        queue.remove(buyer_id)
        return True


class FakeCheckoutService:
    def __init__(self, shop: Shop, fees: dict[str, str] | None = None, rate: str = "1") -> None:
        self.shop = shop
        self.fees = fees or {"*": "9.90"}
        self.rate = Decimal(rate)

    async def begin(self, buyer_id: int, language: str) -> Cart:
        cart = self.shop.cart(buyer_id)
        if cart.is_empty:
            raise EmptyCart(buyer_id)
        self.shop.in_checkout.add(buyer_id)
        return cart

    async def destinations(self, buyer_id: int, language: str, preferred: Sequence[str | None] = ()) -> Destinations:
        table = ShippingTable({code: Money.from_major(fee, "EUR") for code, fee in self.fees.items()})
        lines = [
            (f"{line.code} {line.variant}".strip(), self.shop.sku(line.sku_id)[0].ships_to)
            for line in self.shop.cart(buyer_id).lines
        ]
        return cart_destinations(lines, table, preferred)

    async def check_country(self, buyer_id: int, country: str, language: str) -> list[CartLine]:
        code = check_country(country)
        return [
            line for line in self.shop.cart(buyer_id).lines if not self.shop.sku(line.sku_id)[0].ships_to_country(code)
        ]

    async def summary(self, buyer_id: int, details: ShippingDetails, language: str) -> CheckoutSummary:
        cart = self.shop.cart(buyer_id)
        if cart.is_empty:
            raise EmptyCart(buyer_id)
        fee = Money.from_major(self.fees.get(details.country, self.fees["*"]), "EUR")
        self.shop.in_checkout.add(buyer_id)  # a summary moves the cart (back) into checkout, as the core's does
        return CheckoutSummary(cart, fee, cart.subtotal + fee, "EUR", self.rate)

    async def confirm(self, buyer_id: int, details: ShippingDetails, language: str) -> PlacedOrder:
        if buyer_id not in self.shop.in_checkout:
            raise CartChanged(buyer_id)
        summary = await self.summary(buyer_id, details, language)
        number = self.shop.next_order
        self.shop.next_order += 1
        self.shop.carts.pop(buyer_id, None)
        self.shop.in_checkout.discard(buyer_id)
        self.shop.placed.append((number, details))
        self.shop.orders.setdefault(buyer_id, []).append(
            OrderSummary(
                number,
                OrderStatus.AWAITING_PAYMENT,
                summary.total,
                datetime.now(UTC),
                lines=len(summary.cart.lines),
                units=sum(line.quantity for line in summary.cart.lines),
            )
        )
        return PlacedOrder(number, OrderStatus.AWAITING_PAYMENT, summary.total)

    async def cancel(self, buyer_id: int) -> None:
        self.shop.in_checkout.discard(buyer_id)


class FakeOrderService:
    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    async def list_for(self, buyer_id: int, language: str) -> list[OrderSummary]:
        return list(self.shop.orders.get(buyer_id, []))


class FakePaymentService:
    """Gives each placed order of the fake shop one payment link (the same one when asked again)."""

    def __init__(self, shop: Shop, timeout_minutes: int = 30) -> None:
        self.shop = shop
        self.timeout = timedelta(minutes=timeout_minutes)
        self.links: dict[int, PaymentAttempt] = {}

    async def link_for(self, order_id: int) -> PaymentAttempt:
        placed = [order for orders in self.shop.orders.values() for order in orders if order.order_id == order_id]
        if not placed or placed[0].status is not OrderStatus.AWAITING_PAYMENT:
            raise NotAwaitingPayment(order_id)
        if order_id not in self.links:
            self.links[order_id] = PaymentAttempt(
                attempt_id=order_id,
                order_id=order_id,
                number=1,
                provider="sandbox",
                idempotency_key=idempotency_key(order_id, 1),
                amount=placed[0].total,
                status=AttemptStatus.OPEN,
                reference=f"tok{order_id}",
                url=f"https://pay.example/pay/tok{order_id}",
                expires_at=datetime.now(UTC) + self.timeout,
            )
        return self.links[order_id]


class NoInvoices:
    """No Telegram invoices: every pre-checkout query is refused, no payment settles."""

    async def check(self, payload: str, amount: Money) -> InvoiceCheck:
        return InvoiceCheck(None, Refusal.UNKNOWN)

    async def paid(self, payload: str, charge_id: str, amount: Money, provider_charge_id: str = "") -> Settlement:
        return Settlement(Outcome.UNKNOWN)
