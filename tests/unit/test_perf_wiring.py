"""Wiring that keeps a busy bot fast: synchronous filters run in the event loop, response models are built once.

Both rely on aiogram internals. These tests call them directly, whatever aiogram is installed, so after a lock change
they show whether those internals still behave (the bot itself applies them only on `AIOGRAM_CHECKED`).
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.methods import GetMe, Response
from aiogram.types import User

from bot.app import PinnedResponseModels, filter_inline
from handlers import get_routers


def filters(router: Router) -> list[Any]:
    found = []
    for observer in router.observers.values():
        for handler in (observer._handler, *observer.handlers):
            found += list(handler.filters or ())
    for child in router.sub_routers:
        found += filters(child)
    return found


def test_no_filter_of_the_bot_is_sent_to_a_worker_thread() -> None:
    routers = get_routers()
    for router in routers:
        filter_inline(router)

    every_filter = [event_filter for router in routers for event_filter in filters(router)]
    assert any(event_filter.magic is not None for event_filter in every_filter)  # the handlers do use `F.…`
    assert [event_filter for event_filter in every_filter if not event_filter.awaitable] == []


async def test_an_inline_magic_filter_still_decides() -> None:
    router = Router()
    router.message.filter(F.text == "yes")
    filter_inline(router)
    (event_filter,) = router.message._handler.filters or ()

    assert event_filter.awaitable
    assert await event_filter.call(type("Event", (), {"text": "yes"})()) is True
    assert not await event_filter.call(type("Event", (), {"text": "no"})())


async def test_each_method_builds_its_response_model_once() -> None:
    pinned = PinnedResponseModels()
    user = User(id=1, is_bot=True, first_name="Shop")

    async def make_request(bot: Any, method: Any) -> Response[User]:
        return Response[User](ok=True, result=user)

    for _ in range(3):
        await pinned(make_request, None, GetMe())  # type: ignore[arg-type]

    assert pinned.models == {GetMe: Response[User]}
