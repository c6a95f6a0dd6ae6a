"""What the bot tells someone who is not a merchant and tries a merchant's command or button."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _


def not_for_you_text() -> str:
    return "🔒 " + _("Sorry, this is for the shop's merchants only. /help lists what you can do.")
