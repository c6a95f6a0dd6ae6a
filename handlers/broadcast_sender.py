"""The BroadcastSender port over Telegram: draws a broadcast's message for one recipient in their language and sends
it on the broadcaster's own Bot, whose Telegram errors become outcomes the BroadcastService acts on (it handles 429
itself, so this Bot has no flood-control middleware, and its own connections, so buyers' replies never queue behind
a broadcast)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.utils.i18n import I18n

from bot.domain.broadcasts import BroadcastKind, Recipient, SendOutcome, SendResult
from handlers.views.broadcasts import Renderer

log = logging.getLogger(__name__)


def is_gone(error: TelegramBadRequest) -> bool:
    """400 "chat not found": the account was deleted, or the bot never could write there. Nothing a retry mends, so
    it counts as blocked (a buyer so is marked unreachable until they write again)."""
    return "chat not found" in str(error).lower()


class TelegramBroadcastSender:
    """Built with the services, before the bot exists; `attach` hands it the broadcaster's Bot."""

    def __init__(self, i18n: I18n, renderers: Mapping[BroadcastKind, Renderer], bot: Bot | None = None) -> None:
        self.i18n = i18n
        self.renderers = dict(renderers)
        self.bot = bot

    def attach(self, bot: Bot) -> None:
        self.bot = bot

    async def bot_username(self) -> str:
        """The bot's @username (deep links in announcements); asked of Telegram once."""
        if self.bot is None:
            raise RuntimeError("TelegramBroadcastSender has no bot yet: call attach(bot) first")
        return (await self.bot.me()).username or ""

    def register(self, kind: BroadcastKind, renderer: Renderer) -> None:
        self.renderers[kind] = renderer

    async def send(self, kind: BroadcastKind, reference: int, recipient: Recipient, paid: bool) -> SendResult:
        if self.bot is None:
            raise RuntimeError("TelegramBroadcastSender has no bot yet: call attach(bot) first")
        renderer = self.renderers.get(kind)
        if renderer is None:
            return SendResult(SendOutcome.SKIPPED, error=f"no renderer for {kind}")
        with self.i18n.context(), self.i18n.use_locale(recipient.language):
            rendered = await renderer(reference, recipient)
        if rendered is None:
            return SendResult(SendOutcome.SKIPPED, error="nothing to send")
        try:
            message = await self.bot.send_message(
                recipient.chat_id,
                rendered.text,
                reply_markup=rendered.reply_markup,
                allow_paid_broadcast=paid or None,
            )
        except TelegramRetryAfter as flood:
            return SendResult(SendOutcome.RETRY_AFTER, retry_after=float(flood.retry_after), error=flood.message)
        except TelegramForbiddenError as refused:
            return SendResult(SendOutcome.BLOCKED, error=refused.message)
        except TelegramBadRequest as bad:
            if is_gone(bad):
                return SendResult(SendOutcome.BLOCKED, error=bad.message)
            return SendResult(SendOutcome.FAILED, error=bad.message)
        except TelegramNetworkError as lost:
            # The request may or may not have reached Telegram; it is tried again (see docs/broadcasts.md).
            return SendResult(SendOutcome.FAILED, error=f"network: {lost.message}")
        return SendResult(SendOutcome.SENT, message_id=message.message_id)
