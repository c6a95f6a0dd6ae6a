"""/timezone: the zone a buyer's reminders show times in, the zones of their country to tap, and what to type."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import get_timezone_location

from bot.domain.timezones import ZoneSetting, ZoneSource
from bot.services.buyers import AUTOMATIC, TimezoneOptions
from handlers.callbacks import TimezoneCb
from handlers.views.common import Screen

# Buttons /timezone offers at most (the United States alone has 29 zones); any other can be typed.
ZONE_BUTTONS = 12


def utc_offset(zone: str, now: datetime | None = None) -> str:
    """ "UTC+05:30", "UTC−03:00", "UTC": the zone's offset now, as people write it."""
    offset = (now or datetime.now(UTC)).astimezone(ZoneInfo(zone)).utcoffset() or timedelta()
    if not offset:
        return "UTC"
    minutes = int(abs(offset).total_seconds()) // 60
    sign = "+" if offset > timedelta() else "−"
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def city_name(zone: str, locale: str) -> str:
    """The zone's city in the buyer's language ("Berlin", "Берлин"); "" for a zone of no place (UTC, Etc/GMT-3)."""
    if "/" not in zone or zone.startswith("Etc/"):
        return ""
    try:
        return str(get_timezone_location(ZoneInfo(zone), locale=locale, return_city=True))
    except (LookupError, ValueError):
        return zone.rsplit("/", 1)[1].replace("_", " ")


def zone_label(zone: str, locale: str, now: datetime | None = None) -> str:
    """ "Berlin (UTC+01:00)", or the offset alone for a zone that is one."""
    city = city_name(zone, locale)
    offset = utc_offset(zone, now)
    return f"{city} ({offset})" if city else offset


def zone_in_use_text(setting: ZoneSetting, locale: str) -> str:
    zone = html.escape(zone_label(setting.zone, locale))
    if setting.source is ZoneSource.CHOSEN:
        return _("Your reminders show times in {zone}, the zone you chose.").format(zone=zone)
    if setting.source is ZoneSource.COUNTRY:
        return _("Your reminders show times in {zone}, the zone of your country.").format(zone=zone)
    return _("Your reminders show times in {zone}, the shop's zone, until I know your country.").format(zone=zone)


def how_to_choose_text() -> str:
    return _(
        "Tap your zone, or type a city (Berlin), a zone (Europe/Berlin) or an offset from UTC (+3). "
        "/cancel keeps it as it is."
    )


def timezone_screen(options: TimezoneOptions, locale: str) -> Screen:
    builder = InlineKeyboardBuilder()
    for zone in options.zones[:ZONE_BUTTONS]:
        builder.button(text=zone_label(zone, locale), callback_data=TimezoneCb(zone=zone))
    builder.adjust(2)
    automatic = InlineKeyboardBuilder()
    automatic.button(text="🌍 " + _("Automatic (from my country)"), callback_data=TimezoneCb(zone=AUTOMATIC))
    builder.attach(automatic)
    text = "🕒 " + zone_in_use_text(options.current, locale) + "\n\n" + how_to_choose_text()
    return Screen(text, builder.as_markup())


def timezone_set_text(setting: ZoneSetting, locale: str) -> str:
    return "✅ " + zone_in_use_text(setting, locale)


def unknown_timezone_text(typed: str) -> str:
    return _(
        "I do not know the time zone “{typed}”. Type a city (Berlin), a zone (Europe/Berlin) or an offset from UTC "
        "(+3, UTC-5, +05:30), or send /cancel."
    ).format(typed=html.escape(typed[:64]))


def timezone_kept_text(setting: ZoneSetting, locale: str) -> str:
    return _("Your time zone stays as it was.") + " " + zone_in_use_text(setting, locale)


def timezone_gone_text() -> str:
    """A tapped zone this system no longer knows (a button drawn with an older time zone database)."""
    return _("Sorry, I do not know that time zone any more. Send /timezone to choose again.")
