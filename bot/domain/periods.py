"""Periods of shop days (today, yesterday, the last 7 days, this month, or two typed dates) in the shop's time zone,
as /export offers them and the daily report uses them; and which shop day's daily report is due at a moment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class PeriodPreset(StrEnum):
    TODAY = "today"
    YESTERDAY = "yesterday"
    LAST_7_DAYS = "last7"
    THIS_MONTH = "month"


class BadDate(ValueError):
    """Typed text that is not a date (or not a period of one or two dates)."""


class BadPeriod(ValueError):
    """Two dates in the wrong order."""


@dataclass(frozen=True, slots=True)
class Period:
    """Shop days from `since` to `until`, both included."""

    since: date
    until: date

    def __post_init__(self) -> None:
        if self.until < self.since:
            raise BadPeriod(f"{self.until} is before {self.since}")

    def utc_bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """The UTC instants the period spans: from the first day's local midnight up to (not including) the local
        midnight after the last day; a day of a clock change is 23 or 25 hours long."""
        return day_start(self.since, timezone), day_start(self.until + timedelta(days=1), timezone)


def day_start(day: date, timezone: str) -> datetime:
    """The UTC instant a shop day starts: its midnight in the shop's zone."""
    return datetime.combine(day, time(), ZoneInfo(timezone)).astimezone(UTC)


def shop_today(now: datetime, timezone: str) -> date:
    """The shop's calendar day at `now` (aware)."""
    return now.astimezone(ZoneInfo(timezone)).date()


def preset_period(preset: PeriodPreset, today: date) -> Period:
    if preset is PeriodPreset.TODAY:
        return Period(today, today)
    if preset is PeriodPreset.YESTERDAY:
        yesterday = today - timedelta(days=1)
        return Period(yesterday, yesterday)
    if preset is PeriodPreset.LAST_7_DAYS:
        return Period(today - timedelta(days=6), today)
    return Period(today.replace(day=1), today)


# Year first (2026-11-30, 2026/11/30, 2026.11.30) or day first (30.11.2026, 30/11/2026, 30-11-2026): the
# month-first American order is not read, so 01/02/2026 is always the 1st of February.
_YEAR_FIRST = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DAY_FIRST = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")
_DATE = re.compile(rf"{_YEAR_FIRST.pattern}|{_DAY_FIRST.pattern}")
# Between two dates: spaces, "to", a dash or an arrow, "..", or nothing but the space ("2026-11-01 2026-11-30").
_BETWEEN = re.compile(r"\s*(?:\s|–|—|-|→|\.\.|to|bis|à|au|a|al|до|по|至|到|から|~|부터)\s*", re.IGNORECASE)


def parse_date(text: str) -> date:
    """One date as people type it; BadDate otherwise."""
    typed = text.strip()
    if (found := _YEAR_FIRST.fullmatch(typed)) is not None:
        year, month, day = found.groups()
    elif (found := _DAY_FIRST.fullmatch(typed)) is not None:
        day, month, year = found.groups()
    else:
        raise BadDate(typed)
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise BadDate(typed) from None


def parse_dates(text: str) -> tuple[date, date | None]:
    """One typed date, or two (a period) with something between them; BadDate when the text is anything else."""
    typed = text.strip()
    dates = list(_DATE.finditer(typed))
    if not dates or len(dates) > 2 or dates[0].start() != 0 or dates[-1].end() != len(typed):
        raise BadDate(typed)
    first = parse_date(dates[0].group())
    if len(dates) == 1:
        return first, None
    between = typed[dates[0].end() : dates[1].start()]
    if not _BETWEEN.fullmatch(between):
        raise BadDate(typed)
    return first, parse_date(dates[1].group())


_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def parse_clock(text: str) -> time:
    """A time of day as "HH:MM" (24 hours); ValueError otherwise."""
    found = _CLOCK.fullmatch(text.strip())
    if found is None:
        raise ValueError(text)
    return time(int(found.group(1)), int(found.group(2)))


def daily_report_day(now: datetime, timezone: str, at: time) -> date | None:
    """The shop day whose daily report is due at `now`: yesterday, once the shop's clock has passed `at` today.

    Before `at` none is due, so a report missed while the bot was down goes out late on the same day only: a bot that
    comes back the next morning before `at` does not send the day before yesterday's, and at `at` sends yesterday's.
    """
    local = now.astimezone(ZoneInfo(timezone))
    if local.time() < at:
        return None
    return local.date() - timedelta(days=1)
