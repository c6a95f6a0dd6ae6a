"""Conversation (FSM) state in the database, for when no Redis is configured: a restart loses nothing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder, KeyBuilder, StateType, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import effects
from storage.tables import FsmStateTable, fsm_states, utcnow

# Seconds a Redis call may take (connecting included) before it fails as an outage (handlers/outages.py).
REDIS_TIMEOUT = 5.0
# Every update reads its conversation's state (aiogram's FSM middleware): statements built once, with a bound key
# (building one and its cache key anew each time cost about as much as running it; docs/throughput.md).
READ = {
    column.name: sa.select(column).where(fsm_states.c.key == sa.bindparam("key"))
    for column in (fsm_states.c.state, fsm_states.c.data)
}


class DatabaseStorage(BaseStorage):
    def __init__(self, sessions: async_sessionmaker[AsyncSession], key_builder: KeyBuilder | None = None) -> None:
        self.sessions = sessions
        self.key_builder = key_builder or DefaultKeyBuilder(with_bot_id=True, with_destiny=True)

    async def _write(self, key: StorageKey, **values: Any) -> None:
        row_key = self.key_builder.build(key)
        try:
            await self._apply(row_key, values)
        except IntegrityError:
            # Two updates of one new conversation (a double tap) both inserted its row: apply ours to the winner's.
            await self._apply(row_key, values)

    async def _apply(self, row_key: str, values: dict[str, Any]) -> None:
        async with self.sessions() as session:
            row = await session.get(FsmStateTable, row_key)
            if row is None:
                row = FsmStateTable(key=row_key)
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = utcnow()
            if row.state is None and row.data == "{}":
                if row in session:
                    await session.delete(row)
            else:
                session.add(row)
            effects.note("conversation state")
            await session.commit()

    async def _read(self, key: StorageKey, column: sa.Column[Any]) -> Any:
        # One Core SELECT of one column, no ORM identity map.
        async with self.sessions() as session:
            connection = await session.connection()
            result = await connection.execute(READ[column.name], {"key": self.key_builder.build(key)})
            return result.scalar_one_or_none()

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._write(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        state: str | None = await self._read(key, fsm_states.c.state)
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._write(key, data=json.dumps(dict(data), ensure_ascii=False, default=str))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        data: str | None = await self._read(key, fsm_states.c.data)
        return {} if data is None else dict(json.loads(data))

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""


class RedisConversationStorage(RedisStorage):
    """aiogram's Redis storage (REDIS_URL), with its writes noted as effects of the update (bot/effects.py) and
    timeouts, so a Redis that stops answering fails a call in seconds instead of holding it for ever."""

    @classmethod
    def connect(cls, url: str) -> RedisConversationStorage:
        return cls(Redis.from_url(url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        effects.note("conversation state")
        await super().set_state(key, state)

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        effects.note("conversation state")
        await super().set_data(key, data)
