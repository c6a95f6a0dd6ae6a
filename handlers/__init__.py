"""The Telegram layer: one Router per feature, composed in `get_routers()`."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import catalog, fallback, language, start

    # The fallback router goes last: it answers whatever no feature claimed.
    return [start.router, language.router, catalog.router, fallback.router]
