"""With REDIS_URL set, conversation state goes to Redis and outlives the process that wrote it."""

from __future__ import annotations

import uuid

import pytest
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage

from bot.app import make_fsm_storage
from bot.config import load_settings
from storage.engine import make_engine

pytestmark = pytest.mark.redis


async def test_conversation_state_survives_a_new_storage_in_redis(redis_url: str) -> None:
    settings = load_settings(redis_url=redis_url, database_url="sqlite+aiosqlite:///:memory:")
    engine = make_engine(settings.database_url)
    key = StorageKey(bot_id=1, chat_id=uuid.uuid4().int % 10**9, user_id=42)
    first = make_fsm_storage(settings, engine)
    assert isinstance(first, RedisStorage)
    await first.set_state(key, "Checkout:address")
    await first.set_data(key, {"country": "DE", "name": "Anna"})
    await first.close()

    second = make_fsm_storage(settings, engine)
    try:
        assert await second.get_state(key) == "Checkout:address"
        assert await second.get_data(key) == {"country": "DE", "name": "Anna"}
        await second.set_state(key, None)
        await second.set_data(key, {})
        assert await second.get_state(key) is None
    finally:
        await second.close()
        await engine.dispose()
