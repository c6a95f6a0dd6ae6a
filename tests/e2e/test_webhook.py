"""The real bot in webhook mode (WEBHOOK_URL, one process): the sandbox delivers updates by POST with the secret
header, the bot answers buyers; a request without the right secret is refused and handles nothing; an update
delivered twice (Telegram redelivers after a timeout) is handled once."""

from __future__ import annotations

import asyncio

import aiohttp

from sandbox.client import SandboxClient, SandboxPersona
from sandbox.server import DEFAULT_TOKEN, SandboxServer
from tests.e2e.conftest import say
from tests.e2e.harness import BotProcess
from tests.e2e.webhook_bots import WEBHOOK_PATH, post_update, private_message, webhook_settings

# The module's own bot and sandbox (conftest's module_bot), serving Telegram's updates by webhook.
BOT_SETTINGS = webhook_settings()


async def bot_messages(persona: SandboxPersona) -> list[str]:
    return [message.body for message in await persona.transcript() if message.from_bot]


async def test_a_buyer_is_answered_through_the_webhook(sandbox: SandboxClient, module_server: SandboxServer) -> None:
    buyer = await sandbox.persona(first_name="Wendy", language_code="en")
    reply = await say(buyer, "/start")
    assert reply.body
    assert module_server.sandbox.webhook_url.endswith(WEBHOOK_PATH)
    # getUpdates, Telegram's other way, is closed while a webhook is set: nobody polls.
    url = f"{module_server.url}/bot{DEFAULT_TOKEN}/getUpdates"
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        assert answer.status == 409


async def test_a_forged_or_missing_secret_is_refused_and_nothing_is_handled(
    sandbox: SandboxClient, module_bot: BotProcess
) -> None:
    buyer = await sandbox.persona(first_name="Mallory", language_code="en")
    url = module_bot.web_url + WEBHOOK_PATH
    assert await post_update(url, private_message(buyer, 880_000_001, "/help"), secret="guessed") == 401
    assert await post_update(url, private_message(buyer, 880_000_002, "/help"), secret=None) == 401
    # The next message the buyer really sends is the first the bot answers.
    await say(buyer, "/start")
    assert len(await bot_messages(buyer)) == 1


async def test_an_update_delivered_twice_is_handled_once(sandbox: SandboxClient, module_bot: BotProcess) -> None:
    buyer = await sandbox.persona(first_name="Dora", language_code="en")
    await say(buyer, "/start")
    url = module_bot.web_url + WEBHOOK_PATH
    update = private_message(buyer, 880_000_101, "/help")
    # Twice at once (Telegram retrying while the first try is in hand), then once more after both ended.
    first, second = await asyncio.gather(post_update(url, update), post_update(url, update))
    assert sorted((first, second)) in ([200, 200], [200, 503]), (first, second)
    assert await post_update(url, update) == 200
    # The first 200 came after the update was handled, so its answer is in the chat by now; a second is not.
    assert len(await bot_messages(buyer)) == 2
