"""Which currencies a buyer may pick: those the exchange rates cover, or automatic (their country's)."""

from decimal import Decimal

import pytest

from bot.domain.fx import Rates
from bot.domain.money import UnknownCurrency
from bot.services.buyers import BuyerService
from bot.services.currency import AUTOMATIC, CurrencyChoice, CurrencyService
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
    assert await currencies.choose(7, " gbp ") == CurrencyChoice("GBP")
    assert shop.data.buyers[7].currency == "GBP"


@pytest.mark.parametrize("code", ["JPY", "XYZ", "EU", ""])
async def test_a_currency_the_rates_do_not_cover_is_refused(currencies: CurrencyService, code: str) -> None:
    with pytest.raises(UnknownCurrency):
        await currencies.choose(7, code)


async def test_automatic_hands_prices_back_to_the_buyers_country(currencies: CurrencyService, shop: FakeShop) -> None:
    await currencies.buyers.register(10, "en-GB")
    await currencies.choose(10, "USD")
    assert await currencies.choose(10, AUTOMATIC.upper()) == CurrencyChoice("GBP", automatic=True, from_country=True)
    assert shop.data.buyers[10].currency is None


async def test_automatic_without_a_known_country_says_it_is_the_shops_currency_for_now(
    currencies: CurrencyService,
) -> None:
    await currencies.choose(7, "USD")  # Anna's app says "en": no country yet
    assert await currencies.choose(7, AUTOMATIC) == CurrencyChoice("EUR", automatic=True, from_country=False)


# --- the currency a buyer sees without choosing ---------------------------------------------------------------------

MANY = Rates(
    base="EUR",
    rates={"BRL": Decimal("5.86"), "GBP": Decimal("0.85"), "CHF": Decimal("0.95"), "XAU": Decimal("0.0004")},
)


@pytest.mark.parametrize(
    ("app_language", "currency"),
    [("pt-br", "BRL"), ("en-GB", "GBP"), ("de-ch", "CHF"), ("de", "EUR"), ("en", "EUR"), ("es-419", "EUR")],
)
async def test_the_app_languages_region_sets_the_currency(app_language: str, currency: str) -> None:
    shop = FakeShop()
    buyer = await BuyerService(shop, supported_languages=["en"], default_language="en").register(8, app_language)
    assert Pricing(TwoRates(), "EUR").currency_for(buyer, MANY) == currency


async def test_a_region_whose_currency_the_rates_lack_shows_the_shops() -> None:
    shop = FakeShop()
    buyer = await BuyerService(shop, supported_languages=["en"], default_language="en").register(8, "ja-JP")
    assert buyer.region == "JP"
    assert Pricing(TwoRates(), "EUR").currency_for(buyer, MANY) == "EUR"


async def test_the_first_explicit_choice_beats_the_app_languages_region(currencies: CurrencyService) -> None:
    buyer = await currencies.buyers.register(9, "pt-br")
    await currencies.choose(9, "GBP")
    buyer = await currencies.buyers.register(9, "pt-br")
    assert currencies.pricing.currency_for(buyer, MANY) == "GBP"


async def test_metals_and_accounting_units_are_not_offered() -> None:
    class WithGold:
        async def latest(self) -> Rates:
            return MANY

    assert await Pricing(WithGold(), "EUR").currencies() == ["BRL", "CHF", "EUR", "GBP"]
