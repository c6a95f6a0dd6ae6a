"""What the bot tells someone who tries a command or button their role does not allow."""

from __future__ import annotations

from collections.abc import Set

from aiogram.utils.i18n import gettext as _

from bot.domain.buyer import Role


def not_for_you_text(allowed: Set[Role] = frozenset({Role.MERCHANT})) -> str:
    """`allowed`: the roles the command or button is for (handlers/access.py)."""
    if Role.OPS in allowed:
        return "🔒 " + _("Sorry, this is for the shop's staff only. /help lists what you can do.")
    return "🔒 " + _("Sorry, this is for the shop's merchants only. /help lists what you can do.")
