"""/start greets in the buyer's language; /help lists the commands for the person's role."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.domain.buyer import Role
from bot.services.buyers import BuyerService
from handlers.views import help_text

router = Router(name="start")


@router.message(CommandStart(), F.from_user)
async def start(message: Message, buyers: BuyerService) -> None:
    user = message.from_user
    assert user is not None
    await buyers.register(user.id, user.language_code, user.full_name)
    await message.answer(
        _("Hello, {name}! Welcome to our live shop.").format(name=user.first_name)
        + "\n\n"
        + _("Browse the catalogue with /catalog. Choose your language with /language. /help lists everything.")
    )


@router.message(Command("help"), F.from_user)
async def show_help(message: Message, buyers: BuyerService) -> None:
    assert message.from_user is not None
    roles = buyers.roles_of(message.from_user.id)
    await message.answer(help_text(Role.MERCHANT in roles, Role.OPS in roles))
