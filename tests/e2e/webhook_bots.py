"""Settings for a real bot in webhook mode against the sandbox, and updates posted to it by hand (as Telegram would
post them again)."""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from sandbox.client import SandboxPersona
from tests.e2e.harness import free_port

WEBHOOK_SECRET = "e2e-webhook-secret_0123456789"
WEBHOOK_PATH = "/telegram/updates"


def webhook_settings(**extra: str) -> dict[str, str]:
    """WEBHOOK_URL on a free loopback port of the bot's web app, with its secret."""
    port = free_port()
    return {
        "WEB_PORT": str(port),
        "WEBHOOK_URL": f"http://127.0.0.1:{port}{WEBHOOK_PATH}",
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        **extra,
    }


def private_message(persona: SandboxPersona, update_id: int, text: str) -> dict[str, Any]:
    """An update as Telegram sends it when `persona` writes `text` to the bot."""
    user = {"id": persona.id, "is_bot": False, "first_name": persona.first_name, "language_code": "en"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id % 1_000_000,
            "date": int(time.time()),
            "chat": {"id": persona.id, "type": "private", "first_name": persona.first_name},
            "from": user,
            "text": text,
        },
    }


async def post_update(url: str, update: dict[str, Any], secret: str | None = WEBHOOK_SECRET) -> int:
    """POST `update` to the bot's webhook `url` (with `secret` in Telegram's header unless None); the status."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    async with aiohttp.ClientSession() as session, session.post(url, json=update, headers=headers) as answer:
        return answer.status
