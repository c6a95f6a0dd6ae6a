"""The sandbox's pieces for a merchant's live stream: public groups named by @username, pinned posts (and their
events for the chat page), the demo's merchant persona and group."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BotCommand, BotCommandScopeChat

from sandbox.demo import DEMO_GROUP_USERNAME, add_demo_merchant
from sandbox.params import ApiError
from sandbox.server import DEFAULT_TOKEN, Sandbox, SandboxServer


@pytest.fixture
def sandbox() -> Sandbox:
    return Sandbox()


@pytest.fixture
async def bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    server = await SandboxServer(sandbox, default_group="").start()
    bot = Bot(token=DEFAULT_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)))
    yield bot
    await bot.session.close()
    await server.stop()


async def test_a_public_group_is_found_by_its_username(sandbox: Sandbox, bot: Bot) -> None:
    group = sandbox.add_group("Live room", "@live_room")
    chat = await bot.get_chat("@Live_Room")
    assert chat.id == group.id and chat.username == "live_room" and chat.type == "supergroup"
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.get_chat("@nobody_here")


def test_a_group_username_must_be_valid_and_free(sandbox: Sandbox) -> None:
    sandbox.add_group("Live room", "live_room")
    for taken in ("live_room", "x", "1abcde"):
        with pytest.raises(ApiError, match="invalid or taken"):
            sandbox.add_group("Other", taken)


async def test_the_bot_pins_and_unpins_a_post_and_the_chat_page_hears_of_each(sandbox: Sandbox, bot: Bot) -> None:
    group = sandbox.add_group("Live room")
    first = await bot.send_message(group.id, "Live now")
    second = await bot.send_message(group.id, "Also live")
    seen = sandbox.last_event

    assert await bot.pin_chat_message(group.id, first.message_id)
    assert await bot.pin_chat_message(group.id, second.message_id)
    assert sandbox.transcript(group.id)["pinned"] == [first.message_id, second.message_id]

    assert await bot.unpin_chat_message(group.id, message_id=first.message_id)
    assert sandbox.transcript(group.id)["pinned"] == [second.message_id]
    assert await bot.unpin_chat_message(group.id)  # no id: the latest pinned
    assert sandbox.transcript(group.id)["pinned"] == []
    events = [event for event in sandbox.events_after(seen) if event["type"] == "pinned"]
    assert [event["pinned"] for event in events] == [
        [first.message_id],
        [first.message_id, second.message_id],
        [second.message_id],
        [],
    ]


async def test_pinning_a_message_that_is_not_there_is_refused(sandbox: Sandbox, bot: Bot) -> None:
    group = sandbox.add_group("Live room")
    with pytest.raises(TelegramBadRequest, match="message to pin not found"):
        await bot.pin_chat_message(group.id, 999)
    with pytest.raises(TelegramBadRequest, match="not pinned"):
        await bot.unpin_chat_message(group.id, message_id=999)


async def test_the_demo_has_a_merchant_persona_and_a_group_her_streams_post_in(sandbox: Sandbox, bot: Bot) -> None:
    merchant, group = add_demo_merchant(sandbox, "en")
    assert merchant.id in sandbox.personas and "merchant" in merchant.first_name
    assert (await bot.get_chat(f"@{DEMO_GROUP_USERNAME}")).id == group.id
    # Her own command menu, as bot/app.py sets one for each merchant.
    scope = BotCommandScopeChat(chat_id=merchant.id)
    await bot.set_my_commands([BotCommand(command="newstream", description="plan a live stream")], scope=scope)
    assert [c.command for c in await bot.get_my_commands(scope=scope)] == ["newstream"]
    assert await bot.get_my_commands() == []


async def test_a_persona_sees_the_menu_telegram_would_show_in_their_chat(sandbox: Sandbox, bot: Bot) -> None:
    """Narrowest scope first, and in a scope the persona's app language before the menu for every language."""
    german = sandbox.add_persona(first_name="Olga", language_code="de-AT")
    french = sandbox.add_persona(first_name="Zoé", language_code="fr")
    assert sandbox.menu_for(german) == []
    await bot.set_my_commands([BotCommand(command="catalog", description="catalogue")])
    await bot.set_my_commands([BotCommand(command="catalog", description="Katalog")], language_code="de")
    assert [c["description"] for c in sandbox.menu_for(german)] == ["Katalog"]
    assert [c["description"] for c in sandbox.menu_for(french)] == ["catalogue"]

    scope = BotCommandScopeChat(chat_id=german.id)
    await bot.set_my_commands([BotCommand(command="export", description="Export")], scope=scope)
    assert [c["command"] for c in sandbox.menu_for(german)] == ["export"]
    assert [c["command"] for c in sandbox.menu_for(french)] == ["catalog"]
    await bot.delete_my_commands(scope=scope)
    assert [c["description"] for c in sandbox.menu_for(german)] == ["Katalog"]
