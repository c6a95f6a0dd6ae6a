"""Money as an integer of minor units plus an ISO 4217 code; Babel knows each currency's exponent."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_name, get_currency_precision


class InvalidAmount(ValueError):
    """An amount that cannot be expressed in the currency's minor units."""


class UnknownCurrency(ValueError):
    """A code that is not an ISO 4217 currency."""


# ISO 4217 codes that are not money a shop can charge: precious metals, fund units, testing and "no currency".
NOT_MONEY = frozenset({"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"})
# The most minor units a typed amount may have (10 trillion EUR cents): orders multiply it by their quantities and
# convert it into currencies worth less, and the database keeps every amount in 64 bits.
MAX_MINOR_UNITS = 10**15 - 1


def check_currency(code: str) -> str:
    upper = code.strip().upper()
    if len(upper) != 3 or not upper.isalpha() or upper in NOT_MONEY or get_currency_name(upper, locale="en") == upper:
        raise UnknownCurrency(code)
    return upper


def currency_exponent(code: str) -> int:
    """Digits after the decimal point: JPY 0, EUR 2, KWD 3."""
    return int(get_currency_precision(check_currency(code)))


@dataclass(frozen=True, slots=True)
class Money:
    amount_minor: int
    currency: str

    @classmethod
    def from_major(cls, text: str | Decimal, currency: str) -> Money:
        """Parse a major-unit amount exactly; refuse more decimals than the currency has."""
        code = check_currency(currency)
        try:
            value = Decimal(str(text).strip())
        except InvalidOperation as exc:
            raise InvalidAmount(f"{text!r} is not a number") from exc
        if not value.is_finite():
            raise InvalidAmount(f"{text!r} is not a number")
        exponent = currency_exponent(code)
        # Before scaling: `1e999999` overflows Decimal's context, and `1e30` cents fit no database column.
        if value and value.adjusted() + exponent >= len(str(MAX_MINOR_UNITS)):
            raise InvalidAmount(f"{text!r} is too large")
        scaled = value.scaleb(exponent)
        if scaled != scaled.to_integral_value():
            raise InvalidAmount(f"{code} has {exponent} decimal places, {text!r} has more")
        return cls(int(scaled), code)

    def to_decimal(self) -> Decimal:
        return Decimal(self.amount_minor).scaleb(-currency_exponent(self.currency))

    def format(self, locale: str) -> str:
        return str(format_currency(self.to_decimal(), self.currency, locale=locale))

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __mul__(self, quantity: int) -> Money:
        return Money(self.amount_minor * quantity, self.currency)

    def convert(self, rate: Decimal, currency: str) -> Money:
        """Convert at `rate` (units of `currency` per unit of self), rounding half-even to the target's minor unit."""
        target = check_currency(currency)
        major = self.to_decimal() * rate
        quantum = Decimal(1).scaleb(-currency_exponent(target))
        rounded = major.quantize(quantum, rounding=ROUND_HALF_EVEN)
        return Money(int(rounded.scaleb(currency_exponent(target))), target)
