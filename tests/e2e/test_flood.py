"""Flood control in the real bot process (FLOOD_RATE 5/s, FLOOD_BURST 20 by default): a buyer sending 50 messages at
once is answered up to the budget and told once, in their language, to slow down; a buyer writing meanwhile is served
as usual."""

from __future__ import annotations

import asyncio
import time

from aiogram.utils.i18n import I18n

from bot.config import Settings
from handlers.views.flood import slow_down_text
from sandbox.client import ChatMessage, SandboxClient
from tests.e2e.harness import ROOT

FLOOD = 50


def slow_down(language: str) -> str:
    i18n = I18n(path=ROOT / "locales", default_locale="en", domain="messages")
    with i18n.context(), i18n.use_locale(language):
        return slow_down_text()


async def test_a_flooding_buyer_is_slowed_and_told_once_while_another_is_served(sandbox: SandboxClient) -> None:
    burst, rate = Settings.model_fields["flood_burst"].default, Settings.model_fields["flood_rate"].default
    anna = await sandbox.persona(first_name="Anna", language_code="de")
    ben = await sandbox.persona(first_name="Ben", language_code="en")
    await anna.send("/start")
    await anna.wait_for_reply()  # within the budget: the greeting spends one message of it

    def helped(message: ChatMessage) -> bool:
        return message.text != slow_down("de")

    began, since = time.monotonic(), anna.cursor
    await asyncio.gather(*(anna.send("/help") for _ in range(FLOOD)))
    await anna.wait_for_message(lambda message: message.text == slow_down("de"))

    asked = time.monotonic()
    await ben.send("/help")
    await ben.wait_for_reply(timeout=10)
    assert time.monotonic() - asked < 3  # the flood does not hold up anyone else

    # Served up to the budget: the burst's other 19 /help are answered...
    anna.cursor = since
    for _ in range(burst - 1):
        await anna.wait_for_message(helped)
    transcript = [m for m in await anna.transcript() if m.from_bot][1:]  # after the greeting
    # ... and no more than the rate adds meanwhile; one notice.
    assert len([m for m in transcript if helped(m)]) <= burst - 1 + rate * (time.monotonic() - began) < FLOOD
    assert len([m for m in transcript if not helped(m)]) == 1
