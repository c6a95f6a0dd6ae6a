"""Run the bot: check the schema, build the application, poll until stopped."""

from __future__ import annotations

import gc
import logging

from bot.app import open_application
from bot.config import Settings

log = logging.getLogger(__name__)


def freeze_startup_heap() -> None:
    """Leave what the bot built at startup (modules, models, schemas, translations: some 300,000 objects that live as
    long as the process) out of the garbage collector's full passes. Each full pass walked them all: 0.3-0.6 s in
    which nothing else ran, a gap in a 1,000-a-second broadcast and in every buyer's reply (docs/broadcasts.md)."""
    gc.collect()
    gc.freeze()


async def run_bot(settings: Settings) -> None:
    async with open_application(settings) as application:
        bot = application.make_bot()
        scheduler = application.make_scheduler()
        freeze_startup_heap()
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
