"""The command menus bot/app.py sets: every buyer's, and in each merchant's and ops person's chat the one of their
roles (from the settings or granted), in every language the shop speaks; a revoke gives the buyer's back. And the
merchant routers placed where a merchant's answers are theirs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.methods import DeleteMyCommands, SetMyCommands
from aiogram.types import BotCommandScopeChat

from bot.app import Application, build, follow_roles, role_service
from bot.config import load_settings
from bot.domain.buyer import Buyer, Role
from bot.domain.roles import PersonRef
from handlers.access import PRIVILEGED_COMMANDS
from handlers.menus import BUYER_MENU
from storage.migrate import upgrade
from tests.unit.telegram import make_bot

MERCHANTS = [900, 901]
OPS = 902
GRANTED = 903
MERCHANT_MENU = [name for name, roles in PRIVILEGED_COMMANDS.items() if Role.MERCHANT in roles]
OPS_MENU = [name for name, roles in PRIVILEGED_COMMANDS.items() if Role.OPS in roles]


@pytest.fixture
async def application(tmp_path: Path) -> AsyncIterator[Application]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}"
    await upgrade(url)
    settings = load_settings(
        database_url=url,
        supported_languages=["en", "de"],
        default_language="en",
        merchant_ids=MERCHANTS,
        ops_ids=[OPS],
    )
    application = build(settings)
    yield application
    await application.close()


def menus_of(menus: list[SetMyCommands], chat_id: int | None) -> dict[str | None, list[str]]:
    """The menu names set for a chat (None: the default scope), by language code."""
    return {
        menu.language_code: [command.command for command in menu.commands]
        for menu in menus
        if (menu.scope is None and chat_id is None)
        or (isinstance(menu.scope, BotCommandScopeChat) and menu.scope.chat_id == chat_id)
    }


async def test_each_role_gets_its_own_menu_in_every_language(application: Application) -> None:
    async with application.core.uow() as uow:
        await uow.buyers.add(Buyer(GRANTED, "de"))
        await uow.commit()
    await role_service(application.core).grant(PersonRef(telegram_id=GRANTED), Role.OPS)
    bot, session = make_bot()
    await application.set_commands(bot)

    menus = session.sent(SetMyCommands)
    assert menus_of(menus, None) == {None: list(BUYER_MENU), "de": list(BUYER_MENU)}
    for merchant in MERCHANTS:
        assert menus_of(menus, merchant) == {None: [*MERCHANT_MENU, *BUYER_MENU], "de": [*MERCHANT_MENU, *BUYER_MENU]}
    assert menus_of(menus, OPS) == {None: [*OPS_MENU, *BUYER_MENU], "de": [*OPS_MENU, *BUYER_MENU]}
    assert menus_of(menus, GRANTED) == menus_of(menus, OPS)
    assert "export" in OPS_MENU and "grant" not in OPS_MENU and "grant" in MERCHANT_MENU
    [german] = [m for m in menus if m.language_code == "de" and m.scope is not None and m.scope.chat_id == 900]
    [english] = [m for m in menus if m.language_code is None and m.scope is not None and m.scope.chat_id == 900]
    assert german.commands[0].description != english.commands[0].description  # translated


async def test_a_revoked_person_gets_the_buyer_menu_back_and_a_cli_grant_shows_within_a_sweep(
    application: Application,
) -> None:
    async with application.core.uow() as uow:
        await uow.buyers.add(Buyer(GRANTED, "en"))
        await uow.commit()
    bot, session = make_bot()
    await application.set_commands(bot)
    assert menus_of(session.sent(SetMyCommands), GRANTED) == {}

    # Granted elsewhere (the CLI has no chat): the bot's sweep shows the menu.
    cli = role_service(application.core)  # no chat: nobody told, no menu shown
    await cli.grant(PersonRef(telegram_id=GRANTED), Role.MERCHANT)
    await follow_roles(application)
    assert menus_of(session.sent(SetMyCommands), GRANTED)[None][: len(MERCHANT_MENU)] == MERCHANT_MENU
    await cli.revoke(PersonRef(telegram_id=GRANTED), Role.MERCHANT)
    await follow_roles(application)
    deleted = [m for m in session.sent(DeleteMyCommands) if m.scope.chat_id == GRANTED]  # type: ignore[union-attr]
    assert {m.language_code for m in deleted} == {None, "de"}
    before = len(session.requests)
    await follow_roles(application)
    assert len(session.requests) == before  # nothing changed, nothing sent


async def test_merchant_conversations_come_before_checkout_and_keyword_orders(application: Application) -> None:
    names = [router.name for router in application.dispatcher.sub_routers]
    assert names.index("newstream") < names.index("streams") < names.index("merchants") < names.index("checkout")
    assert names.index("roles") < names.index("merchants") < names.index("keyword")
