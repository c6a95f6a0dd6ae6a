"""Money: integer minor units per ISO 4217 currency, exact parsing, half-even conversion, Babel formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency

from bot.domain.money import InvalidAmount, Money, UnknownCurrency, check_currency, currency_exponent


@pytest.mark.parametrize(
    ("currency", "exponent", "one_unit_in_minor"), [("JPY", 0, 1), ("EUR", 2, 100), ("KWD", 3, 1000)]
)
def test_minor_units_follow_the_currency_exponent(currency: str, exponent: int, one_unit_in_minor: int) -> None:
    assert currency_exponent(currency) == exponent
    assert Money.from_major("1", currency) == Money(one_unit_in_minor, currency)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("19.90", "EUR", 1990),
        ("19.9", "EUR", 1990),
        ("19.900", "EUR", 1990),
        (" 7 ", "EUR", 700),
        ("1500", "JPY", 1500),
        ("12.345", "KWD", 12345),
        (Decimal("0.01"), "EUR", 1),
    ],
)
def test_from_major_parses_amounts_exactly(text: str | Decimal, currency: str, minor: int) -> None:
    assert Money.from_major(text, currency).amount_minor == minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [("19.999", "EUR"), ("1500.5", "JPY"), ("1.2345", "KWD"), ("0.001", "EUR")],
)
def test_from_major_refuses_more_decimals_than_the_currency_has(text: str, currency: str) -> None:
    with pytest.raises(InvalidAmount, match="decimal places"):
        Money.from_major(text, currency)


@pytest.mark.parametrize("text", ["abc", "", "1,50", "NaN", "Infinity", "-inf"])
def test_from_major_refuses_text_that_is_not_a_finite_number(text: str) -> None:
    with pytest.raises(InvalidAmount, match="not a number"):
        Money.from_major(text, "EUR")


def test_currency_codes_are_normalised_to_upper_case() -> None:
    assert Money.from_major("1", " eur ").currency == "EUR"
    assert check_currency("jpy") == "JPY"


@pytest.mark.parametrize("code", ["EURO", "EU", "XYZ", "", "12A", "€"])
def test_unknown_currency_codes_are_refused(code: str) -> None:
    with pytest.raises(UnknownCurrency):
        Money.from_major("1", code)


@pytest.mark.parametrize(
    ("minor", "rate", "target", "expected"),
    [
        (250, "1", "JPY", 2),  # 2.5 -> 2: ties go to the even neighbour
        (350, "1", "JPY", 4),  # 3.5 -> 4
        (5, "0.5", "EUR", 2),  # 0.025 -> 0.02
        (15, "0.5", "EUR", 8),  # 0.075 -> 0.08
        (100, "0.3335", "KWD", 334),  # 0.3335 -> 0.334
        (100, "0.3325", "KWD", 332),  # 0.3325 -> 0.332
        (100, "0.33351", "KWD", 334),  # not a tie: nearest
        (1999, "162.37", "JPY", 3246),  # 3245.7763 -> 3246
    ],
)
def test_conversion_rounds_half_even_to_the_target_minor_unit(
    minor: int, rate: str, target: str, expected: int
) -> None:
    assert Money(minor, "EUR").convert(Decimal(rate), target) == Money(expected, target)


@pytest.mark.parametrize(
    ("money", "locale", "amount"),
    [
        (Money(123456, "EUR"), "de", "1234.56"),
        (Money(123456, "EUR"), "fr", "1234.56"),
        (Money(123456, "EUR"), "zh", "1234.56"),
        (Money(1234, "JPY"), "ja", "1234"),
        (Money(1234, "JPY"), "de", "1234"),
        (Money(1234567, "KWD"), "en", "1234.567"),
    ],
)
def test_babel_formats_money_for_the_buyers_locale(money: Money, locale: str, amount: str) -> None:
    # Babel's wording (symbols, spaces, separators) is its own and changes with CLDR: what is ours is the amount in
    # major units, every minor unit kept, handed over with the currency and the buyer's locale.
    assert money.format(locale) == format_currency(Decimal(amount), money.currency, locale=locale)


def test_to_decimal_keeps_every_minor_unit() -> None:
    assert Money(1990, "EUR").to_decimal() == Decimal("19.90")
    assert Money(1500, "JPY").to_decimal() == Decimal("1500")
    assert Money(12345, "KWD").to_decimal() == Decimal("12.345")


def test_adding_and_multiplying_stay_in_minor_units() -> None:
    assert Money(1990, "EUR") + Money(10, "EUR") == Money(2000, "EUR")
    assert Money(1990, "EUR") * 3 == Money(5970, "EUR")


def test_adding_different_currencies_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot add JPY to EUR"):
        Money(100, "EUR") + Money(100, "JPY")


@pytest.mark.parametrize("code", ["XXX", "XTS", "XAU"])
def test_codes_that_are_not_money_are_refused(code: str) -> None:
    with pytest.raises(UnknownCurrency):
        check_currency(code)


@pytest.mark.parametrize("code", ["XOF", "XAF", "XCD", "XPF"])
def test_real_x_currencies_are_accepted(code: str) -> None:
    assert check_currency(code) == code
