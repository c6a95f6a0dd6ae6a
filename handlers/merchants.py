"""Who may plan and run streams, export orders and see reports, checked on the server for every privileged command
and button (handlers/access.py lists them). Anyone else who types one, or forges a button's data, is told it is not
for them and nothing changes."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.domain.buyer import Role
from handlers.access import PRIVILEGED_CALLBACKS, PRIVILEGED_COMMANDS, HasRole
from handlers.views.merchants import not_for_you_text


class IsMerchant(HasRole):
    """The sender is one of the shop's merchants."""

    def __init__(self) -> None:
        super().__init__(Role.MERCHANT)


def make_router() -> Router:
    """Goes after the merchant routers (newstream, streams), which only let merchants in: what reaches it from their
    commands and buttons came from someone else."""
    router = Router(name="merchants")
    for roles in {*PRIVILEGED_COMMANDS.values(), *PRIVILEGED_CALLBACKS.values()}:
        commands = [name for name, allowed in PRIVILEGED_COMMANDS.items() if allowed == roles]
        if commands:
            router.message.register(refuse_command, Command(*commands), ~HasRole(*roles))
        # By prefix, so forged data that does not even unpack is refused too.
        prefixes = tuple(f"{prefix}:" for prefix, allowed in PRIVILEGED_CALLBACKS.items() if allowed == roles)
        if prefixes:
            router.callback_query.register(refuse_button, F.data.startswith(prefixes), ~HasRole(*roles))
    return router


async def refuse_command(message: Message, command: CommandObject) -> None:
    await message.answer(not_for_you_text(PRIVILEGED_COMMANDS[command.command.lower()]))


async def refuse_button(query: CallbackQuery) -> None:
    prefix = (query.data or "").split(":", 1)[0]
    await query.answer(not_for_you_text(PRIVILEGED_CALLBACKS[prefix]), show_alert=True)
