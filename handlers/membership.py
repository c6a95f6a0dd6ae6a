"""Telegram tells the bot when a person blocks it (my_chat_member): stop writing to them at once, not at the next
refused send. Unblocking needs nothing here: writing in private marks a buyer reachable again (bot/app.py)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import KICKED, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from bot.services.buyers import BuyerService


def make_router() -> Router:
    router = Router(name="membership")
    router.my_chat_member.register(
        bot_blocked, ChatMemberUpdatedFilter(member_status_changed=KICKED), F.chat.type == "private"
    )
    return router


async def bot_blocked(event: ChatMemberUpdated, buyers: BuyerService) -> None:
    await buyers.mark_blocked(event.from_user.id)
