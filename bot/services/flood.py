"""Flood control within one bot process (no Redis): each person's bucket in memory, stale ones forgotten."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.domain.flood import Admission, Bucket, FloodLimit, admit


class MemoryFloodGate:
    """bot.ports.FloodGate for one process. A bucket untouched for longer than it takes to refill is full again, so
    it is dropped: memory follows the people writing now, not everyone who ever wrote."""

    def __init__(self, limit: FloodLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self.buckets: dict[int, Bucket] = {}
        self._swept = clock()

    async def admit(self, person_id: int) -> Admission:
        now = self.clock()
        if now - self._swept > max(60.0, self.limit.refill_seconds()):
            self._sweep(now)
        admission, self.buckets[person_id] = admit(self.buckets.get(person_id), now, self.limit)
        return admission

    def _sweep(self, now: float) -> None:
        full_after = self.limit.refill_seconds()
        self.buckets = {person: bucket for person, bucket in self.buckets.items() if now - bucket.at <= full_after}
        self._swept = now
