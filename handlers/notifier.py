"""The Notifier port over Telegram: each notice from the core, drawn in the buyer's language and sent privately."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot.domain.notices import Notice, OrderPaid, PaymentReceived, StreamChart, WaitlistOffer, recipient_of
from bot.domain.outbound import Priority
from bot.services.outbound import sending_as
from handlers.errors import is_blocked_by_user
from handlers.views.notices import notice_screen
from handlers.views.stream_reports import chart_filename


def notice_priority(notice: Notice) -> Priority:
    """How a notice waits in the outbound queue: a payment's receipt with order confirmations, a waitlist offer with
    sold-out answers (units free for a few minutes), everything else after the answers to people who wrote."""
    if isinstance(notice, PaymentReceived | OrderPaid):
        return Priority.CONFIRMATION
    if isinstance(notice, WaitlistOffer):
        return Priority.SOLD_OUT
    return Priority.NOTICE


class TelegramNotifier:
    """Built with the services, before the bot exists; `attach` hands it the bot that polls."""

    def __init__(
        self,
        i18n: I18n,
        bot: Bot | None = None,
        on_blocked: Callable[[int], Awaitable[None]] | None = None,
    ) -> None:
        self.i18n = i18n
        self.bot = bot
        self.on_blocked = on_blocked

    def attach(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, notice: Notice) -> bool:
        """True when sent; False when the recipient (a buyer, a merchant or ops) blocked the bot or never started
        it (the core decides what then)."""
        return await self.post(notice) is not None

    async def post(self, notice: Notice) -> int | None:
        """Send the notice; the message's id (a reply to it can be matched later), or None when its recipient
        cannot be reached. Implements bot.ports.StaffDesk for questions handed to the staff."""
        if self.bot is None:
            raise RuntimeError("TelegramNotifier has no bot yet: call attach(bot) first")
        # Called from the scheduler, outside any update: the language comes from the notice, not a middleware.
        with self.i18n.context(), self.i18n.use_locale(notice.language):
            screen = notice_screen(notice, notice.language)
        recipient = recipient_of(notice)
        try:
            with sending_as(notice_priority(notice)):
                message = await self._send(notice, recipient, screen.text, screen.keyboard)
        except TelegramForbiddenError as refused:
            if self.on_blocked is not None and is_blocked_by_user(refused):
                await self.on_blocked(recipient)
            return None
        return message.message_id

    async def _send(self, notice: Notice, recipient: int, text: str, keyboard: InlineKeyboardMarkup | None) -> Message:
        assert self.bot is not None
        if isinstance(notice, StreamChart):
            picture = BufferedInputFile(notice.picture, filename=chart_filename(notice.report))
            return await self.bot.send_photo(recipient, picture, caption=text)
        return await self.bot.send_message(recipient, text, reply_markup=keyboard)
