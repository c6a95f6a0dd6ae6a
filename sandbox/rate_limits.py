"""Telegram's flood control, emulated: too many sends answer 429 with `retry_after`, as Telegram does.

`RateLimits.telegram()` is Telegram's documented limits (the preset `livesell demo --telegram-limits`, the outbound
tests and `bench/flash_sale.py --telegram-limits` run against): 30 messages a second per bot, one a second per private
chat with a short burst of 3 tolerated (Telegram: "short bursts" pass, a flood gets 429s), 20 a minute per group, and
paid broadcasts up to 1,000 a second. `FloodControl.refused` counts the 429s answered, `counted` the sends let through.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from sandbox.params import ApiError


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Sends allowed per window; None switches a limit off. `telegram()` is what Telegram documents."""

    overall_per_second: int | None = None
    private_per_second: int | None = None
    group_per_minute: int | None = None
    # Sends with allow_paid_broadcast count here instead of against `overall_per_second` (Telegram: up to 1,000/s).
    paid_per_second: int | None = None
    # Sends a private chat may get at once before `private_per_second` applies (a bucket refilled at that rate);
    # None: a strict sliding second.
    private_burst: int | None = None

    NAMES = ("overall_per_second", "private_per_second", "group_per_minute", "paid_per_second", "private_burst")

    @classmethod
    def telegram(cls) -> RateLimits:
        return cls(
            overall_per_second=30, private_per_second=1, group_per_minute=20, paid_per_second=1000, private_burst=3
        )

    def describe(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in self.NAMES}


class SlidingWindow:
    """Sliding-window counter of sends."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.stamps: deque[float] = deque()

    def retry_after(self, now: float) -> int | None:
        while self.stamps and self.stamps[0] <= now - self.seconds:
            self.stamps.popleft()
        if len(self.stamps) >= self.limit:
            return max(1, int(self.stamps[0] + self.seconds - now + 0.999))
        return None

    def add(self, now: float) -> None:
        self.stamps.append(now)


class Burst:
    """A bucket of `burst` sends refilled at `per_second`: a few at once pass, then one every 1/per_second."""

    def __init__(self, per_second: int, burst: int, now: float) -> None:
        self.limit = (per_second, burst)
        self.per_second = per_second
        self.burst = burst
        self.tokens = float(burst)
        self.at = now

    def retry_after(self, now: float) -> int | None:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        if self.tokens >= 1.0:
            return None
        return max(1, int((1.0 - self.tokens) / self.per_second + 0.999))

    def add(self, now: float) -> None:
        self.tokens -= 1.0


class FloodControl:
    """Counts the bot's sends overall and per chat against `limits`, which may change at any time."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float]) -> None:
        self.limits = limits
        self.clock = clock
        self._windows: dict[Hashable, SlidingWindow | Burst] = {}
        self.refused = 0  # 429s answered so far
        self.counted = 0  # sends let through while a limit was on

    def check(self, chat_id: int, private: bool, paid: bool = False) -> None:
        """Count one send to the chat, or raise Telegram's 429 (counting nothing) when a window is full. A paid
        broadcast send counts against the paid limit instead of the overall one; the per-chat limits hold for all."""
        now = self.clock()
        limits = self.limits
        windows: list[SlidingWindow | Burst] = []
        if paid and limits.paid_per_second:
            windows.append(self._window("paid", limits.paid_per_second, 1.0))
        elif not paid and limits.overall_per_second:
            windows.append(self._window("overall", limits.overall_per_second, 1.0))
        if private and limits.private_per_second and limits.private_burst:
            windows.append(self._burst(chat_id, limits.private_per_second, limits.private_burst, now))
        elif private and limits.private_per_second:
            windows.append(self._window(chat_id, limits.private_per_second, 1.0))
        if not private and limits.group_per_minute:
            windows.append(self._window(chat_id, limits.group_per_minute, 60.0))
        waits = [wait for window in windows if (wait := window.retry_after(now)) is not None]
        if waits:
            self.refused += 1
            retry = max(waits)
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
        for window in windows:
            window.add(now)
        if windows:
            self.counted += 1

    def _window(self, key: Hashable, limit: int, seconds: float) -> SlidingWindow:
        window = self._windows.get(key)
        if not isinstance(window, SlidingWindow) or window.limit != limit:
            window = self._windows[key] = SlidingWindow(limit, seconds)
        return window

    def _burst(self, key: Hashable, per_second: int, burst: int, now: float) -> Burst:
        bucket = self._windows.get(key)
        if not isinstance(bucket, Burst) or bucket.limit != (per_second, burst):
            bucket = self._windows[key] = Burst(per_second, burst, now)
        return bucket
