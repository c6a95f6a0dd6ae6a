"""Which zone a person is shown times in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.timezones import (
    UnknownTimezone,
    ZoneSetting,
    ZoneSource,
    country_zones,
    is_timezone,
    parse_zone,
    zone_for,
    zone_setting,
)


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


NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/BERLIN", "Europe/Berlin"),
        ("America/Sao Paulo", "America/Sao_Paulo"),
        ("Berlin", "Europe/Berlin"),
        ("sao paulo", "America/Sao_Paulo"),
        ("São Paulo", "America/Sao_Paulo"),
        ("  New   York ", "America/New_York"),
        ("ho-chi-minh", "Asia/Ho_Chi_Minh"),
        ("Kyiv", "Europe/Kyiv"),
        ("utc", "UTC"),
        ("GMT", "UTC"),
        ("+0", "UTC"),
    ],
)
def test_a_zone_is_found_by_its_name_or_its_city(typed: str, zone: str) -> None:
    assert parse_zone(typed, NOW) == zone


@pytest.mark.parametrize(
    ("typed", "east"),
    [
        ("+3", timedelta(hours=3)),
        ("UTC-5", timedelta(hours=-5)),
        ("gmt +10", timedelta(hours=10)),
        ("+14", timedelta(hours=14)),
        ("-12", timedelta(hours=-12)),
        ("+05:30", timedelta(hours=5, minutes=30)),
        ("UTC+0545", timedelta(hours=5, minutes=45)),
        ("+9:30", timedelta(hours=9, minutes=30)),
    ],
)
def test_an_offset_means_a_zone_that_is_that_far_from_utc(typed: str, east: timedelta) -> None:
    zone = parse_zone(typed, NOW)
    assert NOW.astimezone(ZoneInfo(zone)).utcoffset() == east


def test_a_whole_hour_offset_is_an_etc_zone_whose_sign_posix_inverts() -> None:
    assert parse_zone("UTC+3", NOW) == "Etc/GMT-3"
    assert parse_zone("-5", NOW) == "Etc/GMT+5"


def test_a_half_hour_offset_prefers_a_place_that_keeps_it_all_year() -> None:
    zone = ZoneInfo(parse_zone("+05:30", NOW))
    assert {datetime(2026, month, 1, tzinfo=UTC).astimezone(zone).utcoffset() for month in (1, 7)} == {
        timedelta(hours=5, minutes=30)
    }


@pytest.mark.parametrize("typed", ["", "   ", "Atlantis", "3", "+15", "-13", "+05:75", "+03:20", "Europe/", "A12 x2"])
def test_what_names_no_zone_is_refused(typed: str) -> None:
    with pytest.raises(UnknownTimezone):
        parse_zone(typed, NOW)


def test_zone_setting_says_where_the_zone_comes_from() -> None:
    assert zone_setting("Asia/Tokyo", "DE", None, "UTC") == ZoneSetting("Asia/Tokyo", ZoneSource.CHOSEN)
    assert zone_setting(None, "DE", None, "UTC") == ZoneSetting("Europe/Berlin", ZoneSource.COUNTRY)
    assert zone_setting(None, None, None, "Europe/Paris") == ZoneSetting("Europe/Paris", ZoneSource.SHOP)
