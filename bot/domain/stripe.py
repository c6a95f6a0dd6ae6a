"""Stripe's rules about money: amounts in Stripe's own minor units (which differ from ISO 4217 for some currencies),
the smallest charge it takes per currency, and which local payment methods may be offered with which currency.

From Stripe's "Supported currencies" reference: zero-decimal currencies are sent in whole units; ISK and UGX are
zero-decimal but sent as two-decimal values whose decimals are always 00; HUF and TWD are two-decimal but charged in
whole units (amounts divisible by 100); three-decimal currencies are sent with three decimals, the last one 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.domain.money import Money, currency_exponent

ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "VND", "VUV", "XAF", "XOF", "XPF"}
)
# Zero-decimal, but written as two-decimal with 00 decimals ("5 ISK" is 500).
ZERO_DECIMAL_AS_TWO = frozenset({"ISK", "UGX"})
# Two-decimal, but only whole units can be charged.
WHOLE_UNITS_ONLY = frozenset({"HUF", "TWD"})
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

# The smallest charge Stripe accepts, in major units (its minimum charge amounts table); other currencies have a
# minimum equivalent to 0.50 USD, which only Stripe can convert: it refuses those itself.
MINIMUM_CHARGE = {
    "USD": "0.50",
    "AED": "2.00",
    "AUD": "0.50",
    "BGN": "1.00",
    "BRL": "0.50",
    "CAD": "0.50",
    "CHF": "0.50",
    "CZK": "15.00",
    "DKK": "2.50",
    "EUR": "0.50",
    "GBP": "0.30",
    "HKD": "4.00",
    "HUF": "175.00",
    "INR": "0.50",
    "JPY": "50",
    "MXN": "10",
    "MYR": "2",
    "NOK": "3.00",
    "NZD": "0.50",
    "PLN": "2.00",
    "RON": "2.00",
    "SEK": "3.00",
    "SGD": "0.50",
    "THB": "10",
}

# Local payment methods and the currencies each accepts (lowercase, as Stripe writes them). `card` takes them all.
METHOD_CURRENCIES: dict[str, frozenset[str]] = {
    "ideal": frozenset({"eur"}),
    "bancontact": frozenset({"eur"}),
    "eps": frozenset({"eur"}),
    "p24": frozenset({"eur", "pln"}),
    "blik": frozenset({"pln"}),
    "twint": frozenset({"chf"}),
    "alipay": frozenset({"cny", "aud", "cad", "eur", "gbp", "hkd", "jpy", "myr", "nzd", "sgd", "usd"}),
    "wechat_pay": frozenset(
        {"cny", "aud", "cad", "chf", "dkk", "eur", "gbp", "hkd", "jpy", "nok", "sek", "sgd", "usd"}
    ),
}
CARD = "card"


class AmountNotChargeable(ValueError):
    """Stripe would refuse this amount (below its minimum, or a fraction it cannot charge): said before asking it."""


def stripe_exponent(currency: str) -> int:
    """Digits Stripe's `amount` carries for a currency (what its minor unit is)."""
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def to_stripe(amount: Money) -> tuple[int, str]:
    """The amount and currency as Stripe's API takes them: an integer in Stripe's minor units, a lowercase code.
    AmountNotChargeable when Stripe would refuse it."""
    code = amount.currency.upper()
    shift = stripe_exponent(code) - currency_exponent(code)
    if shift >= 0:
        minor = amount.amount_minor * 10**shift
    else:
        minor, rest = divmod(amount.amount_minor, 10**-shift)
        if rest:
            raise AmountNotChargeable(f"{code} cannot be charged in fractions of {10**-shift} minor units")
    if code in WHOLE_UNITS_ONLY | ZERO_DECIMAL_AS_TWO and minor % 100:
        raise AmountNotChargeable(f"{code} can only be charged in whole units (a multiple of 100 for Stripe)")
    if code in THREE_DECIMAL and minor % 10:
        raise AmountNotChargeable(f"{code} amounts must end in 0 for Stripe (three decimals, the last one 0)")
    minimum = MINIMUM_CHARGE.get(code)
    if minimum is not None and amount.amount_minor < Money.from_major(minimum, code).amount_minor:
        raise AmountNotChargeable(f"{code} charges start at {minimum} on Stripe")
    return minor, code.lower()


def from_stripe(minor: int, currency: str) -> Money:
    """The Money a Stripe amount stands for; AmountNotChargeable when it is no whole ISO minor unit."""
    code = currency.upper()
    shift = stripe_exponent(code) - currency_exponent(code)
    if shift <= 0:
        return Money(minor * 10**-shift, code)
    units, rest = divmod(minor, 10**shift)
    if rest:
        raise AmountNotChargeable(f"{minor} is not a whole amount of {code}")
    return Money(units, code)


def payment_methods(country: str | None, currency: str, local: Mapping[str, Iterable[str]]) -> tuple[str, ...]:
    """`card`, then the local methods configured for the buyer's country that accept the currency."""
    code = currency.lower()
    chosen = [CARD]
    for method in local.get((country or "").upper(), ()):
        if code in METHOD_CURRENCIES.get(method, frozenset()) and method not in chosen:
            chosen.append(method)
    return tuple(chosen)
