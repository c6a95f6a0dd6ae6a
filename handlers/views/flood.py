"""What a person sending too fast is told, once."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _


def slow_down_text() -> str:
    return _(
        "⏳ You are writing faster than I can read. I will skip your messages for a few seconds: "
        "please wait a moment, then send your last one again."
    )
