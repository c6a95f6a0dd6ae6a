"""What the bot shows for money, countries and languages, computed with the Babel calls the bot makes itself.

Tests compare the bot's text with these instead of typing Babel's output in: a newer Babel (new CLDR data, such as a
narrow no-break space or a renamed country) changes both sides at once, and each test still checks what it is about.
"""

from __future__ import annotations

from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency, get_currency_symbol


def price(amount: str, currency: str = "EUR", locale: str = "en") -> str:
    """`price("19.90")` is "€19.90" today."""
    return str(format_currency(Decimal(amount), currency, locale=locale))


def symbol(currency: str, locale: str = "en") -> str:
    """`symbol("EUR")` is "€" today."""
    return str(get_currency_symbol(currency, locale=locale))


def country(code: str, locale: str = "en") -> str:
    """`country("DE", "de")` is "Deutschland" today."""
    return str(Locale.parse(locale).territories[code])


def language(code: str) -> str:
    """A language's name in itself, capitalised as the language menu shows it: `language("de")` is "Deutsch" today."""
    name = str(Locale.parse(code).get_display_name(code))
    return name[:1].upper() + name[1:]
