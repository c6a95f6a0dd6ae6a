"""Which time zone a person is shown times in: the one they chose, else their country's, else the shop's."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from importlib.resources import files
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

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


class ZoneSource(StrEnum):
    """Where a person's zone comes from: what /timezone shows them."""

    CHOSEN = "chosen"  # they picked it with /timezone
    COUNTRY = "country"  # their country's (or their app language's country's) most populous zone
    SHOP = "shop"  # nothing known about them: the shop's


@dataclass(frozen=True, slots=True)
class ZoneSetting:
    zone: str
    source: ZoneSource


def zone_setting(chosen: str | None, country: str | None, region: str | None, default: str) -> ZoneSetting:
    """The zone to show a person times in, and why: their own choice (/timezone), else their country's most populous
    zone, else that of the country their app language names (pt-BR -> Brazil), else `default` (the shop's)."""
    if chosen and is_timezone(chosen):
        return ZoneSetting(chosen, ZoneSource.CHOSEN)
    for place in (country, region):
        if place and (zones := country_zones(place)):
            return ZoneSetting(zones[0], ZoneSource.COUNTRY)
    return ZoneSetting(default, ZoneSource.SHOP)


def zone_for(chosen: str | None, country: str | None, region: str | None, default: str) -> str:
    """The zone alone of `zone_setting`."""
    return zone_setting(chosen, country, region, default).zone


class UnknownTimezone(ValueError):
    """Text that names no time zone, no city with a zone of its own and no UTC offset a zone keeps."""


# "+3", "UTC-5", "GMT+05:30", "utc +0545": a sign is required, so a bare "3" is not taken for an offset.
OFFSET = re.compile(r"(?:utc|gmt)?\s*(?P<sign>[+-])\s*(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?", re.IGNORECASE)
# Etc/GMT zones exist from 14 hours east to 12 west of Greenwich.
EAST_MOST, WEST_MOST = timedelta(hours=14), timedelta(hours=-12)
# Where several places keep an offset all year, the one most of its people live in (else the first by name).
MOST_POPULOUS_AT = {timedelta(hours=5, minutes=30): "Asia/Kolkata"}


def parse_zone(text: str, now: datetime) -> str:
    """The IANA zone a person means by `text`: a zone's name in any case ("europe/berlin"), a city that names a zone
    ("Berlin", "são paulo", "new york"), or an offset from UTC ("+3", "UTC-5", "+05:30"). A whole-hour offset is an
    Etc/GMT zone (whose sign POSIX inverts: UTC+3 is Etc/GMT-3); another one is a place that keeps that offset all
    year (all year as of `now`), else one that keeps it part of the year. Raises UnknownTimezone."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise UnknownTimezone(text)
    if cleaned.upper() in {"UTC", "GMT", "Z"}:
        return "UTC"
    if (offset := OFFSET.fullmatch(cleaned)) is not None:
        return _zone_at_offset(offset, now, text)
    by_name = _zones_by_name()
    zone = by_name.get(cleaned.replace(" ", "_").lower()) or _zones_by_city().get(_city_key(cleaned))
    if zone is None:
        raise UnknownTimezone(text)
    return zone


def _zone_at_offset(offset: re.Match[str], now: datetime, text: str) -> str:
    hours, minutes = int(offset["hours"]), int(offset["minutes"] or 0)
    if minutes >= 60:
        raise UnknownTimezone(text)
    sign = -1 if offset["sign"] == "-" else 1
    east = sign * timedelta(hours=hours, minutes=minutes)
    if not WEST_MOST <= east <= EAST_MOST:
        raise UnknownTimezone(text)
    if not east:
        return "UTC"
    if not minutes:
        return f"Etc/GMT{'-' if sign > 0 else '+'}{hours}"
    # No Etc zone for India's +05:30 or Nepal's +05:45: the place that keeps the offset stands for it.
    if east in MOST_POPULOUS_AT:
        return MOST_POPULOUS_AT[east]
    seasons = (now.replace(month=1, day=1), now.replace(month=7, day=1))
    canonical = sorted(zone for zones in _country_zones().values() for zone in zones)
    offsets = {zone: {season.astimezone(ZoneInfo(zone)).utcoffset() for season in seasons} for zone in canonical}
    for zone in canonical:
        if offsets[zone] == {east}:
            return zone
    for zone in canonical:
        if east in offsets[zone]:
            return zone
    raise UnknownTimezone(text)


def _city_key(name: str) -> str:
    """ "São Paulo", "sao_paulo" and "SAO-PAULO" alike: no accents, case, spaces, underscores, hyphens or dots."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return re.sub(r"[\s_\-.'’]", "", plain).casefold()


@cache
def _zones_by_name() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones()}


@cache
def _zones_by_city() -> dict[str, str]:
    """A zone by the city its name ends with; zone.tab's (today's names: Kyiv) win over older links (Kiev still
    works, as the link it is)."""
    canonical = {zone for zones in _country_zones().values() for zone in zones}
    cities: dict[str, str] = {}
    for zone in sorted(available_timezones(), key=lambda zone: (zone not in canonical, zone)):
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/")):
            cities.setdefault(_city_key(zone.rsplit("/", 1)[1]), zone)
    return cities
