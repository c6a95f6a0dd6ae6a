"""A country is an ISO 3166-1 country: regions and groupings (EU, EA, UN, QO, 001) are not, anywhere a country is
asked for (the catalogue's ships_to, shipping zones, checkout)."""

from __future__ import annotations

import pytest

from bot.config import Settings
from bot.domain.checkout import UnknownCountry, check_country
from bot.domain.countries import is_country

GROUPINGS = ["EU", "EA", "UN", "QO", "EZ", "ZZ", "001", "150", ""]


@pytest.mark.parametrize("code", ["DE", "de", " fr ", "GB", "US", "JP", "BR", "CN", "RU"])
def test_countries_are_countries(code: str) -> None:
    assert is_country(code)


@pytest.mark.parametrize("code", [*GROUPINGS, "DEU", "XX"])
def test_regions_and_groupings_are_not_countries(code: str) -> None:
    assert not is_country(code)


@pytest.mark.parametrize("code", GROUPINGS)
def test_checkout_refuses_a_grouping_as_the_buyers_country(code: str) -> None:
    with pytest.raises(UnknownCountry):
        check_country(code)


def test_a_shipping_zone_of_groupings_is_refused() -> None:
    with pytest.raises(ValueError, match="zone EUROPE has unknown country codes: EU"):
        Settings(shipping_zones='{"EUROPE": ["DE", "EU"]}', _env_file=None)  # type: ignore[call-arg]
