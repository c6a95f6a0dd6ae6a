"""The command menus: every buyer's (the default scope), and in each merchant's and ops person's private chat the one
of their roles (`setMyCommands` with a chat scope, which Telegram shows there instead), in every shop language.

Implements bot.ports.CommandMenus. `follow` brings every staff chat's menu in line with who holds which role now (at
startup, and every minute for changes made elsewhere: the CLI, another bot process)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat
from aiogram.utils.i18n import I18n

from bot.domain.buyer import Role
from bot.domain.language import menu_language
from handlers.views.start import command_descriptions, privileged_command_descriptions

log = logging.getLogger(__name__)

# The buyer menu, in this order.
BUYER_MENU = (
    "catalog",
    "cart",
    "checkout",
    "orders",
    "subscribe",
    "unsubscribe",
    "timezone",
    "currency",
    "language",
    "help",
)


class TelegramCommandMenus:
    """Built with the services, before the bot exists; `attach` hands it the bot that polls."""

    def __init__(self, i18n: I18n, languages: list[str], default_language: str, bot: Bot | None = None) -> None:
        self.i18n = i18n
        self.bot = bot
        # Each shop language and the code its menu goes under (None: the default menu, for every other language).
        self.codes = {
            language: None if language == default_language else menu_language(language, languages)
            for language in languages
            if language == default_language or menu_language(language, languages) is not None
        }
        # What each staff chat was last shown, so `follow` changes only what changed.
        self.shown: dict[int, frozenset[Role]] = {}

    def attach(self, bot: Bot) -> None:
        self.bot = bot

    def commands(self, roles: frozenset[Role], language: str) -> list[BotCommand]:
        """The menu of someone holding `roles`: their privileged commands first, then the buyer's."""
        with self.i18n.context(), self.i18n.use_locale(language):
            privileged = privileged_command_descriptions(roles)
            buyer = command_descriptions()
        return [
            *(BotCommand(command=name, description=text) for name, text in privileged.items()),
            *(BotCommand(command=name, description=buyer[name]) for name in BUYER_MENU),
        ]

    async def show_everyone(self) -> None:
        """The default menu: a buyer's, in every language."""
        for language, code in self.codes.items():
            await self._bot.set_my_commands(self.commands(frozenset({Role.BUYER}), language), language_code=code)

    async def show(self, telegram_id: int, roles: frozenset[Role]) -> None:
        """The person's chat menu for `roles`; for a buyer, their chat's own menu goes and the default one shows.
        A chat Telegram refuses (the person blocked the bot) is logged and skipped: nothing else depends on it."""
        scope = BotCommandScopeChat(chat_id=telegram_id)
        staff = not roles.isdisjoint({Role.MERCHANT, Role.OPS})
        try:
            for language, code in self.codes.items():
                if staff:
                    await self._bot.set_my_commands(self.commands(roles, language), scope=scope, language_code=code)
                else:
                    await self._bot.delete_my_commands(scope=scope, language_code=code)
        except TelegramAPIError as refused:
            log.warning("command menu of chat %s not changed: %s", telegram_id, refused)
            return
        self.shown[telegram_id] = roles if staff else frozenset({Role.BUYER})

    async def follow(self, staff: Mapping[int, frozenset[Role]]) -> None:
        """Show every staff chat its menu, and a buyer's again to whoever lost their roles, where it changed."""
        for telegram_id in sorted({*staff, *self.shown}):
            roles = staff.get(telegram_id, frozenset({Role.BUYER}))
            if self.shown.get(telegram_id) != roles:
                await self.show(telegram_id, roles)

    @property
    def _bot(self) -> Bot:
        if self.bot is None:
            raise RuntimeError("TelegramCommandMenus has no bot yet: call attach(bot) first")
        return self.bot
