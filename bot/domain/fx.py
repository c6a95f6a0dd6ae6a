"""Exchange rates: what a buyer's country pays in, and converting the shop's prices into it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from babel.numbers import get_territory_currencies

from bot.domain.money import Money, UnknownCurrency, check_currency


class UnknownRate(LookupError):
    """The rates do not cover a currency."""


class InvalidRates(ValueError):
    """A rates document that cannot be used; the message says why."""


# ISO 4217 codes that are not money a shop can take: precious metals, IMF and bank units, testing, "no currency".
NOT_MONEY = frozenset(
    {"XAG", "XAU", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XUA", "XTS", "XXX", "BOV", "CLF", "COU"}
    | {"MXV", "USN", "UYI", "UYW", "CHE", "CHW"}
)


def is_money(currency: str) -> bool:
    """Whether prices can be shown in `currency`: a currency people pay with, not a metal or an accounting unit."""
    return len(currency) == 3 and currency.isalpha() and currency.upper() not in NOT_MONEY


def currency_for_country(country: str) -> str | None:
    """The legal tender of a country today (DE -> EUR, JP -> JPY, CH -> CHF), or None when Babel does not know it."""
    currencies = [str(code) for code in get_territory_currencies(country.upper(), tender=True) if is_money(str(code))]
    return currencies[0] if currencies else None


@dataclass(frozen=True, slots=True)
class Rates:
    """Units of each currency per one unit of `base` (the base itself is 1)."""

    base: str
    rates: Mapping[str, Decimal]
    as_of: datetime | str | None = None

    def knows(self, currency: str) -> bool:
        return currency == self.base or currency in self.rates

    def _per_base(self, currency: str) -> Decimal:
        if currency == self.base:
            return Decimal(1)
        try:
            return self.rates[currency]
        except KeyError:
            raise UnknownRate(currency) from None

    def rate(self, source: str, target: str) -> Decimal:
        """Units of `target` per unit of `source`, crossing through the base when neither is the base."""
        if source == target:
            return Decimal(1)
        return self._per_base(target) / self._per_base(source)

    def convert(self, money: Money, currency: str) -> Money:
        """`money` in `currency`, rounded half-even to that currency's minor unit."""
        if money.currency == currency:
            return money
        return money.convert(self.rate(money.currency, currency), currency)


def parse_rates(document: Mapping[str, object]) -> Rates:
    """Rates from `{"base": "EUR", "as_of": "...", "rates": {"USD": "1.08", ...}}` (file or HTTP)."""
    try:
        base = check_currency(str(document["base"]))
        raw = document["rates"]
    except KeyError as exc:
        raise InvalidRates(f"missing {exc.args[0]!r}") from None
    except UnknownCurrency as exc:
        raise InvalidRates(f"base {exc.args[0]!r} is not an ISO 4217 code") from None
    if not isinstance(raw, Mapping) or not raw:
        raise InvalidRates("'rates' must be a non-empty object of currency codes to numbers")
    rates: dict[str, Decimal] = {}
    for code, value in raw.items():
        try:
            currency = check_currency(str(code))
            rate = Decimal(str(value))
        except UnknownCurrency:
            raise InvalidRates(f"{code!r} is not an ISO 4217 code") from None
        except InvalidOperation:
            raise InvalidRates(f"rate for {code} is not a number: {value!r}") from None
        if not rate.is_finite() or rate <= 0:
            raise InvalidRates(f"rate for {code} must be above zero")
        rates[currency] = rate
    as_of = document.get("as_of")
    return Rates(base=base, rates=rates, as_of=None if as_of is None else str(as_of))
