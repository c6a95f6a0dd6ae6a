"""The Notifier port over Telegram: each notice from the core, drawn in the buyer's language and sent privately."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import BufferedInputFile
from aiogram.utils.i18n import I18n

from bot.domain.notices import Notice, StreamChart, recipient_of
from handlers.errors import is_blocked_by_user
from handlers.views.notices import notice_screen
from handlers.views.stream_reports import chart_filename


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
            if isinstance(notice, StreamChart):
                picture = BufferedInputFile(notice.picture, filename=chart_filename(notice.report))
                message = await self.bot.send_photo(recipient, picture, caption=screen.text)
            else:
                message = await self.bot.send_message(recipient, screen.text, reply_markup=screen.keyboard)
        except TelegramForbiddenError as refused:
            if self.on_blocked is not None and is_blocked_by_user(refused):
                await self.on_blocked(recipient)
            return None
        return message.message_id
