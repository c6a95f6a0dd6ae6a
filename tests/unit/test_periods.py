"""Period presets and typed dates in the shop's zone, and which day's daily report is due when."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.domain.periods import (
    BadDate,
    BadPeriod,
    Period,
    PeriodPreset,
    daily_report_day,
    parse_clock,
    parse_dates,
    preset_period,
    shop_today,
)

TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("preset", "since", "until"),
    [
        (PeriodPreset.TODAY, date(2026, 3, 10), date(2026, 3, 10)),
        (PeriodPreset.YESTERDAY, date(2026, 3, 9), date(2026, 3, 9)),
        (PeriodPreset.LAST_7_DAYS, date(2026, 3, 4), date(2026, 3, 10)),
        (PeriodPreset.THIS_MONTH, date(2026, 3, 1), date(2026, 3, 10)),
    ],
)
def test_presets(preset: PeriodPreset, since: date, until: date) -> None:
    assert preset_period(preset, TODAY) == Period(since, until)


def test_yesterday_on_the_first_of_a_month_is_the_last_of_the_one_before() -> None:
    assert preset_period(PeriodPreset.YESTERDAY, date(2026, 3, 1)) == Period(date(2026, 2, 28), date(2026, 2, 28))


def test_the_shops_day_is_its_own_zones() -> None:
    late_utc = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
    assert shop_today(late_utc, "Pacific/Auckland") == date(2026, 3, 11)
    assert shop_today(late_utc, "America/Los_Angeles") == date(2026, 3, 10)


def test_a_day_of_a_clock_change_spans_its_own_hours_in_utc() -> None:
    start, end = Period(date(2026, 3, 29), date(2026, 3, 29)).utc_bounds("Europe/Paris")
    assert start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # 23 hours


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-11-01", (date(2026, 11, 1), None)),
        (" 2026/11/01 ", (date(2026, 11, 1), None)),
        ("01.11.2026", (date(2026, 11, 1), None)),
        ("1/11/2026", (date(2026, 11, 1), None)),
        ("2026-11-01 2026-11-30", (date(2026, 11, 1), date(2026, 11, 30))),
        ("2026-11-01-2026-11-30", (date(2026, 11, 1), date(2026, 11, 30))),
        ("01.11.2026 – 30.11.2026", (date(2026, 11, 1), date(2026, 11, 30))),
        ("2026-11-01 to 2026-11-30", (date(2026, 11, 1), date(2026, 11, 30))),
        ("2026-11-01 bis 30.11.2026", (date(2026, 11, 1), date(2026, 11, 30))),
        ("2026-11-01 до 2026-11-30", (date(2026, 11, 1), date(2026, 11, 30))),
        ("2026-11-01至2026-11-30", (date(2026, 11, 1), date(2026, 11, 30))),
    ],
)
def test_dates_as_people_type_them(typed: str, expected: tuple[date, date | None]) -> None:
    assert parse_dates(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["", "yesterday", "2026-13-01", "31.02.2026", "2026-11-01 and then 2026-11-30", "2026-11-01 2026-11-02 2026-11-03"],
)
def test_what_is_not_a_date_or_two(typed: str) -> None:
    with pytest.raises(BadDate):
        parse_dates(typed)


def test_a_period_cannot_end_before_it_starts() -> None:
    with pytest.raises(BadPeriod):
        Period(date(2026, 11, 2), date(2026, 11, 1))


@pytest.mark.parametrize(("typed", "clock"), [("08:00", time(8)), ("7:05", time(7, 5)), ("23:59", time(23, 59))])
def test_report_times(typed: str, clock: time) -> None:
    assert parse_clock(typed) == clock


@pytest.mark.parametrize("typed", ["24:00", "8", "08:60", "8am"])
def test_bad_report_times(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_clock(typed)


def test_the_daily_report_of_yesterday_is_due_from_the_report_time_until_midnight_in_the_shops_zone() -> None:
    zone, at = "Europe/Berlin", time(8, 0)
    assert daily_report_day(datetime(2026, 12, 8, 6, 59, tzinfo=UTC), zone, at) is None  # 07:59 in Berlin
    assert daily_report_day(datetime(2026, 12, 8, 7, 0, tzinfo=UTC), zone, at) == date(2026, 12, 7)
    # Down all day and back in the evening: yesterday's still goes, late.
    assert daily_report_day(datetime(2026, 12, 8, 22, 30, tzinfo=UTC), zone, at) == date(2026, 12, 7)
    # Back the next morning before the report time: the missed day is not sent; at the time, the next one is.
    assert daily_report_day(datetime(2026, 12, 9, 5, 0, tzinfo=UTC), zone, at) is None
    assert daily_report_day(datetime(2026, 12, 9, 7, 0, tzinfo=UTC), zone, at) == date(2026, 12, 8)
