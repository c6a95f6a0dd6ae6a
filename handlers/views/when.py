"""Times and durations as people read them: in their zone, in their language's words (Babel)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_time, format_timedelta, get_datetime_format


def local_time(moment: datetime, timezone: str, locale: str) -> str:
    """`Tue, December 1, 7:00 PM +0100` in the reader's zone, with their language's names and order."""
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(ZoneInfo(timezone))
    date = format_skeleton("MMMMEd", local, locale=locale)
    time = format_time(local, "short", locale=locale) + " " + format_time(local, "z", locale=locale)
    return str(get_datetime_format("medium", locale=locale)).replace("'", "").replace("{0}", time).replace("{1}", date)


def duration(delta: timedelta, locale: str) -> str:
    """`1 hour`, `3 days`, `45 seconds`: the largest unit that reads well."""
    return str(format_timedelta(delta, locale=locale, threshold=1))
