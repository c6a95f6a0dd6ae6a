"""Which zone a person is shown times in."""

from __future__ import annotations

import pytest

from bot.domain.timezones import country_zones, is_timezone, zone_for


@pytest.mark.parametrize(
    ("country", "zone"),
    [("US", "America/New_York"), ("RU", "Europe/Moscow"), ("BR", "America/Sao_Paulo"), ("DE", "Europe/Berlin")],
)
def test_a_country_means_its_most_populous_zone(country: str, zone: str) -> None:
    assert zone_for(None, country, None, "UTC") == zone


def test_the_persons_own_choice_wins_over_their_country() -> None:
    assert zone_for("Asia/Tokyo", "US", "BR", "UTC") == "Asia/Tokyo"


def test_an_unknown_choice_falls_back_to_the_country_then_the_app_language_then_the_shop() -> None:
    assert zone_for("Mars/Olympus", "DE", None, "UTC") == "Europe/Berlin"
    assert zone_for(None, None, "BR", "UTC") == "America/Sao_Paulo"
    assert zone_for(None, None, None, "Europe/Paris") == "Europe/Paris"


def test_every_listed_zone_exists_and_kosovo_has_one() -> None:
    assert all(is_timezone(zone) for country in ("US", "RU", "AU", "CA", "XK") for zone in country_zones(country))
    assert country_zones("XK")
    assert country_zones("ZZ") == ()
