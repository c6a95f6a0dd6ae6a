"""The sandbox's webhook, as Telegram's: setWebhook's checks, delivery by POST with the secret header, a retry after
a failed answer, a timeout or a refused connection, max_connections, and each chat's updates in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiohttp import web

from sandbox.server import DEFAULT_TOKEN, Sandbox, SandboxServer
from sandbox.webhooks import SECRET_HEADER, chat_of, on_loopback

Answer = Callable[[dict[str, Any], int], Awaitable[int]]


@dataclass
class Receiver:
    """The bot's side: records every POST and answers with what `answer(update, attempt)` returns."""

    answer: Answer
    url: str = ""
    received: list[tuple[int, str]] = field(default_factory=list)  # (update_id, secret header)
    in_flight: int = 0
    most_in_flight: int = 0
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        self.received.append((update["update_id"], request.headers.get(SECRET_HEADER, "")))
        attempt = sum(1 for seen, _ in self.received if seen == update["update_id"])
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        self.arrived.set()
        try:
            return web.json_response({}, status=await self.answer(update, attempt))
        finally:
            self.in_flight -= 1


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    sandbox = Sandbox()
    sandbox.webhook_timeout = 0.5
    server = await SandboxServer(sandbox).start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(server: SandboxServer) -> AsyncIterator[Bot]:
    bot = Bot(DEFAULT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)))
    yield bot
    await bot.session.close()


@pytest.fixture
async def receiving() -> AsyncIterator[Callable[[Answer], Awaitable[Receiver]]]:
    runners: list[web.AppRunner] = []

    async def start(answer: Answer) -> Receiver:
        receiver = Receiver(answer)
        app = web.Application()
        app.router.add_post("/hook", receiver.handle)
        runner = web.AppRunner(app, shutdown_timeout=0.1)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
        return receiver

    yield start
    for runner in runners:
        await runner.cleanup()


async def ok(update: dict[str, Any], attempt: int) -> int:
    return 200


async def delivered(server: SandboxServer) -> None:
    assert await server.sandbox.all_updates_taken(10), "updates left undelivered"


async def next_event(server: SandboxServer, kind: str) -> dict[str, Any]:
    seen = 0
    while True:
        for event in await server.sandbox.wait_events(seen, 5):
            seen = event["seq"]
            if event["type"] == kind:
                return event


def test_loopback_is_the_only_place_for_plain_http() -> None:
    assert (
        on_loopback("http://127.0.0.1:8081/t") and on_loopback("http://localhost/t") and on_loopback("http://[::1]/t")
    )
    assert not on_loopback("http://shop.example/t") and not on_loopback("http://10.0.0.5/t")


def test_a_chats_updates_are_told_apart_from_other_chats() -> None:
    message = {"update_id": 1, "message": {"chat": {"id": 42}, "from": {"id": 42}}}
    tap = {"update_id": 2, "callback_query": {"from": {"id": 42}, "message": {"chat": {"id": 42}}}}
    group = {"update_id": 3, "message": {"chat": {"id": -100}, "from": {"id": 42}}}
    assert chat_of(message) == chat_of(tap) == 42 and chat_of(group) == -100


async def test_set_webhook_is_checked_as_telegram_checks_it_and_closes_get_updates(
    bot: Bot, receiving: Callable[[Answer], Awaitable[Receiver]]
) -> None:
    with pytest.raises(TelegramBadRequest):
        await bot.set_webhook("http://shop.example/hook")
    with pytest.raises(TelegramBadRequest):
        await bot.set_webhook("https://shop.example/hook", secret_token="not allowed!")
    receiver = await receiving(ok)
    assert await bot.set_webhook(receiver.url, secret_token="s3cret", max_connections=5)
    info = await bot.get_webhook_info()
    assert info.url == receiver.url and info.max_connections == 5
    with pytest.raises(TelegramConflictError):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == []


async def test_updates_are_posted_with_the_secret_and_confirmed_by_a_2xx(
    server: SandboxServer, bot: Bot, receiving: Callable[[Answer], Awaitable[Receiver]]
) -> None:
    receiver = await receiving(ok)
    await bot.set_webhook(receiver.url, secret_token="s3cret")
    buyer = server.sandbox.add_persona("Ana")
    server.sandbox.persona_says(buyer, "hello")
    await delivered(server)
    assert [secret for _, secret in receiver.received] == ["s3cret"]


async def test_a_failed_answer_or_a_timeout_is_retried_until_the_bot_takes_the_update(
    server: SandboxServer, bot: Bot, receiving: Callable[[Answer], Awaitable[Receiver]]
) -> None:
    never = asyncio.Event()

    async def flaky(update: dict[str, Any], attempt: int) -> int:
        if attempt == 1:
            return 500
        if attempt == 2:
            return 503
        if attempt == 3:
            await never.wait()  # no answer: the sandbox gives up waiting (0.5 s here) and tries again
        return 200

    receiver = await receiving(flaky)
    await bot.set_webhook(receiver.url, secret_token="s3cret")
    buyer = server.sandbox.add_persona("Ben")
    server.sandbox.persona_says(buyer, "hello")
    await delivered(server)
    assert [update for update, _ in receiver.received] == [receiver.received[0][0]] * 4
    failures = [e for e in server.sandbox.events_after(0) if e["type"] == "webhook_failure"]
    assert [failure["status"] for failure in failures] == [500, 503, None]
    assert failures[-1]["error"] == "Read timeout expired"
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 0 and info.last_error_message == "Read timeout expired"


async def test_a_refused_connection_is_retried_once_the_bot_listens(
    server: SandboxServer, bot: Bot, receiving: Callable[[Answer], Awaitable[Receiver]]
) -> None:
    receiver = await receiving(ok)
    buyer = server.sandbox.add_persona("Cleo")
    server.sandbox.persona_says(buyer, "hello")
    await bot.set_webhook("http://127.0.0.1:1/hook", secret_token="s3cret")  # nobody listens on port 1
    failure = await next_event(server, "webhook_failure")
    assert failure["error"].startswith("Connection failed") and failure["status"] is None
    await bot.set_webhook(receiver.url, secret_token="s3cret")  # the bot is up now
    await delivered(server)
    assert len(receiver.received) == 1


async def test_max_connections_bounds_deliveries_at_once_and_each_chat_keeps_its_order(
    server: SandboxServer, bot: Bot, receiving: Callable[[Answer], Awaitable[Receiver]]
) -> None:
    release = asyncio.Event()

    async def held(update: dict[str, Any], attempt: int) -> int:
        await release.wait()
        return 200

    receiver = await receiving(held)
    await bot.set_webhook(receiver.url, secret_token="s3cret", max_connections=2)
    buyers = [server.sandbox.add_persona(f"Buyer {n}") for n in range(4)]
    for text in ("one", "two", "three"):
        for buyer in buyers:
            server.sandbox.persona_says(buyer, text)
    while len(receiver.received) < 2:
        receiver.arrived.clear()
        await receiver.arrived.wait()
    release.set()
    await delivered(server)
    assert receiver.most_in_flight == 2
    order = [update for update, _ in receiver.received]
    assert len(order) == 12
    by_chat: dict[object, list[int]] = {}
    for update in order:
        by_chat.setdefault((update - order[0]) % 4, []).append(update)
    assert all(ids == sorted(ids) for ids in by_chat.values())
