"""Errors no feature handled. A buyer who blocked the bot is remembered as such, in one log line, not a traceback."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent, User

from bot.services.buyers import BuyerService


def make_router() -> Router:
    router = Router(name="errors")
    router.errors.register(buyer_blocked_the_bot, ExceptionTypeFilter(TelegramForbiddenError))
    return router


def is_blocked_by_user(error: Exception) -> bool:
    """403 comes for a block and for a person who never wrote to the bot; only the first is their choice."""
    return isinstance(error, TelegramForbiddenError) and "blocked" in str(error).lower()


log = logging.getLogger(__name__)


async def buyer_blocked_the_bot(event: ErrorEvent, buyers: BuyerService, event_from_user: User | None = None) -> None:
    if event_from_user is None or not is_blocked_by_user(event.exception):
        log.warning("update %s: Telegram refused delivery: %s", event.update.update_id, event.exception)
        return
    await buyers.mark_blocked(event_from_user.id)
    log.info("buyer %s blocked the bot; no more messages go to them until they write again", event_from_user.id)
