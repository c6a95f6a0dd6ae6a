"""Shipping fees: per country, per named zone, or for everywhere (`*`); the most specific entry wins."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.domain.catalog import EVERYWHERE
from bot.domain.money import Money

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
