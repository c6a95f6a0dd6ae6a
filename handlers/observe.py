"""Every update, observed: its id and chat on each log line written while it is handled (bot/logs.py), and for
/metrics which handler took it, how long it took and whether it failed."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Dispatcher
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.types import Chat, TelegramObject, Update

from bot.logs import log_context
from bot.ports import Metrics

log = logging.getLogger(__name__)
# Where the outer middleware leaves the slot the handler's name is written to (the inner one fills it).
SLOT = "observed_update"
NO_HANDLER = "none"


class Observed:
    """What one update came to: the name of the handler that took it."""

    __slots__ = ("handler",)

    def __init__(self) -> None:
        self.handler = NO_HANDLER


def handler_name(handler: HandlerObject) -> str:
    """`module.function` of a handler, e.g. "keyword.order_by_code": from the code, so a small fixed set of names."""
    callback = handler.callback
    name = getattr(callback, "__qualname__", None) or type(callback).__name__
    module = str(getattr(callback, "__module__", "") or "").rsplit(".", 1)[-1]
    return f"{module}.{name}" if module else name


class ObserveUpdates(BaseMiddleware):
    """An outer middleware on `update`, right after InFlight: sets the log context, times the update, counts it, and
    logs one line for it (in place of aiogram's own "Update id=… is handled", which is written outside the context
    and knows no handler: bot/logs.py quiets it)."""

    def __init__(self, metrics: Metrics, clock: Callable[[], float] = time.perf_counter) -> None:
        self.metrics = metrics
        self.clock = clock

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        observed = data[SLOT] = Observed()
        chat: Chat | None = data.get("event_chat")
        began, outcome = self.clock(), "error"
        with log_context(update_id=event.update_id, chat_id=chat.id if chat is not None else None):
            try:
                result = await handler(event, data)
                outcome = "ok"
                return result
            finally:
                seconds = self.clock() - began
                self.metrics.update_handled(observed.handler, outcome, seconds)
                log.info("update %s: %s %s in %.0f ms", event.update_id, observed.handler, outcome, seconds * 1000)


class NameHandler(BaseMiddleware):
    """An inner middleware on every event type: runs once a handler's filters passed, so it knows which one."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        observed: Observed | None = data.get(SLOT)
        chosen: HandlerObject | None = data.get("handler")
        if observed is not None and chosen is not None:
            observed.handler = handler_name(chosen)
        return await handler(event, data)


def observe(dispatcher: Dispatcher, metrics: Metrics) -> None:
    """Put both middlewares on `dispatcher` (inner ones on the dispatcher reach every router's handlers)."""
    dispatcher.update.outer_middleware(ObserveUpdates(metrics))
    naming = NameHandler()
    for name, observer in dispatcher.observers.items():
        if name not in ("update", "error"):
            observer.middleware(naming)


def mark_skipped(data: dict[str, Any], reason: str) -> None:
    """An update a middleware ends before any handler (flood control) is counted under `reason`."""
    observed: Observed | None = data.get(SLOT)
    if observed is not None:
        observed.handler = reason
