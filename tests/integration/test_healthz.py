"""/healthz of the bot's own application (`build`, `serve_web`) on each database: 200 with each component "ok" when
the database and Redis answer, 503 naming what is down when one does not, within two seconds either way."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

import aiohttp
import pytest

from bot.app import build
from bot.config import load_settings
from tests.e2e.harness import free_port


async def healthz(**settings: Any) -> tuple[int, dict[str, Any]]:
    port = free_port()
    application = build(load_settings(bot_token="42:TEST", web_port=port, **settings))
    try:
        async with application.serve_web(), aiohttp.ClientSession() as http:
            began = time.monotonic()
            async with http.get(f"http://127.0.0.1:{port}/healthz") as answer:
                body = await answer.json()
            assert time.monotonic() - began < 2.0
            return answer.status, body
    finally:
        await application.close()


async def test_healthz_is_ok_when_the_database_and_redis_answer(database_url: str) -> None:
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not redis_url:
        pytest.skip("TEST_REDIS_URL is not set")
    status, body = await healthz(database_url=database_url, redis_url=redis_url)
    assert status == 200
    assert body == {"status": "ok", "down": [], "components": {"database": "ok", "redis": "ok"}}


async def test_healthz_names_redis_when_it_cannot_be_reached(database_url: str) -> None:
    status, body = await healthz(
        database_url=database_url, redis_url=f"redis://127.0.0.1:{free_port()}/0"
    )  # nobody listens
    assert status == 503
    assert body["status"] == "down" and body["down"] == ["redis"]
    assert body["components"]["database"] == "ok" and body["components"]["redis"].startswith("error")


async def test_healthz_names_the_database_when_it_cannot_be_reached() -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/livesell"  # nobody listens
    status, body = await healthz(database_url=url)
    assert status == 503 and body["down"] == ["database"]


async def test_healthz_answers_within_two_seconds_when_redis_never_answers() -> None:
    # A port that accepts connections and never says a word: a Redis that hangs.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        status, body = await healthz(
            database_url="sqlite+aiosqlite:///:memory:", redis_url=f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        )
    assert status == 503 and body["down"] == ["redis"]
