"""Whole numbers people type or buttons and links carry (ids, minutes). `str.isdigit()` is not the test: it takes
superscripts (`²`), which `int()` refuses; `isdecimal()` takes exactly the digits `int()` reads, any script's
(`١٢` is 12 on an Arabic keyboard). An id must also fit the database's 64-bit columns."""

from __future__ import annotations

MAX_ID = 2**63 - 1


def typed_id(text: str) -> int | None:
    """The id `text` names (spaces around it allowed); None when it is no whole number or too large to be an id."""
    typed = text.strip()
    if not typed.isdecimal() or len(typed) > len(str(MAX_ID)):
        return None
    number = int(typed)
    return number if number <= MAX_ID else None
