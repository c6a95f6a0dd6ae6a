"""Flood control shared by every bot process on one Redis: the same token bucket as bot/domain/flood.py, kept in a
hash per person and updated by one Lua script, so two workers never both spend a person's last message. Redis's own
clock is the time, so workers on different machines agree."""

from __future__ import annotations

import logging
import math

from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from bot.domain.flood import Admission, FloodLimit

log = logging.getLogger(__name__)
# Seconds a Redis call may take before the gate lets the person in without asking.
TIMEOUT = 2.0

# KEYS[1]: the person's bucket; ARGV: rate a second, burst, expiry in milliseconds.
ADMIT_SCRIPT = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'warned')
local tokens, warned = burst, 0
if state[1] then
  tokens = math.min(burst, tonumber(state[1]) + math.max(0, now - tonumber(state[2])) * rate)
  warned = tonumber(state[3])
end
if tokens >= burst then
  warned = 0
end
local verdict
if tokens >= 1 then
  tokens, verdict = tokens - 1, 'admit'
elseif warned == 1 then
  verdict = 'drop'
else
  warned, verdict = 1, 'warn'
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now), 'warned', warned)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return verdict
"""


class RedisFloodGate:
    """bot.ports.FloodGate over Redis (REDIS_URL), for several bot processes serving one bot."""

    def __init__(self, redis: Redis, limit: FloodLimit, prefix: str = "livesell:flood:") -> None:
        self.redis = redis
        self.limit = limit
        self.prefix = prefix
        self._script = redis.register_script(ADMIT_SCRIPT)
        # A bucket that was left alone until full is the same as none: Redis forgets it then.
        self._expiry_ms = math.ceil((limit.refill_seconds() + 1.0) * 1000)

    async def admit(self, person_id: int) -> Admission:
        try:
            verdict = await self._script(
                keys=[f"{self.prefix}{person_id}"], args=[self.limit.rate, self.limit.burst, self._expiry_ms]
            )
        except (RedisConnectionError, RedisTimeoutError) as error:
            # Redis out of reach: flood control is a courtesy, so let the person in rather than stop everyone.
            log.warning("flood control skipped, Redis is out of reach: %s", error)
            return Admission.ADMIT
        return Admission(verdict.decode() if isinstance(verdict, bytes) else verdict)

    @classmethod
    def from_url(cls, url: str, limit: FloodLimit) -> RedisFloodGate:
        return cls(Redis.from_url(url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT), limit)

    async def close(self) -> None:
        await self.redis.aclose()
