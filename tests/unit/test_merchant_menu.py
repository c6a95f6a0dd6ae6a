"""The command menu bot/app.py sets: every buyer's, and in each merchant's chat theirs with the merchant commands
first, in every language the shop speaks; and the merchant routers placed where a merchant's answers are theirs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.methods import SetMyCommands
from aiogram.types import BotCommandScopeChat

from bot.app import Application, build
from bot.config import load_settings
from handlers.merchants import MERCHANT_COMMANDS
from tests.unit.telegram import make_bot

MERCHANTS = [900, 901]


@pytest.fixture
async def application(tmp_path: Path) -> AsyncIterator[Application]:
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}",
        supported_languages=["en", "de"],
        default_language="en",
        merchant_ids=MERCHANTS,
    )
    application = build(settings)
    yield application
    await application.close()


async def test_each_merchant_gets_a_menu_with_the_merchant_commands_first_in_every_language(
    application: Application,
) -> None:
    bot, session = make_bot()
    await application.set_commands(bot)

    menus = session.sent(SetMyCommands)
    everyone = [m for m in menus if m.scope is None]
    assert {m.language_code for m in everyone} == {None, "de"}
    assert not any(c.command in MERCHANT_COMMANDS for m in everyone for c in m.commands)
    for merchant in MERCHANTS:
        theirs = [m for m in menus if isinstance(m.scope, BotCommandScopeChat) and m.scope.chat_id == merchant]
        assert {m.language_code for m in theirs} == {None, "de"}
        for menu in theirs:
            names = [c.command for c in menu.commands]
            assert names[: len(MERCHANT_COMMANDS)] == list(MERCHANT_COMMANDS) and "catalog" in names
    [german] = [m for m in menus if m.language_code == "de" and m.scope is not None and m.scope.chat_id == 900]
    [english] = [m for m in menus if m.language_code is None and m.scope is not None and m.scope.chat_id == 900]
    assert german.commands[0].description != english.commands[0].description  # translated


async def test_merchant_conversations_come_before_checkout_and_keyword_orders(application: Application) -> None:
    names = [router.name for router in application.dispatcher.sub_routers]
    assert names.index("newstream") < names.index("streams") < names.index("merchants") < names.index("checkout")
    assert names.index("merchants") < names.index("keyword")
