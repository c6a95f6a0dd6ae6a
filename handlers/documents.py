"""Export files to a chat as documents: the /export answer and the daily report to the ops chat (the
DailyReportSender port over Telegram)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from aiogram import Bot
from aiogram.types import FSInputFile
from aiogram.utils.i18n import I18n

from bot.domain.daily_report import DailyReport
from handlers.views.export import daily_report_caption, daily_report_text


async def send_files(bot: Bot, chat_id: int, files: Sequence[Path], caption: str) -> None:
    """Each file as a document; the parts of a split export numbered in their captions."""
    for number, path in enumerate(files, start=1):
        text = caption if len(files) == 1 else f"{caption} ({number}/{len(files)})"
        await bot.send_document(chat_id, FSInputFile(path, filename=path.name), caption=text)


class TelegramDailyReportSender:
    """Built with the services, before the bot exists; `attach` hands it the bot that polls."""

    def __init__(self, i18n: I18n, bot: Bot | None = None) -> None:
        self.i18n = i18n
        self.bot = bot

    def attach(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, report: DailyReport) -> None:
        if self.bot is None:
            raise RuntimeError("TelegramDailyReportSender has no bot yet: call attach(bot) first")
        # Sent from the scheduler, outside any update: the language comes from the report.
        with self.i18n.context(), self.i18n.use_locale(report.language):
            text = daily_report_text(report, report.language)
            caption = daily_report_caption(report)
        await self.bot.send_message(chat_id, text)
        await send_files(self.bot, chat_id, report.files, caption)
