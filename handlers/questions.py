"""Product questions in the buyer's own words ("Есть ли размер M?", "这个能寄到德国吗？"): any private text that no
command, conversation step or keyword order took is a question; in a stream's group, one that names a catalogue
product or replies to the bot gets a brief answer there, and other chatter is left alone. The bot shows it is
typing while it answers. The pipeline is bot/services/questions.py (docs/questions.md).
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.chat_action import ChatActionSender

from bot.services.questions import QuestionService
from handlers.callbacks import QuestionCb
from handlers.groups import GROUP_CHAT_TYPES
from handlers.views.common import edit_message
from handlers.views.questions import answer_keyboard, group_keyboard


def make_router() -> Router:
    router = Router(name="questions")
    router.message.filter(F.text, F.from_user, ~F.from_user.is_bot, F.sender_chat.is_(None), ~F.text.startswith("/"))
    router.message.register(ask_in_private, F.chat.type == "private")
    router.message.register(ask_in_group, F.chat.type.in_(GROUP_CHAT_TYPES))
    router.callback_query.register(which_one, QuestionCb.filter())
    return router


async def ask_in_private(message: Message, bot: Bot, questions: QuestionService) -> None:
    assert message.from_user is not None and message.text is not None
    async with ChatActionSender.typing(bot=bot, chat_id=message.chat.id):
        answer = await questions.ask(message.from_user.id, message.text, chat_id=message.chat.id)
    if answer is None:
        return
    keyboard = answer_keyboard(answer)
    if answer.ask_which:  # a reply: the tap on a choice reads the question back from it
        await message.reply(answer.text, reply_markup=keyboard)
    else:
        await message.answer(answer.text, reply_markup=keyboard)


async def ask_in_group(message: Message, bot: Bot, questions: QuestionService) -> None:
    assert message.from_user is not None and message.text is not None
    replied = message.reply_to_message
    replying = replied is not None and replied.from_user is not None and replied.from_user.id == bot.id
    answer = await questions.ask(
        message.from_user.id, message.text, chat_id=message.chat.id, in_group=True, replying=replying
    )
    if answer is not None:
        await message.reply(answer.text, reply_markup=group_keyboard(answer))


async def which_one(query: CallbackQuery, callback_data: QuestionCb, questions: QuestionService) -> None:
    """A product tapped under "which one do you mean?": the answer to the question replaces the choice."""
    message = query.message
    asked = message.reply_to_message if isinstance(message, Message) else None
    question = asked.text if asked is not None and asked.text else ""
    answer = await questions.choose(query.from_user.id, callback_data.product_id, question)
    await query.answer()
    keyboard: InlineKeyboardMarkup | None = answer_keyboard(answer)
    if isinstance(message, Message):
        await edit_message(message, keyboard, answer.text)
    elif query.bot is not None:
        await query.bot.send_message(query.from_user.id, answer.text, reply_markup=keyboard)
