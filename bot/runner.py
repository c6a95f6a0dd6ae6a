"""Run the bot: migrate, build the application, poll until stopped."""

from __future__ import annotations

import logging

from bot.app import open_application
from bot.config import Settings

log = logging.getLogger(__name__)


async def run_bot(settings: Settings) -> None:
    async with open_application(settings) as application:
        bot = application.make_bot()
        scheduler = application.make_scheduler()
        try:
            await application.set_commands(bot)
            await bot.delete_webhook(drop_pending_updates=False)
            async with application.serve_web():
                scheduler.start()
                log.info("polling %s", settings.telegram_api_url)
                await application.poll(bot)
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=False)
