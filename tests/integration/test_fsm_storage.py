"""Conversation state in the database (storage/fsm.py): it survives a restart, and clearing it leaves no row."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
import sqlalchemy as sa
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from sqlmodel import select

from storage.engine import make_engine, make_sessionmaker
from storage.fsm import DatabaseStorage
from storage.tables import FsmStateTable

KEY = StorageKey(bot_id=1, chat_id=7_123_456_789, user_id=7_123_456_789)


class Checkout(StatesGroup):
    address = State()
    phone = State()


StorageFactory = Callable[[], DatabaseStorage]


@pytest.fixture
async def open_storage(database_url: str) -> AsyncIterator[StorageFactory]:
    """Each call is a fresh process's storage: its own engine, nothing cached."""
    engines = []

    def factory() -> DatabaseStorage:
        engine = make_engine(database_url)
        engines.append(engine)
        return DatabaseStorage(make_sessionmaker(engine))

    yield factory
    for engine in engines:
        await engine.dispose()


async def _rows(storage: DatabaseStorage) -> int:
    async with storage.sessions() as session:
        return int((await session.exec(select(sa.func.count()).select_from(FsmStateTable))).one())


async def test_state_and_data_survive_a_restart(open_storage: StorageFactory) -> None:
    before = open_storage()
    await before.set_state(KEY, Checkout.address)
    await before.set_data(KEY, {"country": "DE", "name": "Zoë Müller", "items": [1, 2], "note": "门铃坏了"})

    after = open_storage()
    assert await after.get_state(KEY) == "Checkout:address"
    assert await after.get_data(KEY) == {"country": "DE", "name": "Zoë Müller", "items": [1, 2], "note": "门铃坏了"}


async def test_an_unknown_key_has_no_state_and_empty_data(open_storage: StorageFactory) -> None:
    storage = open_storage()
    assert await storage.get_state(KEY) is None
    assert await storage.get_data(KEY) == {}


async def test_updates_replace_the_state_and_merge_the_data(open_storage: StorageFactory) -> None:
    storage = open_storage()
    await storage.set_state(KEY, Checkout.address)
    await storage.update_data(KEY, {"country": "FR"})
    await storage.set_state(KEY, Checkout.phone)
    await storage.update_data(KEY, {"address": "1 rue de la Paix"})
    assert await open_storage().get_state(KEY) == "Checkout:phone"
    assert await open_storage().get_data(KEY) == {"country": "FR", "address": "1 rue de la Paix"}
    assert await _rows(storage) == 1


async def test_clearing_a_conversation_removes_its_row(open_storage: StorageFactory) -> None:
    storage = open_storage()
    context = FSMContext(storage=storage, key=KEY)
    await context.set_state(Checkout.phone)
    await context.update_data(country="IT")
    assert await _rows(storage) == 1

    await context.clear()

    assert await _rows(storage) == 0
    assert await open_storage().get_state(KEY) is None
    assert await open_storage().get_data(KEY) == {}


async def test_clearing_only_the_state_keeps_the_data(open_storage: StorageFactory) -> None:
    storage = open_storage()
    await storage.set_state(KEY, Checkout.phone)
    await storage.set_data(KEY, {"country": "ES"})
    await storage.set_state(KEY, None)
    assert await open_storage().get_state(KEY) is None
    assert await open_storage().get_data(KEY) == {"country": "ES"}


async def test_conversations_of_different_chats_and_people_are_kept_apart(open_storage: StorageFactory) -> None:
    storage = open_storage()
    group = StorageKey(bot_id=1, chat_id=-100200300, user_id=KEY.user_id)
    someone_else = StorageKey(bot_id=1, chat_id=42, user_id=42)
    await storage.set_state(KEY, Checkout.address)
    await storage.set_data(group, {"seen": True})
    await storage.set_state(someone_else, Checkout.phone)
    assert [await storage.get_state(key) for key in (KEY, group, someone_else)] == [
        "Checkout:address",
        None,
        "Checkout:phone",
    ]
    assert [await storage.get_data(key) for key in (KEY, group, someone_else)] == [{}, {"seen": True}, {}]


async def test_two_first_writes_to_one_new_conversation_both_land(open_storage: StorageFactory) -> None:
    # A double tap: two updates of the same person start a conversation at once, each inserting its row.
    storage = open_storage()
    keys = [StorageKey(bot_id=1, chat_id=number, user_id=number) for number in range(1, 6)]
    await asyncio.gather(
        *(
            write
            for key in keys
            for write in (storage.set_state(key, Checkout.address), storage.set_data(key, {"n": 1}))
        )
    )
    fresh = open_storage()
    assert [(await fresh.get_state(key), await fresh.get_data(key)) for key in keys] == [
        ("Checkout:address", {"n": 1})
    ] * len(keys)
