"""Who may use a privileged command or button: `HasRole(Role.OPS, Role.MERCHANT)` lets in anyone holding one of the
roles, asked of BuyerService on the server for every update, so a typed command or forged button data from anyone
else goes no further."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

from bot.domain.buyer import Role
from bot.services.buyers import BuyerService

MERCHANT = frozenset({Role.MERCHANT})
STAFF = frozenset({Role.MERCHANT, Role.OPS})

# Every privileged command and who may use it. The refusal router (handlers/merchants.py) answers anyone else; the
# command menus and /help show each role its own.
PRIVILEGED_COMMANDS: dict[str, frozenset[Role]] = {
    "newstream": MERCHANT,
    "streams": MERCHANT,
    "live": MERCHANT,
    "stats": MERCHANT,
    "end": MERCHANT,
    "say": MERCHANT,
    "grant": MERCHANT,
    "revoke": MERCHANT,
    "export": STAFF,
    "report": STAFF,
}
# The callback-data prefixes (handlers/callbacks.py) of privileged buttons, and who may press them.
PRIVILEGED_CALLBACKS: dict[str, frozenset[Role]] = {
    "st": MERCHANT,  # StreamCb
    "ns": MERCHANT,  # NewStreamCb
    "role": MERCHANT,  # RoleCb
    "export": STAFF,  # ExportCb
    "report": STAFF,  # ReportCb
}


class HasRole(Filter):
    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(
        self, event: Message | CallbackQuery, buyers: BuyerService, sender_roles: frozenset[Role] | None = None
    ) -> bool:
        """`sender_roles`: the sender's, read with them on the update's way in (bot/app.py BuyerLocaleMiddleware), so a
        privileged router asks no more of the database; without it, asked here."""
        user = event.from_user
        if user is None:
            return False
        if sender_roles is None:
            sender_roles = await buyers.roles_for(user.id)
        return not self.roles.isdisjoint(sender_roles)
