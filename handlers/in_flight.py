"""The updates being handled right now, so a stopping bot finishes them before it closes (graceful SIGTERM) and then
tells Telegram which ones are done, so none is handled twice after the restart."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update


class InFlight(BaseMiddleware):
    """The outermost middleware on `update`: counts the updates in its hands and remembers the newest one taken."""

    def __init__(self) -> None:
        self.count = 0
        self.newest: int | None = None
        self.idle = asyncio.Event()
        self.idle.set()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if isinstance(event, Update):
            # Polling hands updates over in order, so every update up to the newest one taken was taken.
            self.newest = event.update_id if self.newest is None else max(self.newest, event.update_id)
        self.count += 1
        self.idle.clear()
        try:
            return await handler(event, data)
        finally:
            self.count -= 1
            if self.count == 0:
                self.idle.set()

    async def drained(self, within: float) -> bool:
        """Whether every update taken was finished within `within` seconds."""
        try:
            await asyncio.wait_for(self.idle.wait(), within)
        except TimeoutError:
            return False
        return True
