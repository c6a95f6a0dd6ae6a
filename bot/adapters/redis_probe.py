"""Whether Redis answers, for /healthz: a PING on a client of its own with short timeouts, so a Redis that hangs is
reported down within a second instead of holding the probe."""

from __future__ import annotations

from redis.asyncio import Redis

PROBE_TIMEOUT = 1.0


class RedisProbe:
    def __init__(self, url: str, timeout: float = PROBE_TIMEOUT) -> None:
        self.client = Redis.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=timeout, retry_on_timeout=False
        )

    async def ping(self) -> None:
        await self.client.ping()

    async def close(self) -> None:
        await self.client.aclose()
