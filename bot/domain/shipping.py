"""Shipping fees: per country, per named zone, or for everywhere (`*`); the most specific entry wins."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.domain.catalog import EVERYWHERE
from bot.domain.countries import COUNTRIES
from bot.domain.money import Money

# Countries offered as buttons at checkout when the cart can go to more; the buyer may type any other.
OFFERED_COUNTRIES = 6

EU_COUNTRIES = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    }
)


@dataclass(frozen=True, slots=True)
class ShippingTable:
    fees: Mapping[str, Money]
    zones: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def fee_for(self, country: str) -> Money | None:
        """The fee to ship to `country`; None when none is configured (the shop does not ship there)."""
        code = country.upper()
        if code in self.fees:
            return self.fees[code]
        # Zones are tried in name order, so a country listed in two zones always gets the same fee.
        for name in sorted(self.zones):
            if code in self.zones[name] and name in self.fees:
                return self.fees[name]
        return self.fees.get(EVERYWHERE)

    def countries(self) -> frozenset[str]:
        """Every country the shop has a fee for."""
        return frozenset(code for code in COUNTRIES if self.fee_for(code) is not None)

    def named_countries(self) -> frozenset[str]:
        """The countries the fee table names itself (not through `*`): the shop's usual destinations."""
        named = {code for code in self.fees if code in COUNTRIES}
        for name, members in self.zones.items():
            if name in self.fees:
                named |= members & COUNTRIES
        return frozenset(named)


@dataclass(frozen=True, slots=True)
class Destinations:
    """Where a whole cart can go: the countries every line ships to and the shop has a fee for.

    `offered` are the ones to show as buttons (all of them when few, else the buyer's own first and a few usual
    ones); `ships_to` says, per line code, where it goes, to explain a cart that can go nowhere as a whole.
    """

    countries: frozenset[str]
    offered: tuple[str, ...]
    ships_to: tuple[tuple[str, frozenset[str]], ...] = ()

    @property
    def nowhere(self) -> bool:
        return not self.countries

    @property
    def more_than_offered(self) -> bool:
        return len(self.countries) > len(self.offered)


def cart_destinations(
    lines: Sequence[tuple[str, frozenset[str]]],
    shipping: ShippingTable,
    preferred: Iterable[str | None] = (),
    limit: int = OFFERED_COUNTRIES,
) -> Destinations:
    """The countries a cart of `lines` (label, ships_to) can go to as a whole, and which of them to offer first:
    the `preferred` ones (the buyer's own, their last destination) that the cart can reach, then the countries the
    lines and the fee table name, up to `limit` (all of them, the preferred first, when there are no more)."""
    countries = shipping.countries()
    for _label, ships_to in lines:
        if EVERYWHERE not in ships_to:
            countries &= ships_to
    first = [code for code in dict.fromkeys(preferred) if code and code in countries]
    if len(countries) <= limit:
        usual = set(countries)
    else:
        usual = {code for _label, ships_to in lines for code in ships_to} | set(shipping.named_countries())
    offered = (first + sorted((usual & countries) - set(first)))[:limit]
    # Where each line goes, to explain a cart that can go nowhere as a whole (`*`: anywhere the shop ships).
    per_line = tuple(
        (label, ships_to if EVERYWHERE in ships_to else ships_to & shipping.countries()) for label, ships_to in lines
    )
    return Destinations(frozenset(countries), tuple(offered), per_line)
