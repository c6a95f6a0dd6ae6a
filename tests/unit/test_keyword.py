from __future__ import annotations

import pytest

from bot.domain.keyword import KeywordOrder, closest_codes, parse_keyword_order

PREFIXES = ["#", "sold", "buy"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A12 M x2", KeywordOrder("A12", "M", 2)),
        ("a12 m 2", KeywordOrder("A12", "m", 2)),
        ("#A12", KeywordOrder("A12", None, 1)),
        ("# A12 M", KeywordOrder("A12", "M", 1)),
        ("sold A12 M", KeywordOrder("A12", "M", 1)),
        ("SOLD a12 m x 3", KeywordOrder("A12", "m", 3)),
        ("buy A12", KeywordOrder("A12", None, 1)),
        ("A12 x2", KeywordOrder("A12", None, 2)),
        ("A12 2", KeywordOrder("A12", None, 2)),
        ("A12 M*2", KeywordOrder("A12", "M", 2)),
        ("A12 M ×2", KeywordOrder("A12", "M", 2)),
        ("A12 M×2", KeywordOrder("A12", "M", 2)),
        ("A12 M 2x", KeywordOrder("A12", "M", 2)),
        ("  a12   dark blue  x2 ", KeywordOrder("A12", "dark blue", 2)),
        ("#scarf", KeywordOrder("SCARF", None, 1)),
        ("#1001", KeywordOrder("1001", None, 1)),
    ],
)
def test_keyword_orders_are_understood(text: str, expected: KeywordOrder) -> None:
    assert parse_keyword_order(text, PREFIXES) == expected


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "hello there",
        "A12?",
        "A12 M?",
        "what is A12",
        "sold out",
        "buy now",
        "2",
        "",
        "   ",
        "#",
        "sold",
        "A12 x0",
        "A12 M x 2 3 4 5",
        "see you at 5",
        "I love it ❤️",
    ],
)
def test_ordinary_talk_is_not_an_order(text: str) -> None:
    assert parse_keyword_order(text, PREFIXES) is None


def test_prefixes_are_configurable() -> None:
    assert parse_keyword_order("want a12", ["want"]) == KeywordOrder("A12", None, 1)
    assert parse_keyword_order("#A12", ["want"]) is None
    assert parse_keyword_order("+A12 S", ["+"]) == KeywordOrder("A12", "S", 1)


def test_closest_codes_suggest_likely_typos() -> None:
    codes = ["A12", "A13", "B7", "C3"]
    assert closest_codes("a21", codes) == ["A12", "A13"]
    assert closest_codes("A1", codes)[:2] == ["A12", "A13"]
    assert closest_codes("ZZZZ", codes) == []
