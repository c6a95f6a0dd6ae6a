"""Countries: what counts as one where the shop ships or a buyer lives, from ISO 3166-1 (kept by pycountry).

Babel's territory names also hold regions and groupings (EU, EA, UN, QO, 001): none of those is a country.
"""

from __future__ import annotations

import pycountry

COUNTRIES = frozenset(country.alpha_2 for country in pycountry.countries)


def is_country(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code of a country, in any letter case."""
    return code.strip().upper() in COUNTRIES
