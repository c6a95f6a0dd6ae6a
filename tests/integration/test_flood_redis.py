"""With REDIS_URL set, flood control is one budget per person across every bot process: two workers taking one
person's flood at once admit the burst once between them, and tell the person once."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from bot.adapters.redis_flood import RedisFloodGate
from bot.app import make_flood_gate
from bot.config import load_settings
from bot.domain.flood import Admission, FloodLimit

pytestmark = pytest.mark.redis

LIMIT = FloodLimit(rate=0.5, burst=4)


def worker(url: str, prefix: str) -> RedisFloodGate:
    return RedisFloodGate(Redis.from_url(url), LIMIT, prefix=prefix)


async def test_two_workers_share_one_persons_budget_and_warn_them_once(redis_url: str) -> None:
    prefix = f"test:flood:{uuid.uuid4().hex}:"
    first, second = worker(redis_url, prefix), worker(redis_url, prefix)
    try:
        seen = await asyncio.gather(*(gate.admit(7) for _ in range(10) for gate in (first, second)))
        assert seen.count(Admission.ADMIT) == LIMIT.burst
        assert seen.count(Admission.WARN) == 1
        assert seen.count(Admission.DROP) == 20 - LIMIT.burst - 1
        assert await second.admit(8) is Admission.ADMIT  # another person has their own budget
        # The bucket expires once it would be full again: nothing stays behind for people who stopped writing.
        ttl = await first.redis.pttl(f"{prefix}7")
        assert 0 < ttl <= (LIMIT.burst / LIMIT.rate + 1) * 1000
    finally:
        await first.close()
        await second.close()


async def test_the_bot_shares_flood_control_through_redis_when_it_has_one(redis_url: str) -> None:
    gate = make_flood_gate(load_settings(redis_url=redis_url, flood_rate=3, flood_burst=9))
    assert isinstance(gate, RedisFloodGate) and gate.limit == FloodLimit(3, 9)
    await gate.close()
    assert make_flood_gate(load_settings(redis_url=None, flood_rate=0)) is None
