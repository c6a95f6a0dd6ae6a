"""Run the bot: migrate, build the application, poll until stopped."""

from __future__ import annotations

import logging

from bot.app import build
from bot.config import Settings
from storage.migrate import upgrade

log = logging.getLogger(__name__)


async def run_bot(settings: Settings) -> None:
    await upgrade(settings.database_url)
    application = build(settings)
    bot = application.make_bot()
    try:
        await application.set_commands(bot)
        await bot.delete_webhook(drop_pending_updates=False)
        log.info("polling %s", settings.telegram_api_url)
        await application.dispatcher.start_polling(bot, handle_signals=True, close_bot_session=True)
    finally:
        await application.close()
