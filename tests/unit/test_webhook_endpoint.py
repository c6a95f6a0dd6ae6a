"""The webhook endpoint (handlers/webhook.py) in front of a real Dispatcher: the secret checked before anything is
read, 200 only once the update was handled, 503 for an update busy elsewhere or a stopping process, 500 for a
failure, 400 for a body that is no update."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.types import Message, TelegramObject
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from handlers.update_claims import BUSY
from handlers.webhook import SECRET_HEADER, TelegramWebhook

SECRET = "s3cret-token"
UPDATE = {
    "update_id": 7,
    "message": {
        "message_id": 1,
        "date": 1765190000,
        "chat": {"id": 5, "type": "private", "first_name": "Ana"},
        "from": {"id": 5, "is_bot": False, "first_name": "Ana"},
        "text": "hello",
    },
}


class Scene:
    def __init__(self) -> None:
        self.handled: list[str] = []
        self.entered = asyncio.Event()
        self.release = asyncio.Event()
        self.release.set()
        self.fail = False
        self.busy = False


@pytest.fixture
async def scene() -> AsyncIterator[tuple[Scene, TestClient[Any, Any], TelegramWebhook]]:
    scene = Scene()
    router = Router()

    @router.message()
    async def record(message: Message) -> None:
        scene.entered.set()
        await scene.release.wait()
        if scene.fail:
            raise RuntimeError("the database is away")
        scene.handled.append(message.text or "")

    async def claims(
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]], event: TelegramObject, data: dict[str, Any]
    ) -> Any:
        return BUSY if scene.busy else await handler(event, data)

    dispatcher = Dispatcher()
    dispatcher.update.outer_middleware(claims)
    dispatcher.include_router(router)
    bot = Bot("123:abc")
    webhook = TelegramWebhook(dispatcher, bot, SECRET, concurrency=4)
    app = web.Application()
    app.router.add_post("/telegram/hook", webhook.handle)
    client = TestClient(TestServer(app))
    await client.start_server()
    yield scene, client, webhook
    await client.close()
    await bot.session.close()


async def post(client: TestClient[Any, Any], body: object, secret: str | None = SECRET) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    answer = await client.post("/telegram/hook", json=body, headers=headers)
    return answer.status


async def test_without_the_secret_nothing_is_read_or_handled(scene: Any) -> None:
    state, client, _ = scene
    assert await post(client, UPDATE, secret=None) == 401
    assert await post(client, UPDATE, secret="s3cret-tokeN") == 401
    assert state.handled == []


async def test_the_answer_comes_only_once_the_update_was_handled(scene: Any) -> None:
    state, client, _ = scene
    state.release.clear()
    answer = asyncio.create_task(post(client, UPDATE))
    await state.entered.wait()
    await asyncio.sleep(0)  # the request task runs once more: an early answer would be on its way now
    assert not answer.done()  # still owed while the handler works
    state.release.set()
    assert await answer == 200 and state.handled == ["hello"]


async def test_busy_elsewhere_or_stopping_is_503_and_failure_500_so_telegram_retries(scene: Any) -> None:
    state, client, webhook = scene
    state.busy = True
    assert await post(client, UPDATE) == 503
    state.busy, state.fail = False, True
    assert await post(client, UPDATE) == 500
    state.fail = False
    webhook.stop_accepting()
    assert await post(client, UPDATE) == 503
    assert state.handled == []


async def test_a_body_that_is_no_update_is_400(scene: Any) -> None:
    _, client, _ = scene
    assert await post(client, {"hello": "world"}) == 400
    assert await post(client, [1, 2]) == 400
