"""The chat side of the outbound queue (docs/outbound.md): every update's answers wait as replies unless a handler
says better or worse; a keyword order's answer waits for its turn without holding up the next orders; and keyword
orders in a stream group are confirmed there together: Telegram lets a bot post twenty messages a minute in a group,
and a live stream brings more orders than that."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import InlineKeyboardMarkup, ReplyParameters, TelegramObject

from bot.domain.outbound import GroupLine, Priority
from bot.services.outbound import current_priority, sending_as
from handlers.views.outbound import batch_texts

log = logging.getLogger(__name__)


class ReplyPriority(BaseMiddleware):
    """An outer middleware on `update`: what its handlers send waits as a REPLY (handlers/keyword.py raises an
    order's answer to CONFIRMATION or SOLD_OUT)."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        token = current_priority.set(Priority.REPLY)
        try:
            return await handler(event, data)
        finally:
            current_priority.reset(token)


class OrderAnswers:
    """Implements bot.ports.OrderAnswers.

    `later`: an order's answer is sent by a task of its own, so the handler returns at once and the update's slot
    (CONCURRENT_UPDATES) goes to the next order. In a flash sale the orders are taken at the database's pace and their
    answers leave at Telegram's, winners' confirmations before sold-out answers; handlers that waited for their
    answers' turns held every slot and took orders at Telegram's pace, in arrival order. A bot stopping gracefully
    sends what is left (`drain`); one that crashes loses the answers not sent, as it loses the updates in hand.

    `confirm`: a quiet group gets each order's answer at once, as a reply to it (with its buttons);
    orders that come within `every` seconds of the last message are gathered and go out together in one message when
    that time is up (several when one would be too long). At 4 s that is at most 15 messages a minute, leaving room
    under Telegram's 20 for the stream's other posts; the outbound queue keeps the 20 anyway."""

    def __init__(self, every: float, bot: Bot | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        # No asyncio object here: the application is built before its event loop runs.
        self.every = every
        self.bot = bot
        self.clock = clock
        self._gathering: dict[int, list[GroupLine]] = {}
        self._last: dict[int, float] = {}
        self._flushes: set[asyncio.Task[None]] = set()
        self._closing: asyncio.Event | None = None
        self._answers: set[asyncio.Task[None]] = set()

    def attach(self, bot: Bot) -> None:
        self.bot = bot

    def later(self, send: Awaitable[object], then: Callable[[bool], Awaitable[None]] | None = None) -> None:
        """Send in a task of its own (with the caller's priority and language); `then(reached)` after it, reached
        False when the person cannot be written to (never started the bot, or blocked it)."""
        task = asyncio.create_task(self._answer(send, then))
        self._answers.add(task)
        task.add_done_callback(self._answers.discard)

    async def _answer(self, send: Awaitable[object], then: Callable[[bool], Awaitable[None]] | None) -> None:
        try:
            try:
                await send
            except TelegramForbiddenError:
                reached = False
            else:
                reached = True
            if then is not None:
                await then(reached)
        except Exception:  # one answer's failure is logged; the order itself stands (the buyer sees it in /cart)
            log.exception("an order's answer failed")

    async def drain(self) -> None:
        """Every answer handed to `later` sent, and every group's gathered answers (without waiting out the
        interval): the bot is stopping, or a test wants what an update caused."""
        while self._answers:
            await asyncio.wait(set(self._answers))
        await self.flush()
        self._closing = None

    async def confirm(self, answer: GroupLine) -> None:
        chat_id = answer.chat_id
        gathering = self._gathering.get(chat_id)
        if gathering is not None:
            gathering.append(answer)
            return
        now = self.clock()
        due = self._last.get(chat_id, float("-inf")) + self.every
        if now >= due:
            self._last[chat_id] = now
            await self._send(chat_id, [answer])
            return
        self._gathering[chat_id] = [answer]
        task = asyncio.create_task(self._send_later(chat_id, due - now))
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def flush(self) -> None:
        """Send what is gathered now, without waiting out the interval (the bot is stopping)."""
        self._event().set()
        if self._flushes:
            await asyncio.wait(set(self._flushes))

    async def close(self) -> None:
        await self.drain()

    async def _send_later(self, chat_id: int, wait: float) -> None:
        with contextlib.suppress(TimeoutError):  # time's up; or the bot is stopping, and it goes now
            await asyncio.wait_for(self._event().wait(), wait)
        batch = self._gathering.pop(chat_id)
        self._last[chat_id] = self.clock()
        await self._send(chat_id, batch)

    def _event(self) -> asyncio.Event:
        if self._closing is None:
            self._closing = asyncio.Event()
        return self._closing

    async def _send(self, chat_id: int, batch: list[GroupLine]) -> None:
        if self.bot is None:
            raise RuntimeError("OrderAnswers has no bot yet: call attach(bot) first")
        try:
            with sending_as(Priority.CONFIRMATION):
                if len(batch) == 1:
                    answer = batch[0]
                    buttons = answer.buttons if isinstance(answer.buttons, InlineKeyboardMarkup) else None
                    await self.bot.send_message(
                        chat_id,
                        answer.alone,
                        reply_markup=buttons,
                        reply_parameters=ReplyParameters(message_id=answer.reply_to, allow_sending_without_reply=True),
                    )
                    return
                for text in batch_texts([answer.line for answer in batch]):
                    await self.bot.send_message(chat_id, text)
        except Exception:  # one group's failure (the bot removed from it) must not stop the others
            log.exception("confirming %d orders in group %s failed", len(batch), chat_id)
