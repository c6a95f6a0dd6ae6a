"""/language: the buyer chooses the language the shop speaks to them; the choice is remembered."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InaccessibleMessage, Message
from aiogram.utils.i18n import I18n

from bot.services.buyers import BuyerService, UnsupportedLanguage
from handlers.callbacks import LanguageCb
from handlers.views.common import edit_message
from handlers.views.start import (
    choose_language_text,
    language_chosen_text,
    language_keyboard,
    language_unavailable_text,
)


def make_router() -> Router:
    router = Router(name="language")
    router.message.register(ask_language, Command("language"))
    router.callback_query.register(choose_language, LanguageCb.filter(), F.from_user)
    return router


async def ask_language(message: Message, buyers: BuyerService) -> None:
    await message.answer(choose_language_text(), reply_markup=language_keyboard(buyers.supported_languages))


async def choose_language(query: CallbackQuery, callback_data: LanguageCb, buyers: BuyerService, i18n: I18n) -> None:
    try:
        language = await buyers.choose_language(query.from_user.id, callback_data.code, query.from_user.full_name)
    except UnsupportedLanguage:
        await query.answer(language_unavailable_text(), show_alert=True)
        return
    with i18n.use_locale(language):
        text = language_chosen_text(language)
        await query.answer()
        if query.message is not None and not isinstance(query.message, InaccessibleMessage):
            await edit_message(query.message, None, text)
