"""Whatever no feature understood: stale or forged buttons, and messages the bot cannot read."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _


def make_router() -> Router:
    router = Router(name="fallback")
    router.callback_query.register(unknown_button)
    router.message.register(unknown_message, F.chat.type == "private")
    return router


async def unknown_button(query: CallbackQuery) -> None:
    await query.answer(_("This button is no longer valid. Send /catalog to start again."), show_alert=True)


async def unknown_message(message: Message) -> None:
    await message.answer(_("Sorry, I did not understand that. /help lists what I can do."))
