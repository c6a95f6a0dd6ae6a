"""Stream groups share one chat: buyer commands and catalogue buttons belong to each buyer's private chat.

What stays in groups: keyword orders with the buttons of their refusals (handlers/keyword.py) and the waitlist button
of a sold-out answer (handlers/cart.py); a tap on these answers the tapper alone.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, or_f
from aiogram.types import CallbackQuery, Message
from aiogram.utils.deep_linking import create_start_link

from handlers.callbacks import KeywordCb, WaitlistCb
from handlers.views.groups import private_chat_alert, private_chat_text

BUYER_COMMANDS = (
    "start",
    "help",
    "language",
    "catalog",
    "cart",
    "checkout",
    "orders",
    "currency",
    "subscribe",
    "unsubscribe",
    "timezone",
)
GROUP_CHAT_TYPES = {"group", "supergroup"}
# /start with this payload is an ordinary /start: the link only opens the private chat.
FROM_GROUP = "shop"


def make_router() -> Router:
    router = Router(name="groups")
    router.message.register(command_in_group, F.chat.type.in_(GROUP_CHAT_TYPES), Command(*BUYER_COMMANDS))
    router.callback_query.register(
        button_in_group,
        F.message.chat.type.in_(GROUP_CHAT_TYPES),
        ~or_f(WaitlistCb.filter(F.action == "join"), KeywordCb.filter()),
    )
    return router


async def command_in_group(message: Message, bot: Bot) -> None:
    """One short reply: a buyer's catalogue, cart and checkout would be everyone's in a group, in one language."""
    await message.reply(private_chat_text(await create_start_link(bot, FROM_GROUP)))


async def button_in_group(query: CallbackQuery, bot: Bot) -> None:
    """A catalogue or cart button on a group message (one drawn before buyer commands moved to private chats)."""
    me = await bot.me()
    await query.answer(private_chat_alert(me.username or ""), show_alert=True)
