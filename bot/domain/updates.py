"""Telegram updates handled once across bot processes: an update is claimed before it is handled and marked done
after, so one delivered again (Telegram redelivers after a timeout, a 5xx or a restart) is skipped by every process."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class ClaimStatus(StrEnum):
    HANDLING = "handling"  # a process is handling it (or died doing so: taken over once that is known)
    DONE = "done"


class Claim(StrEnum):
    """What claiming an update tells the process that received it."""

    TAKEN = "taken"  # this process handles it now
    DONE = "done"  # handled before: acknowledge it and do nothing
    BUSY = "busy"  # another live process handles it right now: not here, and not acknowledged yet


@dataclass(frozen=True, slots=True)
class HeldClaim:
    """An update's claim as the database has it."""

    status: ClaimStatus
    holder: str
    claimed_at: datetime


def abandoned(claim: HeldClaim, now: datetime, stale_after: timedelta, holder_gone: bool) -> bool:
    """Whether a claim still `handling` may be taken over: its holder is known to be gone (a process of this host that
    no longer runs), or it has not been refreshed for `stale_after` (a holder refreshes its claims while it handles
    them, so only a dead or cut-off one lets them age)."""
    return claim.status is ClaimStatus.HANDLING and (holder_gone or claim.claimed_at <= now - stale_after)
