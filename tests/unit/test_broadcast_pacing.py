"""The token bucket broadcasts are paced by: even sends at the rate, and never a second in which Telegram could count
more than the rate, however late sends arrive."""

from __future__ import annotations

import heapq
import random

from bot.domain.broadcasts import TokenBucket


def telegram_counts(rate: int, sends: int, slowest: float, seed: int) -> tuple[list[float], list[float]]:
    """Send `sends` messages through a bucket; each reaches Telegram up to `slowest` seconds after leaving and is
    answered 10 ms later. When they left, and when Telegram received them."""
    randomly = random.Random(seed)
    bucket = TokenBucket(rate, 0.0)
    now, left, received = 0.0, [], []
    answers: list[float] = []  # when the sends on their way are answered
    for _ in range(sends):
        at = max(now, bucket.reserve(now))
        while True:
            while answers and answers[0] <= at:
                bucket.answer(heapq.heappop(answers))
            wait = bucket.wait(at)
            if wait == 0:
                break
            at = min(at + wait, answers[0]) if answers else at + wait
        now = at
        bucket.sending()
        left.append(now)
        arrival = now + randomly.uniform(0, slowest)
        received.append(arrival)
        heapq.heappush(answers, arrival + 0.01)
    return left, received


def most_in_a_second(stamps: list[float]) -> int:
    """The most stamps in any second (open at its start, closed at its end, as Telegram's sliding window)."""
    ordered, most, first = sorted(stamps), 0, 0
    for last, stamp in enumerate(ordered):
        while ordered[first] <= stamp - 1:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_sends_leave_evenly_at_the_rate() -> None:
    left, _ = telegram_counts(rate=30, sends=300, slowest=0.0, seed=1)
    assert 9.5 <= left[-1] - left[0] <= 10.5
    assert most_in_a_second(left) <= 30


def test_telegram_never_counts_more_than_the_rate_in_a_second_however_late_sends_arrive() -> None:
    for seed in range(5):
        _, received = telegram_counts(rate=30, sends=300, slowest=0.3, seed=seed)
        assert most_in_a_second(received) <= 30
        _, received = telegram_counts(rate=1000, sends=5000, slowest=0.2, seed=seed)
        assert most_in_a_second(received) <= 1000


def test_a_pause_holds_every_send_until_it_ends_and_widens_the_margin() -> None:
    bucket = TokenBucket(10, 0.0)
    margin = bucket.margin
    bucket.pause(0.0, 3.0)
    assert bucket.wait(1.0) == 2.0
    assert bucket.reserve(1.0) >= 3.0
    bucket.pause(0.5, 3.0)  # a send already on its way when the first 429 came
    assert bucket.margin == 2 * margin
