from __future__ import annotations

from decimal import Decimal

import pytest

from bot.domain.buyer import Buyer
from bot.domain.fx import InvalidRates, Rates, UnknownRate, currency_for_country, parse_rates
from bot.domain.money import Money
from bot.services.pricing import Pricing

RATES = Rates(
    base="EUR",
    rates={"USD": Decimal("1.08"), "JPY": Decimal("161.25"), "KWD": Decimal("0.3331"), "GBP": Decimal("0.85")},
)


@pytest.mark.parametrize(
    ("country", "currency"), [("DE", "EUR"), ("jp", "JPY"), ("KW", "KWD"), ("BR", "BRL"), ("CH", "CHF"), ("US", "USD")]
)
def test_a_country_pays_in_its_own_currency(country: str, currency: str) -> None:
    assert currency_for_country(country) == currency


def test_an_unknown_country_has_no_currency() -> None:
    assert currency_for_country("XQ") is None


def test_euro_to_yen_rounds_half_even_to_whole_yen() -> None:
    assert RATES.convert(Money(1990, "EUR"), "JPY") == Money(3209, "JPY")  # 3208.875
    assert RATES.convert(Money(1000, "EUR"), "JPY") == Money(1612, "JPY")  # 1612.5 -> even
    assert RATES.convert(Money(1002, "EUR"), "JPY") == Money(1616, "JPY")  # 1615.725


def test_euro_to_dinar_keeps_three_decimals() -> None:
    assert RATES.convert(Money(1990, "EUR"), "KWD") == Money(6629, "KWD")  # 6.62869 -> 6.629
    assert RATES.convert(Money(1500, "EUR"), "KWD") == Money(4996, "KWD")  # 4.9965 -> 4.996 (half-even)


def test_yen_to_euro_rounds_to_cents() -> None:
    assert RATES.convert(Money(3000, "JPY"), "EUR") == Money(1860, "EUR")  # 18.6046...
    assert RATES.convert(Money(1, "JPY"), "EUR") == Money(1, "EUR")  # 0.0062 -> 0.01


def test_cross_rates_go_through_the_base() -> None:
    assert RATES.rate("USD", "GBP") == Decimal("0.85") / Decimal("1.08")
    assert RATES.convert(Money(10000, "USD"), "GBP") == Money(7870, "GBP")  # 78.7037...


def test_same_currency_is_unchanged_and_unknown_ones_are_refused() -> None:
    assert RATES.convert(Money(1990, "EUR"), "EUR") == Money(1990, "EUR")
    with pytest.raises(UnknownRate):
        RATES.convert(Money(1990, "EUR"), "CHF")


def test_rates_documents_are_checked() -> None:
    rates = parse_rates({"base": "eur", "as_of": "2026-11-20", "rates": {"usd": "1.08", "JPY": 161.25}})
    assert rates.base == "EUR"
    assert rates.rates == {"USD": Decimal("1.08"), "JPY": Decimal("161.25")}
    for bad in (
        {"rates": {"USD": "1"}},
        {"base": "EUR", "rates": {}},
        {"base": "XXY", "rates": {"USD": "1"}},
        {"base": "EUR", "rates": {"USD": "-1"}},
        {"base": "EUR", "rates": {"USD": "abc"}},
        {"base": "EUR", "rates": {"QQQ": "1"}},
    ):
        with pytest.raises(InvalidRates):
            parse_rates(bad)


def test_the_bundled_rates_file_is_usable() -> None:
    from bot.adapters.rates import BUNDLED_RATES, load_rates_file

    rates = load_rates_file(BUNDLED_RATES)
    assert rates.base == "EUR"
    assert {"USD", "GBP", "JPY", "CNY", "KWD", "BRL", "RUB", "CHF", "PLN", "SEK"} <= set(rates.rates)
    assert len(rates.rates) >= 30


class StaticRates:
    async def latest(self) -> Rates:
        return RATES


@pytest.mark.parametrize(
    ("country", "chosen", "shown"),
    [
        (None, None, "EUR"),  # nothing known: the shop's currency
        ("JP", None, "JPY"),  # from the country
        ("JP", "USD", "USD"),  # a choice beats the country
        ("CH", None, "EUR"),  # the rates do not know CHF: the shop's currency rather than no price
        ("US", "CHF", "USD"),  # an unusable choice falls back to the country
    ],
)
def test_the_buyer_sees_their_chosen_or_their_countrys_currency(
    country: str | None, chosen: str | None, shown: str
) -> None:
    pricing = Pricing(StaticRates(), "EUR")
    buyer = Buyer(telegram_id=1, language="en", country=country, currency=chosen)
    assert pricing.currency_for(buyer, RATES) == shown
    assert pricing.currency_for(None, RATES) == "EUR"


async def test_the_currencies_offered_are_the_ones_the_rates_know() -> None:
    assert await Pricing(StaticRates(), "EUR").currencies() == ["EUR", "GBP", "JPY", "KWD", "USD"]
