"""/say <text>: while a stream is live, a merchant speaks to its group and its subscribers, each in their language."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.services.say import NoLiveStream, SayService
from handlers.merchants import IsMerchant
from handlers.views.say import no_live_stream_text, said_text, say_usage_text


def make_router() -> Router:
    router = Router(name="say")
    router.message.filter(F.chat.type == "private", IsMerchant())
    router.message.register(say, Command("say"))
    return router


async def say(message: Message, command: CommandObject, say: SayService, locale: str) -> None:
    text = (command.args or "").strip()
    if not text:
        await message.answer(say_usage_text())
        return
    assert message.from_user is not None
    try:
        said = await say.say(message.from_user.id, text, locale)
    except NoLiveStream:
        await message.answer(no_live_stream_text())
        return
    await message.answer(said_text(said.stream_title, said.group))
