"""A buyer's orders, for /orders."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.orders import OPEN_STATUSES, OrderSummary
from bot.ports import UnitOfWorkFactory
from bot.services.pricing import Pricing

__all__ = ["OrderService", "OrderSummary"]


class OrderService:
    def __init__(self, uow: UnitOfWorkFactory, pricing: Pricing) -> None:
        self.uow = uow
        self.pricing = pricing

    async def list_for(self, buyer_id: int, language: str) -> list[OrderSummary]:
        """Newest first; an open cart shows what it would cost today, a placed order what was locked."""
        rates = await self.pricing.rates()
        async with self.uow() as uow:
            summaries = list(await uow.orders.list_for(buyer_id))
            out = []
            for summary in summaries:
                if summary.status in OPEN_STATUSES:
                    cart = await self.pricing.view(uow, buyer_id, summary.order_id, language, rates)
                    summary = replace(summary, total=cart.subtotal)
                out.append(summary)
        return out
