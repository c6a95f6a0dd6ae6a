"""Riding out a short outage of the database or Redis without losing updates.

Long polling confirms an update to Telegram as soon as the bot takes it, so an update whose handling fails is gone
unless the bot itself tries again. An update that failed because the database or Redis was out of reach, before it
had any effect (a committed write, a call to Telegram: bot/effects.py), is handled again from the start, with
growing pauses, once they are back. One that had an effect already, or still fails after `OUTAGE_PATIENCE` seconds,
is not repeated; the person is asked, in their language, to send it again, rather than left without an answer.
While updates wait here they hold their slots (CONCURRENT_UPDATES), so polling stops taking more: the rest wait,
unconfirmed, at Telegram.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

import redis.exceptions
import sqlalchemy.exc
from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import (
    GetChat,
    GetChatMember,
    GetFile,
    GetMe,
    GetMyCommands,
    GetUpdates,
    Response,
    SendChatAction,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject, Update
from aiogram.utils.i18n import I18n

from bot import effects
from bot.domain.language import pick_language
from handlers.views.outages import try_again_text

log = logging.getLogger(__name__)
# How long an update waits for the database or Redis to come back before the person is asked to send it again.
OUTAGE_PATIENCE = 30.0
# A payment's last check must be answered within 10 s, or Telegram fails the payment: refused in time instead.
PRE_CHECKOUT_PATIENCE = 5.0
FIRST_PAUSE = 0.25
LONGEST_PAUSE = 4.0
# Calls that change nothing a person keeps: an update that made only these can be handled again.
READS = (GetMe, GetUpdates, GetChat, GetChatMember, GetFile, GetMyCommands, SendChatAction)


def is_outage(error: BaseException) -> bool:
    """Whether `error` (or what caused it) says the database or Redis could not be reached, rather than a bug."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sqlalchemy.exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(
            current,
            sqlalchemy.exc.OperationalError
            | sqlalchemy.exc.InterfaceError
            | sqlalchemy.exc.TimeoutError
            | redis.exceptions.ConnectionError
            | redis.exceptions.TimeoutError
            | ConnectionError
            | TimeoutError,
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


class NoteTelegramCalls(BaseRequestMiddleware):
    """On the bot's session: a call to Telegram that may change what someone sees is an effect of the update."""

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        if not isinstance(method, READS):
            effects.note(type(method).__name__)
        return await make_request(bot, method)


class ErrorHandlingIsNoEffect(BaseMiddleware):
    """Outermost on the dispatcher's `error` observer: what runs for a failed update's error event (the language
    middleware registering the person, an error handler) comes after the failure, so it does not make the update
    unsafe to handle again."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        with effects.ignored():
            return await handler(event, data)


class OutageTolerantDispatcher(Dispatcher):
    """A Dispatcher whose `feed_update` (polling and webhooks alike) handles an update again after an outage."""

    outage_patience: float = OUTAGE_PATIENCE
    # Set by make_dispatcher: the person's "please send that again", in their language.
    apology: Callable[[Bot, Update], Awaitable[None]] | None = None
    sleep: Callable[[float], Awaitable[None]] = staticmethod(asyncio.sleep)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Before any other middleware on `error` (the language middleware is set up last), so outermost.
        self.errors.outer_middleware(ErrorHandlingIsNoEffect())

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        patience = min(self.outage_patience, PRE_CHECKOUT_PATIENCE if update.pre_checkout_query else math.inf)
        deadline = loop.time() + patience
        pause = FIRST_PAUSE
        while True:
            with effects.tracking() as done:
                try:
                    return await super().feed_update(bot, update, **kwargs)
                except Exception as error:
                    if not is_outage(error):
                        raise
                    if done or loop.time() + pause > deadline:
                        log.warning(
                            "update %s failed in an outage (%s) %s; asking the person to send it again",
                            update.update_id,
                            error.__class__.__name__,
                            f"after it did {', '.join(done)}" if done else f"for {patience:.0f}s",
                        )
                        if self.apology is not None:
                            await self.apology(bot, update)
                        raise
                    log.warning(
                        "update %s: database or Redis out of reach (%s); handling it again in %.2fs",
                        update.update_id,
                        error.__class__.__name__,
                        pause,
                    )
            await self.sleep(pause)
            pause = min(pause * 2, LONGEST_PAUSE)


def apology(i18n: I18n, supported: list[str], default: str) -> Callable[[Bot, Update], Awaitable[None]]:
    """Ask the person behind `update` to send it again, in their app's language (the database, where their chosen
    one is kept, may be what is out of reach): in a private chat, under a button, or at a payment's last check.
    Messages in groups get nothing: most were never meant for the bot."""

    async def ask_again(bot: Bot, update: Update) -> None:
        event = update.message or update.callback_query or update.pre_checkout_query
        person = event.from_user if event is not None else None
        language = pick_language(person.language_code if person else None, supported, default)
        with i18n.context(), i18n.use_locale(language):
            text = try_again_text()
        try:
            if update.message is not None and update.message.chat.type == "private":
                await bot.send_message(update.message.chat.id, text)
            elif update.callback_query is not None:
                await bot.answer_callback_query(update.callback_query.id, text, show_alert=True)
            elif update.pre_checkout_query is not None:
                await bot.answer_pre_checkout_query(update.pre_checkout_query.id, ok=False, error_message=text)
        except Exception as error:
            log.warning("update %s: could not ask the person to send it again: %s", update.update_id, error)

    return ask_again
