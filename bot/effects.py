"""What the update being handled has done so far that cannot be taken back: a committed write, a call to Telegram.
An update that failed before doing any (the database out of reach at its first query) can be handled again from the
start without doing anything twice (handlers/outages.py); one that did cannot."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_done: ContextVar[list[str] | None] = ContextVar("update_effects", default=None)


@contextmanager
def tracking() -> Iterator[list[str]]:
    """Note the effects of what runs in this block (in this task, and in tasks it starts): the list it yields."""
    effects: list[str] = []
    token = _done.set(effects)
    try:
        yield effects
    finally:
        _done.reset(token)


def note(effect: str) -> None:
    """Something that cannot be taken back is about to happen (or happened); a no-op outside `tracking`."""
    effects = _done.get()
    if effects is not None:
        effects.append(effect)


@contextmanager
def ignored() -> Iterator[None]:
    """What runs in this block is not noted (it happens after the failure that decides whether to try again)."""
    token = _done.set(None)
    try:
        yield
    finally:
        _done.reset(token)
