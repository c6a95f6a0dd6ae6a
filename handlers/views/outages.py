"""What a person is told when their message could not be handled because the shop's database was out of reach."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _


def try_again_text() -> str:
    return _("⚠️ Sorry, the shop could not handle that just now. Please send it again in a minute.")
