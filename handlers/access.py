"""Who may use a privileged command or button: `HasRole(Role.OPS, Role.MERCHANT)` lets in anyone holding one of the
roles, asked of BuyerService on the server for every update, so a typed command or forged button data from anyone
else goes no further."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

from bot.domain.buyer import Role
from bot.services.buyers import BuyerService


class HasRole(Filter):
    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, event: Message | CallbackQuery, buyers: BuyerService) -> bool:
        user = event.from_user
        return user is not None and not self.roles.isdisjoint(await buyers.roles_for(user.id))
