"""Holds: remind buyers before their reserved units go back on sale, then release them.

Run every few seconds by the scheduler, possibly by several bot instances at once: each reminder and each release
is claimed by one conditional statement, so nothing is released or told twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.cart import CartLine
from bot.domain.notices import HoldEndingSoon, HoldExpired
from bot.domain.orders import EventKind, OrderStatus, check_transition
from bot.ports import Notifier, UnitOfWorkFactory
from bot.services.pricing import Pricing
from bot.services.waitlist import WaitlistService

BATCH = 200


class HoldService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        pricing: Pricing,
        notifier: Notifier,
        waitlist: WaitlistService,
        reminder_minutes: int = 5,
    ) -> None:
        self.uow = uow
        self.pricing = pricing
        self.notifier = notifier
        self.waitlist = waitlist
        self.reminder = timedelta(minutes=reminder_minutes)

    async def remind_due(self, now: datetime) -> int:
        """Tell buyers whose holds end within the reminder time; how many were told (each hold once)."""
        if not self.reminder:
            return 0
        rates = await self.pricing.rates()
        async with self.uow() as uow:
            due = await uow.orders.due_reminders(now + self.reminder, now)
        sent = 0
        for reminder in due:
            async with self.uow() as uow:
                if not await uow.orders.claim_reminder(reminder.line_ids, now):
                    continue
                cart = await self.pricing.view(uow, reminder.buyer_id, reminder.order_id, reminder.language, rates)
                await uow.commit()
            notice = HoldEndingSoon(
                reminder.buyer_id, reminder.language, reminder.expires_at, cart, frozenset(reminder.sku_ids)
            )
            if await self.notifier.send(notice):
                sent += 1
        return sent

    async def expire_due(self, now: datetime) -> int:
        """Release every hold that ended, tell its buyer, then offer the units to waitlists; units released."""
        rates = await self.pricing.rates()
        async with self.uow() as uow:
            expired = await uow.orders.expired_holds(now, BATCH)
        released = 0
        told: dict[int, tuple[str, list[CartLine]]] = {}
        for hold in expired:
            async with self.uow() as uow:
                cart = await uow.orders.lock_open(hold.buyer_id, now)
                if cart is None or cart.order_id != hold.order_id:
                    continue
                items = await uow.orders.items(hold.order_id, hold.language)
                await uow.stock.release(hold.sku_id, hold.quantity)
                if not await uow.orders.delete_expired_line(hold.line_id, hold.quantity, now):
                    continue  # changed or released meanwhile; leaving the unit rolls the release back
                detail = f"sku {hold.sku_id} x{hold.quantity}"
                await uow.orders.record(hold.order_id, EventKind.HOLD_EXPIRED, now, detail)
                if len(items) == 1:
                    check_transition(cart.status, OrderStatus.EXPIRED)
                    await uow.orders.set_status(hold.order_id, cart.status, OrderStatus.EXPIRED, now, "holds ended")
                currency = self.pricing.currency_for(await uow.buyers.get(hold.buyer_id), rates)
                view = self.pricing.cart(hold.order_id, hold.buyer_id, items, rates, currency)
                await uow.commit()
            released += hold.quantity
            line = next(line for line in view.lines if line.sku_id == hold.sku_id)
            told.setdefault(hold.buyer_id, (hold.language, []))[1].append(line)
        for buyer_id, (language, lines) in told.items():
            await self.notifier.send(HoldExpired(buyer_id, language, tuple(lines)))
        await self.waitlist.offer_restocked(now=now)
        return released
