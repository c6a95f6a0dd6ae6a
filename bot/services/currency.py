"""Which currencies a buyer may show prices in, and remembering their choice."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.money import UnknownCurrency
from bot.services.buyers import BuyerService
from bot.services.pricing import Pricing

# The choice that hands prices back to the buyer's country's currency (or the shop's).
AUTOMATIC = "auto"


@dataclass(frozen=True, slots=True)
class CurrencyChoice:
    """The currency prices are shown in after a choice; `automatic` when it follows the buyer's country, and
    `from_country` when that country is known (otherwise it is the shop's until it is)."""

    currency: str
    automatic: bool = False
    from_country: bool = False


class CurrencyService:
    def __init__(self, buyers: BuyerService, pricing: Pricing) -> None:
        self.buyers = buyers
        self.pricing = pricing

    async def offered(self) -> list[str]:
        """The currencies a buyer may pick: only those the exchange rates cover, since any other would silently show
        the shop's own."""
        return await self.pricing.currencies()

    async def choose(self, buyer_id: int, code: str) -> CurrencyChoice:
        """Show `buyer_id` prices in `code` from now on; `AUTOMATIC`: in their country's currency again (the shop's
        while their country is unknown). Raises UnknownCurrency for a code the exchange rates do not cover."""
        if code.strip().lower() == AUTOMATIC:
            await self.buyers.set_currency(buyer_id, None)
            country_currency = self.pricing.country_currency(
                await self.buyers.get(buyer_id), await self.pricing.rates()
            )
            if country_currency is None:
                return CurrencyChoice(self.pricing.shop_currency, automatic=True)
            return CurrencyChoice(country_currency, automatic=True, from_country=True)
        currency = code.strip().upper()
        if currency not in await self.offered():
            raise UnknownCurrency(code)
        await self.buyers.set_currency(buyer_id, currency)
        return CurrencyChoice(currency)
