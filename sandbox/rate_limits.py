"""Telegram's flood control, emulated: too many sends answer 429 with `retry_after`, as Telegram does."""

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

    @classmethod
    def telegram(cls) -> RateLimits:
        return cls(overall_per_second=30, private_per_second=1, group_per_minute=20, paid_per_second=1000)

    def describe(self) -> dict[str, int | None]:
        return {
            "overall_per_second": self.overall_per_second,
            "private_per_second": self.private_per_second,
            "group_per_minute": self.group_per_minute,
            "paid_per_second": self.paid_per_second,
        }


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


class FloodControl:
    """Counts the bot's sends overall and per chat against `limits`, which may change at any time."""

    def __init__(self, limits: RateLimits, clock: Callable[[], float]) -> None:
        self.limits = limits
        self.clock = clock
        self._windows: dict[Hashable, SlidingWindow] = {}
        self.refused = 0  # 429s answered so far

    def check(self, chat_id: int, private: bool, paid: bool = False) -> None:
        """Count one send to the chat, or raise Telegram's 429 (counting nothing) when a window is full. A paid
        broadcast send counts against the paid limit instead of the overall one; the per-chat limits hold for all."""
        now = self.clock()
        limits = self.limits
        windows: list[SlidingWindow] = []
        if paid and limits.paid_per_second:
            windows.append(self._window("paid", limits.paid_per_second, 1.0))
        elif not paid and limits.overall_per_second:
            windows.append(self._window("overall", limits.overall_per_second, 1.0))
        if private and limits.private_per_second:
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

    def _window(self, key: Hashable, limit: int, seconds: float) -> SlidingWindow:
        window = self._windows.get(key)
        if window is None or window.limit != limit:
            window = self._windows[key] = SlidingWindow(limit, seconds)
        return window
