"""How a batch of keyword orders' answers reads in a group: one line each, in as few messages as Telegram takes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

# Telegram's 4,096 (UTF-16 code units, tags included here to be safe), with room to spare; and lines a message
# holds before it is too long to read on a phone during a stream.
MOST_CHARACTERS = 4000
MOST_LINES = 40


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def batch_texts(lines: Iterable[str]) -> Iterator[str]:
    """The lines joined into messages, each under Telegram's length and MOST_LINES."""
    chunk: list[str] = []
    size = 0
    for line in lines:
        units = utf16_units(line) + 1
        if chunk and (size + units > MOST_CHARACTERS or len(chunk) >= MOST_LINES):
            yield "\n".join(chunk)
            chunk, size = [], 0
        chunk.append(line)
        size += units
    if chunk:
        yield "\n".join(chunk)
