"""Over Telegram's rate limits a send is answered 429 with retry_after: the bot waits that long and sends again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter

from bot.app import WaitOutFloodControl
from sandbox.server import DEFAULT_TOKEN, RateLimits, Sandbox, SandboxServer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture
async def limited() -> AsyncIterator[tuple[Sandbox, SandboxServer, Clock]]:
    clock = Clock()
    sandbox = Sandbox(clock=clock, rate_limits=RateLimits(private_per_second=1, group_per_minute=20))
    server = await SandboxServer(sandbox).start()
    yield sandbox, server, clock
    await server.stop()


def _bot(server: SandboxServer, middleware: WaitOutFloodControl) -> Bot:
    bot = Bot(token=DEFAULT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)))
    bot.session.middleware(middleware)
    return bot


async def test_replies_over_the_limit_wait_and_all_arrive(limited: tuple[Sandbox, SandboxServer, Clock]) -> None:
    sandbox, server, clock = limited
    anna = sandbox.add_persona("Anna")
    sandbox.persona_says(anna, "/start")
    bot = _bot(server, WaitOutFloodControl(sleep=clock.sleep))
    try:
        for text in ("one", "two", "three"):
            await bot.send_message(anna.id, text)
    finally:
        await bot.session.close()

    assert clock.waits == [1, 1]
    assert [m.text for m in sandbox.chats[anna.id].messages.values() if m.from_bot] == ["one", "two", "three"]


async def test_a_wait_longer_than_allowed_is_given_up(limited: tuple[Sandbox, SandboxServer, Clock]) -> None:
    sandbox, server, clock = limited
    group = next(chat for chat in sandbox.chats.values() if chat.type == "supergroup")
    bot = _bot(server, WaitOutFloodControl(longest_wait=5, sleep=clock.sleep))
    try:
        for n in range(20):
            await bot.send_message(group.id, f"comment {n}")
        with pytest.raises(TelegramRetryAfter):  # 20 a minute in a group: the next slot is a minute away
            await bot.send_message(group.id, "one too many")
    finally:
        await bot.session.close()

    assert clock.waits == []


async def test_many_replies_queued_on_one_chat_all_arrive(limited: tuple[Sandbox, SandboxServer, Clock]) -> None:
    sandbox, server, clock = limited
    anna = sandbox.add_persona("Anna")
    sandbox.persona_says(anna, "/start")
    bot = _bot(server, WaitOutFloodControl(sleep=clock.sleep))
    try:
        # Eight answers at once to one chat: Telegram lets one through a second, so most wait several times.
        await asyncio.gather(*(bot.send_message(anna.id, f"reply {n}") for n in range(8)))
    finally:
        await bot.session.close()

    assert len([m for m in sandbox.chats[anna.id].messages.values() if m.from_bot]) == 8


async def test_a_send_gives_up_when_its_patience_runs_out(limited: tuple[Sandbox, SandboxServer, Clock]) -> None:
    sandbox, server, _ = limited
    anna = sandbox.add_persona("Anna")
    sandbox.persona_says(anna, "/start")
    await_forever = Clock()  # its sleeps do not move the sandbox's clock: the limit never lifts

    bot = _bot(server, WaitOutFloodControl(patience=3, sleep=await_forever.sleep))
    try:
        await bot.send_message(anna.id, "one")
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(anna.id, "two")
    finally:
        await bot.session.close()

    assert await_forever.waits == [1, 1, 1]
