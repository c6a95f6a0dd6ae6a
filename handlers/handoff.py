"""Staff replies to questions the bot handed to them: a reply (in the support chat or a merchant's private chat) to
the bot's message carrying a buyer's question goes back to that buyer. Any other reply goes on to the other routers."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.types import Message

from bot.services.handoff import HandOffService
from handlers.views.handoff import reply_relayed_text


def make_router() -> Router:
    router = Router(name="handoff")
    router.message.register(relay_reply, F.reply_to_message.from_user.is_bot, F.text)
    return router


async def relay_reply(message: Message, hand_offs: HandOffService) -> None:
    replied = message.reply_to_message
    assert replied is not None and message.text is not None
    answered = await hand_offs.relay(message.chat.id, replied.message_id, message.text)
    if answered is None:
        raise SkipHandler  # not a reply to a handed-off question
    await message.reply(reply_relayed_text())
