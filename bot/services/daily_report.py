"""The daily report: once the shop's clock passes DAILY_REPORT_TIME, yesterday's orders go to the ops chat as a file
with totals per currency and per status. Each shop day is claimed once in the database (report_run), so one bot
process sends it however many run; a day missed while every bot was down is sent late on the same day only
(bot/domain/periods.py `daily_report_day`)."""

from __future__ import annotations

import logging
import tempfile
from datetime import date, datetime, time
from pathlib import Path

from bot.domain.daily_report import DAILY, DailyReport
from bot.domain.export import ExportFilter, ExportFormat
from bot.domain.periods import Period, daily_report_day
from bot.domain.reports import ReportStatus
from bot.ports import DailyReportSender, UnitOfWorkFactory
from bot.services.export import ExportService

log = logging.getLogger(__name__)

# Telegram takes documents up to 50 MB from a bot; a bigger export is split into several files.
TELEGRAM_UPLOAD_LIMIT = 50 * 1000 * 1000


class DailyReportService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        export: ExportService,
        sender: DailyReportSender,
        *,
        chat_id: int | None,
        timezone: str,
        at: time,
        fmt: ExportFormat = ExportFormat.CSV,
        language: str = "en",
        max_file_bytes: int = TELEGRAM_UPLOAD_LIMIT,
    ) -> None:
        self.uow = uow
        self.export = export
        self.sender = sender
        self.chat_id = chat_id
        self.timezone = timezone
        self.at = at
        self.fmt = fmt
        self.language = language
        self.max_file_bytes = max_file_bytes

    async def run_due(self, now: datetime) -> DailyReport | None:
        """Send the report due at `now` if this process claims it first; the report sent, else None (no ops chat,
        not due yet, or sent already)."""
        if self.chat_id is None:
            return None
        day = daily_report_day(now, self.timezone, self.at)
        if day is None:
            return None
        async with self.uow() as uow:
            claimed = await uow.reports.claim(DAILY, day.isoformat(), now)
            await uow.commit()
        if not claimed:
            return None
        try:
            report = await self.send(self.chat_id, day)
        except Exception as failed:
            # Claimed and not sent: recorded, not retried (another process must not send it twice meanwhile).
            await self._finish(day, ReportStatus.FAILED, now, f"{type(failed).__name__}: {failed}")
            raise
        await self._finish(day, ReportStatus.SENT, datetime.now(now.tzinfo), f"{report.orders} orders")
        return report

    async def send(self, chat_id: int, day: date) -> DailyReport:
        """Count the day's orders, export them to temporary files, post both; the files are removed after."""
        start, end = Period(day, day).utc_bounds(self.timezone)
        async with self.uow() as uow:
            totals = await uow.reports.order_totals(start, end)
        wanted = ExportFilter(since=day, until=day)
        with tempfile.TemporaryDirectory(prefix="livesell-daily-") as folder:
            files: list[Path] = []
            if totals and await self.export.count(wanted):
                result = await self.export.export(
                    wanted,
                    self.fmt,
                    Path(folder) / f"orders-{day.isoformat()}.{self.fmt.value}",
                    lines=self.fmt is ExportFormat.XLSX,
                    max_file_bytes=self.max_file_bytes,
                )
                files = result.files
            report = DailyReport(day, self.timezone, self.language, totals, tuple(files))
            await self.sender.send(chat_id, report)
        log.info("daily report of %s sent to %s: %s orders, %s files", day, chat_id, report.orders, len(files))
        return report

    async def _finish(self, day: date, status: ReportStatus, now: datetime, detail: str) -> None:
        async with self.uow() as uow:
            await uow.reports.finish(DAILY, day.isoformat(), status, now, detail)
            await uow.commit()
