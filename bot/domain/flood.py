"""Per-person flood control: a token bucket of `burst` messages refilled at `rate` a second. A person over it is told
once, then skipped quietly whenever the bucket is empty, and served as it refills; they are told again only after a
new flood, once their bucket had filled up again (they had stopped). Everyone else is served as usual."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Admission(StrEnum):
    ADMIT = "admit"
    # Refused, and the first refusal since the person was last admitted: tell them to slow down.
    WARN = "warn"
    # Refused again: they were told already.
    DROP = "drop"


@dataclass(frozen=True, slots=True)
class FloodLimit:
    rate: float  # messages a second, sustained; 0 turns flood control off
    burst: int  # messages at once

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def refill_seconds(self) -> float:
        """How long an empty bucket takes to fill, so state older than this can be forgotten."""
        return self.burst / self.rate if self.rate > 0 else 0.0


@dataclass(frozen=True, slots=True)
class Bucket:
    tokens: float
    at: float  # monotonic seconds of the last update
    warned: bool = False


def admit(bucket: Bucket | None, now: float, limit: FloodLimit) -> tuple[Admission, Bucket]:
    """Whether one more message of this person is served now, and their bucket after it."""
    if bucket is None:
        tokens, warned = float(limit.burst), False
    else:
        elapsed = max(0.0, now - bucket.at)
        tokens, warned = min(float(limit.burst), bucket.tokens + elapsed * limit.rate), bucket.warned
    if tokens >= limit.burst:
        warned = False  # full again: the flood is over, a new one is told anew
    if tokens >= 1.0:
        return Admission.ADMIT, Bucket(tokens - 1.0, now, warned=warned)
    if warned:
        return Admission.DROP, Bucket(tokens, now, warned=True)
    return Admission.WARN, Bucket(tokens, now, warned=True)
