"""Waitlists: buyers queue for a sold-out SKU; units that come back go to them in order, each with a hold."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.notices import WaitlistOffer
from bot.domain.orders import EventKind
from bot.ports import Notifier, UnitOfWorkFactory
from bot.services.cart import Clock, ProductNotFound, QuantityLimit, leave_checkout, utc_now
from bot.services.pricing import Pricing


class InStock(Exception):
    """The SKU has units the buyer can order now: nothing to wait for."""

    def __init__(self, available: int) -> None:
        super().__init__(f"{available} in stock")
        self.available = available


class WaitlistService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        pricing: Pricing,
        notifier: Notifier,
        hold_minutes: int = 15,
        max_quantity: int = 10,
        clock: Clock = utc_now,
    ) -> None:
        self.uow = uow
        self.pricing = pricing
        self.notifier = notifier
        self.hold = timedelta(minutes=hold_minutes)
        self.max_quantity = max_quantity
        self.clock = clock

    async def join(self, buyer_id: int, sku_id: int, quantity: int = 1) -> int:
        """Queue for `quantity` units (joining again changes the quantity, keeping the place); the position.

        Raises InStock when the buyer could order that many now (a stale or forged button)."""
        if not 1 <= quantity <= self.max_quantity:
            raise QuantityLimit(self.max_quantity)
        async with self.uow() as uow:
            if await uow.stock.sku(sku_id) is None:
                raise ProductNotFound(sku_id)
            # Waiting entries hold units back from ordinary orders, so only what cannot be ordered now is waited for.
            available = await uow.stock.available(sku_id, buyer_id)
            if available >= quantity:
                raise InStock(available)
            position = await uow.waitlist.join(buyer_id, sku_id, quantity, self.clock())
            await uow.commit()
        return position

    async def leave(self, buyer_id: int, sku_id: int) -> bool:
        """False when the buyer was not on that waitlist."""
        async with self.uow() as uow:
            left = await uow.waitlist.leave(buyer_id, sku_id)
            await uow.commit()
        return left

    async def offer_restocked(self, sku_ids: list[int] | None = None, now: datetime | None = None) -> int:
        """Offer units on sale to waiting buyers (after a re-import, or released holds); offers made.

        First come, first served: ordinary orders cannot take units others wait for (StockRepository.reserve), and
        the first in line gets what is left, up to what they asked for, keeping their place for the rest.
        """
        now = now or self.clock()
        async with self.uow() as uow:
            offerable = await uow.waitlist.offerable()
        wanted = set(offerable if sku_ids is None else sku_ids)
        offers = 0
        for sku_id in (sku for sku in offerable if sku in wanted):
            while (offered := await self._offer_next(sku_id, now)) is not None:
                offers += offered
        return offers

    async def _offer_next(self, sku_id: int, now: datetime) -> int | None:
        """Offer the SKU to the first buyer waiting: 1 offered, 0 skipped (try the next), None: stop here."""
        rates = await self.pricing.rates()
        async with self.uow() as uow:
            entry = await uow.waitlist.first(sku_id)
            waiting = None if entry is None else await uow.buyers.get(entry.buyer_id)
            if entry is not None and waiting is not None and (waiting.blocked or not waiting.started):
                # Units held for someone the bot cannot write to (blocked it, or never started it) would sit unseen
                # until the hold ends: they leave the list and the next in line is served.
                await uow.waitlist.claim(entry.entry_id)
                await uow.commit()
                return 0
        if entry is None:
            return None
        expires_at = now + self.hold
        async with self.uow() as uow:
            cart = await uow.orders.open_cart(entry.buyer_id, self.pricing.shop_currency, now)
            sku = await uow.stock.sku(sku_id)
            # The first in line gets what is there, up to what they asked for, and keeps their place for the rest:
            # units held back for a larger wish would otherwise sit unsold (ordinary orders cannot take them).
            quantity = 0 if sku is None else min(entry.quantity, sku.stock)
            if sku is None or quantity <= 0 or not await uow.stock.reserve(sku_id, quantity):
                return None
            if not await uow.waitlist.take(entry.entry_id, quantity):
                return 0  # another instance served this buyer; look at the next one
            added = await uow.orders.add_units(
                cart.order_id, sku_id, quantity, sku.price, expires_at, self.max_quantity
            )
            if added is None:
                # Their cart already holds the most allowed: drop them from the list rather than block it.
                await uow.rollback()
                async with self.uow() as drop:
                    await drop.waitlist.claim(entry.entry_id)
                    await drop.commit()
                return 0
            await uow.orders.record(cart.order_id, EventKind.WAITLIST_OFFER, now, f"sku {sku_id} x{quantity}")
            await leave_checkout(uow, cart.order_id, cart.status, now, f"waitlist offer sku {sku_id}")
            buyer = await uow.buyers.get(entry.buyer_id)
            language = buyer.language if buyer else "en"
            view = await self.pricing.view(uow, entry.buyer_id, cart.order_id, language, rates)
            await uow.commit()
        line = next(line for line in view.lines if line.sku_id == sku_id)
        if not await self.notifier.send(WaitlistOffer(entry.buyer_id, language, line, expires_at)):
            # They cannot be told (they blocked the bot meanwhile): the units go to the next in line instead.
            await self._withdraw(entry.buyer_id, cart.order_id, sku_id, quantity, now)
            return 0
        return 1

    async def _withdraw(self, buyer_id: int, order_id: int, sku_id: int, quantity: int, now: datetime) -> None:
        """Take back the units just offered, unless the buyer changed the line meanwhile (then it is theirs)."""
        async with self.uow() as uow:
            cart = await uow.orders.lock_open(buyer_id, now)
            items = await uow.orders.items(order_id, "en") if cart and cart.order_id == order_id else ()
            item = next((held for held in items if held.sku_id == sku_id), None)
            if item is None:
                return
            if item.quantity > quantity:
                taken = await uow.orders.change_quantity(item.line_id, item.quantity, item.quantity - quantity, None)
            else:
                quantity = item.quantity
                taken = await uow.orders.delete_line(item.line_id, item.quantity)
            if not taken:
                return
            await uow.stock.release(sku_id, quantity)
            await uow.orders.record(order_id, EventKind.WAITLIST_WITHDRAWN, now, f"sku {sku_id} x{quantity}")
            await uow.commit()
