"""The rules a stream plan meets: reminder offsets, start times, durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.streams import (
    BadDuration,
    BadOffsets,
    BadStartTime,
    StartInPast,
    StreamPlan,
    check_plan,
    parse_offsets,
    parse_start,
    reminder_schedule,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_offsets_take_every_unit_and_sort_longest_first() -> None:
    assert parse_offsets("0, 1h, 24h, 1h") == (timedelta(hours=24), timedelta(hours=1), timedelta(0))
    assert parse_offsets("2d,1h30m,15m,45s") == (
        timedelta(days=2),
        timedelta(minutes=90),
        timedelta(minutes=15),
        timedelta(seconds=45),
    )


@pytest.mark.parametrize("text", ["", "1h,", "1x", "h", "-1h", "1.5h", "soon"])
def test_bad_offsets_are_refused(text: str) -> None:
    with pytest.raises(BadOffsets):
        parse_offsets(text)


def test_a_start_with_an_offset_keeps_it_and_one_without_is_read_in_the_given_zone() -> None:
    assert parse_start("2026-12-01T19:00+01:00", "Asia/Tokyo") == datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    assert parse_start("2026-12-01 19:00", "Asia/Tokyo") == datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-12-01", "tomorrow", "25:00", "2026-13-01 10:00", ""])
def test_bad_start_times_are_refused(text: str) -> None:
    with pytest.raises(BadStartTime):
        parse_start(text, "UTC")


def _plan(starts_at: datetime, minutes: int = 60) -> StreamPlan:
    return StreamPlan("Drop", starts_at, timedelta(minutes=minutes), ("A12",), "UTC")


def test_a_plan_must_start_in_the_future_and_last_a_minute_to_a_day() -> None:
    check_plan(_plan(NOW + timedelta(minutes=5)), NOW)
    with pytest.raises(StartInPast):
        check_plan(_plan(NOW), NOW)
    with pytest.raises(BadDuration):
        check_plan(_plan(NOW + timedelta(hours=1), minutes=0), NOW)
    with pytest.raises(BadDuration):
        check_plan(_plan(NOW + timedelta(hours=1), minutes=24 * 60 + 1), NOW)


def test_reminders_already_past_when_planned_are_not_scheduled() -> None:
    starts = NOW + timedelta(minutes=30)
    offsets = parse_offsets("24h,1h,10m,0")
    assert reminder_schedule(starts, offsets, NOW) == [(600, starts - timedelta(minutes=10)), (0, starts)]
