"""Whatever no feature understood: stale or forged buttons, and messages the bot cannot read."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from handlers.views.fallback import button_gone_text, not_understood_text


def make_router() -> Router:
    router = Router(name="fallback")
    router.callback_query.register(unknown_button)
    router.message.register(unknown_message, F.chat.type == "private")
    return router


async def unknown_button(query: CallbackQuery) -> None:
    await query.answer(button_gone_text(), show_alert=True)


async def unknown_message(message: Message) -> None:
    await message.answer(not_understood_text())
