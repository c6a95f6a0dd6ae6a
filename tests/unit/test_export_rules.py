"""The export's cell rules: formula starts neutralised, minor units as decimals, the shop's dates as UTC bounds and the
zone's offsets found to the second."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.domain.export import (
    ExportFilter,
    OffsetSpan,
    decimal_text,
    exponents_other_than_two,
    local_text,
    neutralise,
    offset_spans,
    utc_bounds,
)
from bot.domain.money import currency_exponent


@pytest.mark.parametrize("text", ["=1+2", "+49", "-1", "@A1", "\tx", "\rx"])
def test_formula_starts_get_a_quote(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Anna", "", " =1", "1-2", "'=1", "王芳"])
def test_other_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


@pytest.mark.parametrize(
    ("minor", "exponent", "text"),
    [(1250, 2, "12.50"), (5, 2, "0.05"), (1500, 0, "1500"), (1250, 3, "1.250"), (-5, 3, "-0.005"), (0, 2, "0.00")],
)
def test_minor_units_as_decimals(minor: int, exponent: int, text: str) -> None:
    assert decimal_text(minor, exponent) == text


def test_the_currencies_without_two_decimals_are_the_money_domains() -> None:
    groups = exponents_other_than_two()
    assert "JPY" in groups[0] and "KWD" in groups[3] and 2 not in groups
    assert all(currency_exponent(code) == digits for digits, codes in groups.items() for code in codes)


def test_shop_dates_are_local_midnights() -> None:
    start, end = utc_bounds(ExportFilter(since=date(2026, 7, 1), until=date(2026, 12, 31)), "Europe/Berlin")
    assert (start, end) == (datetime(2026, 6, 30, 22, tzinfo=UTC), datetime(2026, 12, 31, 23, tzinfo=UTC))
    assert utc_bounds(ExportFilter(since=None, until=None), "Asia/Tokyo") == (None, None)


def test_offsets_change_at_the_second_clocks_do() -> None:
    spans = offset_spans("America/New_York", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    assert spans == (
        OffsetSpan(None, -5 * 3600),
        OffsetSpan(datetime(2026, 3, 8, 7, tzinfo=UTC), -4 * 3600),
        OffsetSpan(datetime(2026, 11, 1, 6, tzinfo=UTC), -5 * 3600),
    )
    assert [span.text for span in spans] == ["-05:00", "-04:00", "-05:00"]
    assert offset_spans("Asia/Kolkata", datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)) == (
        OffsetSpan(None, 19800),
    )


def test_local_text_is_iso_with_the_offset() -> None:
    assert local_text(datetime(2026, 7, 1, 22, 15, 3, 999, tzinfo=UTC), "Europe/Berlin") == "2026-07-02T00:15:03+02:00"
