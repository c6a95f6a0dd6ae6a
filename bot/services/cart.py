"""The cart: add by button or by keyword, change and remove lines; every unit added is held for the buyer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from bot.domain.buyer import Buyer
from bot.domain.cart import AddedToCart, Cart, HeldItem
from bot.domain.fx import Rates
from bot.domain.keyword import (
    BadQuantity,
    KeywordOrder,
    KeywordRefusal,
    UnknownCode,
    UnknownVariant,
    VariantNeeded,
)
from bot.domain.orders import OrderStatus, SkuRef, check_transition
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.catalog import ProductNotFound
from bot.services.pricing import Pricing

Clock = Callable[[], datetime]

__all__ = [
    "BadQuantity",
    "CartChanged",
    "CartService",
    "Clock",
    "EmptyCart",
    "KeywordRefusal",
    "NotEnoughStock",
    "ProductNotFound",
    "QuantityLimit",
    "SoldOut",
    "UnknownCode",
    "UnknownVariant",
    "VariantNeeded",
    "utc_now",
]


def utc_now() -> datetime:
    return datetime.now(UTC)


class SoldOut(Exception):
    """No unit of the SKU is left to reserve: offer the waitlist."""

    def __init__(self, sku_id: int, variant: str, code: str) -> None:
        super().__init__(f"{code} {variant} is sold out".strip())
        self.sku_id = sku_id
        self.variant = variant
        self.code = code


class NotEnoughStock(Exception):
    def __init__(self, available: int) -> None:
        super().__init__(f"only {available} left")
        self.available = available


class QuantityLimit(Exception):
    def __init__(self, maximum: int) -> None:
        super().__init__(f"at most {maximum} per line")
        self.maximum = maximum


class CartChanged(Exception):
    """The cart changed (a hold ended, a line was added) since the buyer last saw it: show it again."""


class EmptyCart(Exception):
    """Nothing in the cart."""


async def leave_checkout(uow: UnitOfWork, order_id: int, status: OrderStatus, now: datetime, why: str) -> None:
    """A cart that changes during checkout goes back to being a cart: the summary the buyer saw is stale."""
    if status is OrderStatus.CHECKOUT:
        check_transition(status, OrderStatus.CART)
        await uow.orders.set_status(order_id, status, OrderStatus.CART, now, why)


class CartService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        pricing: Pricing,
        hold_minutes: int = 15,
        max_quantity: int = 10,
        clock: Clock = utc_now,
    ) -> None:
        self.uow = uow
        self.pricing = pricing
        self.hold = timedelta(minutes=hold_minutes)
        self.max_quantity = max_quantity
        self.clock = clock

    async def add(self, buyer_id: int, sku_id: int, quantity: int, language: str) -> AddedToCart:
        """Reserve `quantity` units for the buyer and put them in their cart, held for the hold time."""
        if not 1 <= quantity <= self.max_quantity:
            raise QuantityLimit(self.max_quantity)
        rates = await self.pricing.rates()
        async with self.uow() as uow:
            added = await self._add(uow, buyer_id, sku_id, quantity, language, rates)
            await uow.commit()
        return added

    async def add_by_keyword(self, buyer_id: int, order: KeywordOrder, language: str) -> AddedToCart:
        """Add what a keyword order (read by KeywordService, without the database) names; raises a KeywordRefusal
        (BadQuantity, UnknownCode, VariantNeeded, UnknownVariant) when it names no SKU, or `add`'s refusals."""
        sku_id, quantity = order.choose(self.max_quantity, language)
        return await self.add(buyer_id, sku_id, quantity, language)

    @staticmethod
    def _refuse(sku: SkuRef, available: int, language: str) -> NoReturn:
        if available <= 0:
            raise SoldOut(sku.sku_id, sku.variant_in(language), sku.code)
        raise NotEnoughStock(available)

    async def _add(
        self, uow: UnitOfWork, buyer_id: int, sku_id: int, quantity: int, language: str, rates: Rates
    ) -> AddedToCart:
        now = self.clock()
        sku = await uow.stock.sku(sku_id)
        if sku is None:
            raise ProductNotFound(sku_id)
        if sku.stock < quantity:
            # Most of a flash sale's crowd arrives after the last unit: refuse them before writing anything. Only a
            # refusal is decided here; what is sold is decided by the reservation below.
            self._refuse(sku, sku.stock, language)
        # The chat layer registers buyers; one who was not (a button on a forwarded card) is not refused.
        await uow.buyers.add_if_missing(Buyer(telegram_id=buyer_id, language=language))
        cart = await uow.orders.open_cart(buyer_id, self.pricing.shop_currency, now)
        total = await uow.orders.add_units(
            cart.order_id, sku_id, quantity, sku.price, now + self.hold, self.max_quantity
        )
        if total is not None:
            await leave_checkout(uow, cart.order_id, cart.status, now, f"added sku {sku_id}")
        view = await self.pricing.view(uow, buyer_id, cart.order_id, language, rates)
        # Reserved last: the SKU's row is what every buyer in a flash sale wants, and from here to the commit it
        # is locked (PostgreSQL) or the database is (SQLite). A refusal rolls the line above back with it.
        # A buyer who was waiting for this SKU has it now; rolled back with the rest if the reservation fails.
        await uow.waitlist.leave(buyer_id, sku_id)
        if not await uow.stock.reserve(sku_id, quantity, buyer_id):
            self._refuse(sku, await uow.stock.available(sku_id, buyer_id), language)
        if total is None:
            raise QuantityLimit(self.max_quantity)
        line = next(line for line in view.lines if line.sku_id == sku_id)
        return AddedToCart(cart=view, line=line, quantity_added=quantity)

    async def view(self, buyer_id: int, language: str) -> Cart:
        rates = await self.pricing.rates()
        async with self.uow() as uow:
            cart = await uow.orders.find_open(buyer_id)
            return await self.pricing.view(uow, buyer_id, None if cart is None else cart.order_id, language, rates)

    async def set_quantity(self, buyer_id: int, sku_id: int, quantity: int, language: str) -> Cart:
        """Change a line's quantity (0 removes it); more units are reserved first, fewer go back on sale."""
        if quantity == 0:
            return await self.remove(buyer_id, sku_id, language)
        if not 1 <= quantity <= self.max_quantity:
            raise QuantityLimit(self.max_quantity)
        rates = await self.pricing.rates()
        now = self.clock()
        async with self.uow() as uow:
            cart = await uow.orders.lock_open(buyer_id, now)
            item = await self._item(uow, cart.order_id if cart else None, sku_id, language)
            if cart is None or item is None:
                raise CartChanged(sku_id)
            change = quantity - item.quantity
            if change > 0 and not await uow.stock.reserve(sku_id, change, buyer_id):
                available = await uow.stock.available(sku_id, buyer_id)
                if available <= 0:
                    raise SoldOut(sku_id, item.variant, item.code)
                raise NotEnoughStock(available)
            if change < 0:
                await uow.stock.release(sku_id, -change)
            hold_until = now + self.hold if change > 0 else None
            if change and not await uow.orders.change_quantity(item.line_id, item.quantity, quantity, hold_until):
                raise CartChanged(sku_id)
            if change:
                await leave_checkout(uow, cart.order_id, cart.status, now, f"changed sku {sku_id}")
            view = await self.pricing.view(uow, buyer_id, cart.order_id, language, rates)
            await uow.commit()
        return view

    async def remove(self, buyer_id: int, sku_id: int, language: str) -> Cart:
        """Take a line out of the cart, its units back on sale; CartChanged when it is not in the cart."""
        rates = await self.pricing.rates()
        now = self.clock()
        async with self.uow() as uow:
            cart = await uow.orders.lock_open(buyer_id, now)
            item = None if cart is None else await self._item(uow, cart.order_id, sku_id, language)
            if cart is None or item is None:
                raise CartChanged(sku_id)  # not in the cart (any more): a stale or forged button
            await self._release(uow, item)
            await leave_checkout(uow, cart.order_id, cart.status, now, f"removed sku {sku_id}")
            view = await self.pricing.view(uow, buyer_id, cart.order_id, language, rates)
            await uow.commit()
        return view

    async def empty(self, buyer_id: int) -> None:
        now = self.clock()
        async with self.uow() as uow:
            cart = await uow.orders.lock_open(buyer_id, now)
            if cart is None:
                return
            # Sorted by SKU, so two units of work releasing several SKUs lock them in the same order.
            for item in sorted(await uow.orders.items(cart.order_id, "en"), key=lambda held: held.sku_id):
                await self._release(uow, item)
            await leave_checkout(uow, cart.order_id, cart.status, now, "emptied")
            await uow.commit()

    async def claim(self, buyer_id: int, token: str, language: str) -> Cart:
        """/start from a group deep link: the buyer can now be written to; their cart is already theirs."""
        async with self.uow() as uow:
            if await uow.buyers.get(buyer_id) is not None:
                await uow.buyers.set_started(buyer_id)
                await uow.commit()
        return await self.view(buyer_id, language)

    @staticmethod
    async def _item(uow: UnitOfWork, order_id: int | None, sku_id: int, language: str) -> HeldItem | None:
        if order_id is None:
            return None
        return next((item for item in await uow.orders.items(order_id, language) if item.sku_id == sku_id), None)

    @staticmethod
    async def _release(uow: UnitOfWork, item: HeldItem) -> None:
        await uow.stock.release(item.sku_id, item.quantity)
        if not await uow.orders.delete_line(item.line_id, item.quantity):
            raise CartChanged(item.sku_id)
