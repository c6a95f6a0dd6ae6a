"""Questions neither the rules nor a model could answer go to the shop's staff; a staff member's reply to one goes back
to the buyer who asked, in their language."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class HandedOff:
    """A question as posted to a staff chat: who asked, in which language, and what."""

    buyer_id: int
    buyer_language: str
    question: str


@dataclass(frozen=True, slots=True)
class Said:
    """What a merchant said to a live stream's audience with /say, in the language they wrote it in."""

    id: int
    stream_id: int
    text: str
    language: str
