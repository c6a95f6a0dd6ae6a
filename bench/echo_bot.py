"""A bare aiogram echo bot, the baseline of bench/throughput.py: it long-polls the Bot API at TELEGRAM_API_URL and
answers each message with its text. Nothing else: no database, no middleware, no translations.

    .venv/bin/python bench/echo_bot.py http://127.0.0.1:8080 [token]
"""

from __future__ import annotations

import asyncio
import sys

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

from sandbox.server import DEFAULT_TOKEN


async def echo(message: Message) -> None:
    await message.answer(message.text or "…")


async def main(api_url: str, token: str) -> None:
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    dispatcher = Dispatcher()
    dispatcher.message.register(echo)
    await dispatcher.start_polling(bot, polling_timeout=10)  # stops on SIGTERM or SIGINT


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else DEFAULT_TOKEN))
