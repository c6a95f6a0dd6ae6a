"""Telegram updates by webhook (WEBHOOK_URL): POSTed to the path of WEBHOOK_URL on the bot's web app, each one
handled before it is answered, so an update whose process dies mid-handler is never acknowledged and Telegram delivers
it again. (aiogram's own SimpleRequestHandler answers 200 early when a handler takes long, and cannot answer "busy".)

Answers: 401 without the right `X-Telegram-Bot-Api-Secret-Token` (nothing is read); 400 for a body that is no
update; 200 once handled or skipped as handled before; 503 while another process handles the same update, or while
this one is stopping (Telegram delivers it again, to another worker or after the restart); 500 when handling failed
(its claim is released, so the redelivery is handled)."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from handlers.update_claims import BUSY

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class TelegramWebhook:
    def __init__(self, dispatcher: Dispatcher, bot: Bot, secret: str, concurrency: int) -> None:
        """`concurrency`: updates handled at once; Telegram may send up to max_connections (40) together, and the
        others wait their turn in order, as when polling (bot/app.py CONCURRENT_UPDATES)."""
        self.dispatcher = dispatcher
        self.bot = bot
        self.secret = secret.encode()
        self.accepting = True
        self.turns = asyncio.Semaphore(concurrency)

    def stop_accepting(self) -> None:
        """From now on updates are answered 503: Telegram keeps them for another worker or the restart."""
        self.accepting = False

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            log.warning("Telegram webhook refused from %s: wrong or missing secret token", request.remote)
            return web.json_response({"error": "unauthorized"}, status=401)
        if not self.accepting:
            return web.json_response({"error": "stopping"}, status=503)
        try:
            update = Update.model_validate(json.loads(await request.read()), context={"bot": self.bot})
        except (ValueError, ValidationError):
            return web.json_response({"error": "not an update"}, status=400)
        try:
            async with self.turns:
                if not self.accepting:  # it waited for its turn while the process began to stop
                    return web.json_response({"error": "stopping"}, status=503)
                result = await self.dispatcher.feed_update(self.bot, update)
                if isinstance(result, TelegramMethod):
                    await self.bot(result)
        except Exception:
            log.exception("update %s failed; Telegram delivers it again", update.update_id)
            return web.json_response({"error": "failed"}, status=500)
        if result is BUSY:
            return web.json_response({"error": "busy elsewhere"}, status=503)
        return web.json_response({})
