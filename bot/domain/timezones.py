"""Which time zone a person is shown times in: the one they chose, else their country's, else the shop's."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Where zone.tab's first zone (it goes west to east before it goes by population) is not where most people live.
MOST_POPULOUS = {
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "UZ": "Asia/Tashkent",
}


# Countries zone.tab does not list (Kosovo is not in ISO 3166 yet).
UNLISTED = {"XK": "Europe/Belgrade"}


@cache
def _country_zones() -> dict[str, tuple[str, ...]]:
    """Zones by ISO 3166 country code, from the IANA database's zone.tab (the tzdata package, the same on every
    OS), with the country's most populous zone first (MOST_POPULOUS where zone.tab's order is geographic)."""
    zones: dict[str, list[str]] = {}
    table = files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    for line in table.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        country, _coordinates, zone, *_comment = line.split("\t")
        zones.setdefault(country, []).append(zone)
    for country, zone in UNLISTED.items():
        zones.setdefault(country, [zone])
    for country, zone in MOST_POPULOUS.items():
        names = zones.get(country, [])
        if zone in names:
            names.remove(zone)
            names.insert(0, zone)
    return {country: tuple(names) for country, names in zones.items()}


def country_zones(country: str) -> tuple[str, ...]:
    """The country's zones, most populous first; () for a code the database does not know."""
    return _country_zones().get(country.upper(), ())


def is_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def zone_for(chosen: str | None, country: str | None, region: str | None, default: str) -> str:
    """The zone to show a person times in: their own choice (/timezone), else their country's most populous zone,
    else that of the country their app language names (pt-BR -> Brazil), else `default` (the shop's)."""
    if chosen and is_timezone(chosen):
        return chosen
    for place in (country, region):
        if place and (zones := country_zones(place)):
            return zones[0]
    return default
