"""Subscribers through the real bot process and the sandbox Bot API: /start offers the subscription and never
subscribes anyone by itself, the button and the commands do, /timezone takes a typed city, and a buyer who blocked
the bot and comes back is reachable again (the database says so)."""

from __future__ import annotations

import sqlite3
from typing import Any

from sandbox.client import ChatMessage, SandboxClient, SandboxPersona
from tests.e2e.harness import BotProcess

# The shop's own words, as its translators wrote them (locales/es/LC_MESSAGES/messages.po).
SPANISH = {
    "subscribe": "🔔 Avíseme de los directos",
    "subscribed": "Hecho: se ha suscrito a nuestros directos.",
    "unsubscribed": "Hecho: ya no le enviaré avisos de directos.",
    "zone chosen": "Sus recordatorios muestran las horas en {zone}, la zona que eligió.",
}


def buyer_row(bot: BotProcess, telegram_id: int) -> dict[str, Any]:
    """The buyer as the bot stored them (its SQLite database sits beside its log)."""
    with sqlite3.connect(bot.log.parent / "shop.db") as db:
        db.row_factory = sqlite3.Row
        row = db.execute(
            "SELECT subscribed, blocked, started, timezone FROM buyer WHERE telegram_id = ?", (telegram_id,)
        ).fetchone()
    assert row is not None, f"buyer {telegram_id} is not stored"
    return dict(row)


async def answer(persona: SandboxPersona, text: str) -> ChatMessage:
    await persona.send(text)
    return await persona.wait_for_reply()


async def test_a_buyer_subscribes_chooses_a_zone_unsubscribes_and_comes_back_after_blocking(
    sandbox: SandboxClient, bot_process: BotProcess
) -> None:
    sofia = await sandbox.persona(first_name="Sofía", language_code="es-AR", country="AR")

    greeting = await answer(sofia, "/start")
    assert greeting.buttons == [SPANISH["subscribe"]]
    assert buyer_row(bot_process, sofia.id)["subscribed"] == 0  # /start alone subscribes nobody

    await sofia.press(greeting, SPANISH["subscribe"])
    tapped = await sofia.wait_for_edit(greeting)
    confirmation = await sofia.wait_for_reply()
    assert tapped.buttons == []
    assert confirmation.body.startswith("🔔 " + SPANISH["subscribed"])
    assert "(UTC−03:00)" in confirmation.body  # es-AR: Argentina's zone, Buenos Aires
    assert "/unsubscribe" in confirmation.body
    assert buyer_row(bot_process, sofia.id)["subscribed"] == 1

    await answer(sofia, "/timezone")
    chosen = await answer(sofia, "tokyo")
    assert "(UTC+09:00)" in chosen.body and SPANISH["zone chosen"].split("{zone}")[1] in chosen.body
    assert buyer_row(bot_process, sofia.id)["timezone"] == "Asia/Tokyo"

    stopped = await answer(sofia, "/unsubscribe")
    assert SPANISH["unsubscribed"] in stopped.body
    assert buyer_row(bot_process, sofia.id)["subscribed"] == 0

    await answer(sofia, "/subscribe")
    page = await answer(sofia, "/catalog")
    await sofia.block()
    # A tap still reaches the bot; the card it sends is refused with 403, and the buyer is marked blocked.
    await sofia.press(page, page.buttons[0])
    refusal = await sofia.wait_for_refusal()
    assert refusal["error_code"] == 403

    # Writing to a blocked bot is Telegram's Restart: it unblocks it, and the bot can write again.
    back = await answer(sofia, "/start")
    assert back.buttons == []  # still subscribed: nothing to offer
    assert buyer_row(bot_process, sofia.id) == {
        "subscribed": 1,
        "blocked": 0,
        "started": 1,
        "timezone": "Asia/Tokyo",
    }
