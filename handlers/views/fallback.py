"""What the bot answers to what no feature understood."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _


def button_gone_text() -> str:
    return _("This button is no longer valid. Send /catalog to start again.")


def not_understood_text() -> str:
    return _("Sorry, I did not understand that. /help lists what I can do.")
