"""Which currencies a buyer may pick: those the exchange rates cover, or automatic (their country's)."""

from decimal import Decimal

import pytest

from bot.domain.fx import Rates
from bot.domain.money import UnknownCurrency
from bot.services.buyers import BuyerService
from bot.services.currency import AUTOMATIC, CurrencyService
from bot.services.pricing import Pricing
from tests.unit.fakes import FakeShop


class TwoRates:
    async def latest(self) -> Rates:
        return Rates(base="EUR", rates={"USD": Decimal("1.08"), "GBP": Decimal("0.85")})


@pytest.fixture
def shop() -> FakeShop:
    return FakeShop()


@pytest.fixture
async def currencies(shop: FakeShop) -> CurrencyService:
    buyers = BuyerService(shop, supported_languages=["en"], default_language="en")
    await buyers.register(7, "en", "Anna")
    return CurrencyService(buyers, Pricing(TwoRates(), "EUR"))


async def test_a_buyer_may_pick_the_currencies_the_rates_cover(currencies: CurrencyService) -> None:
    assert await currencies.offered() == ["EUR", "GBP", "USD"]


async def test_a_picked_currency_is_remembered_in_any_letter_case(currencies: CurrencyService, shop: FakeShop) -> None:
    assert await currencies.choose(7, " gbp ") == "GBP"
    assert shop.data.buyers[7].currency == "GBP"


@pytest.mark.parametrize("code", ["JPY", "XYZ", "EU", ""])
async def test_a_currency_the_rates_do_not_cover_is_refused(currencies: CurrencyService, code: str) -> None:
    with pytest.raises(UnknownCurrency):
        await currencies.choose(7, code)


async def test_automatic_hands_prices_back_to_the_buyers_country(currencies: CurrencyService, shop: FakeShop) -> None:
    await currencies.choose(7, "USD")
    assert await currencies.choose(7, AUTOMATIC.upper()) is None
    assert shop.data.buyers[7].currency is None
