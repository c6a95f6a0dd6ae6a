"""Which currencies a buyer may show prices in, and remembering their choice."""

from __future__ import annotations

from bot.domain.money import UnknownCurrency
from bot.services.buyers import BuyerService
from bot.services.pricing import Pricing

# The choice that hands prices back to the buyer's country's currency (or the shop's).
AUTOMATIC = "auto"


class CurrencyService:
    def __init__(self, buyers: BuyerService, pricing: Pricing) -> None:
        self.buyers = buyers
        self.pricing = pricing

    async def offered(self) -> list[str]:
        """The currencies a buyer may pick: only those the exchange rates cover, since any other would silently show
        the shop's own."""
        return await self.pricing.currencies()

    async def choose(self, buyer_id: int, code: str) -> str | None:
        """Show `buyer_id` prices in `code` from now on; `AUTOMATIC` (None returned): in their country's currency
        again. Raises UnknownCurrency for a code the exchange rates do not cover."""
        if code.strip().lower() == AUTOMATIC:
            return await self.buyers.set_currency(buyer_id, None)
        currency = code.strip().upper()
        if currency not in await self.offered():
            raise UnknownCurrency(code)
        return await self.buyers.set_currency(buyer_id, currency)
