"""Amounts as Stripe takes them: its own minor units (which differ from ISO 4217 for HUF, ISK, TWD and UGX),
three-decimal currencies ending in 0, and its minimum charges, refused before Stripe is asked."""

from __future__ import annotations

import pytest

from bot.domain.money import Money
from bot.domain.stripe import AmountNotChargeable, from_stripe, payment_methods, to_stripe


@pytest.mark.parametrize(
    ("major", "currency", "stripe_amount"),
    [
        pytest.param("12.34", "EUR", 1234, id="EUR two decimals"),
        pytest.param("1500", "JPY", 1500, id="JPY zero-decimal"),
        pytest.param("5000", "HUF", 500000, id="HUF two-decimal in Stripe, whole forints"),
        pytest.param("150", "TWD", 15000, id="TWD two-decimal in Stripe, whole dollars"),
        pytest.param("5000", "ISK", 500000, id="ISK zero-decimal written with 00"),
        pytest.param("20000", "UGX", 2000000, id="UGX zero-decimal written with 00"),
        pytest.param("1.230", "KWD", 1230, id="KWD three decimals ending in 0"),
        pytest.param("3.450", "BHD", 3450, id="BHD three decimals ending in 0"),
        pytest.param("2000", "KRW", 2000, id="KRW zero-decimal"),
    ],
)
def test_amounts_go_to_stripe_in_its_minor_units_with_a_lowercase_code(
    major: str, currency: str, stripe_amount: int
) -> None:
    money = Money.from_major(major, currency)
    assert to_stripe(money) == (stripe_amount, currency.lower())
    assert from_stripe(stripe_amount, currency.lower()) == money


@pytest.mark.parametrize(
    "money",
    [
        pytest.param(Money(1235, "KWD"), id="KWD not ending in 0"),
        pytest.param(Money(49, "EUR"), id="EUR below 0.50"),
        pytest.param(Money(49, "USD"), id="USD below 0.50"),
        pytest.param(Money(29, "GBP"), id="GBP below 0.30"),
        pytest.param(Money(49, "JPY"), id="JPY below 50"),
        pytest.param(Money.from_major("150", "HUF"), id="HUF below 175"),
    ],
)
def test_amounts_stripe_would_refuse_are_refused_before_asking_it(money: Money) -> None:
    with pytest.raises(AmountNotChargeable):
        to_stripe(money)


def test_the_minimum_charge_itself_is_accepted() -> None:
    assert to_stripe(Money(50, "EUR")) == (50, "eur")
    assert to_stripe(Money(30, "GBP")) == (30, "gbp")
    assert to_stripe(Money(50, "JPY")) == (50, "jpy")


def test_a_webhook_amount_that_is_no_whole_isk_matches_nothing() -> None:
    with pytest.raises(AmountNotChargeable):
        from_stripe(50050, "isk")


LOCAL = {"NL": ["ideal"], "BE": ["bancontact"], "CN": ["alipay", "wechat_pay"]}


@pytest.mark.parametrize(
    ("country", "currency", "methods"),
    [
        pytest.param("NL", "EUR", ("card", "ideal"), id="iDEAL in the Netherlands in euros"),
        pytest.param("NL", "USD", ("card",), id="no iDEAL in dollars"),
        pytest.param("BE", "EUR", ("card", "bancontact"), id="Bancontact in Belgium"),
        pytest.param("CN", "CNY", ("card", "alipay", "wechat_pay"), id="Alipay and WeChat Pay in China"),
        pytest.param("CN", "KRW", ("card",), id="neither takes won"),
        pytest.param("DE", "EUR", ("card",), id="nothing configured for Germany"),
        pytest.param(None, "EUR", ("card",), id="no country known"),
    ],
)
def test_local_methods_follow_the_buyers_country_and_the_currency(
    country: str | None, currency: str, methods: tuple[str, ...]
) -> None:
    assert payment_methods(country, currency, LOCAL) == methods
