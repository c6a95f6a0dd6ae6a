"""The /export conversation's questions, progress and captions, and the daily report's message, in the reader's
language."""

from __future__ import annotations

import html
from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.daily_report import DailyReport
from bot.domain.export import ExportFormat, ExportStatus
from bot.domain.periods import Period, PeriodPreset
from bot.domain.streams import Stream
from handlers.callbacks import ExportCb
from handlers.views.common import Screen
from handlers.views.orders import status_name

DATE_EXAMPLE = "2026-11-01"
PERIOD_EXAMPLE = "2026-11-01 2026-11-30"


def cancel_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(text="✖ " + _("Cancel"), callback_data=ExportCb(action="cancel").pack())


def preset_name(preset: PeriodPreset) -> str:
    return {
        PeriodPreset.TODAY: _("Today"),
        PeriodPreset.YESTERDAY: _("Yesterday"),
        PeriodPreset.LAST_7_DAYS: _("Last 7 days"),
        PeriodPreset.THIS_MONTH: _("This month"),
    }[preset]


def status_choice_name(status: ExportStatus) -> str:
    if status is ExportStatus.ALL:
        return _("All orders")
    name = status_name(status.value)
    return name[:1].upper() + name[1:]


def period_text(period: Period) -> str:
    if period.since == period.until:
        return period.since.isoformat()
    return f"{period.since.isoformat()} – {period.until.isoformat()}"


def ask_period_screen(timezone: str) -> Screen:
    text = "📦 " + _("Export orders. Which period, in {zone}? (/cancel stops at any step)").format(
        zone=f"<b>{html.escape(timezone)}</b>"
    )
    builder = InlineKeyboardBuilder()
    for preset in PeriodPreset:
        builder.button(text=preset_name(preset), callback_data=ExportCb(action="period", value=preset.value))
    builder.button(text="🗓 " + _("Other dates"), callback_data=ExportCb(action="period", value="custom"))
    builder.adjust(2)
    builder.row(cancel_button())
    return Screen(text, builder.as_markup())


def ask_dates_text(timezone: str) -> str:
    return _("Send the first and the last day, e.g. {example} (days in {zone}).").format(
        example=f"<code>{PERIOD_EXAMPLE}</code>", zone=html.escape(timezone)
    )


def ask_until_text(since: str) -> str:
    return _("From {since}. And the last day?").format(since=since)


def bad_date_text(typed: str) -> str:
    return _("{typed} is not a date I can read. Please send it like {example} or 01.11.2026.").format(
        typed=f"<code>{html.escape(typed[:64])}</code>", example=f"<code>{DATE_EXAMPLE}</code>"
    )


def until_before_since_text(since: str, until: str) -> str:
    return _("The last day ({until}) comes before the first ({since}). Please send the last day again.").format(
        since=since, until=until
    )


def ask_status_screen(period: Period) -> Screen:
    text = _("Period: {period}. Which orders?").format(period=period_text(period))
    builder = InlineKeyboardBuilder()
    for status in ExportStatus:
        builder.button(text=status_choice_name(status), callback_data=ExportCb(action="status", value=status.value))
    builder.adjust(2)
    builder.row(cancel_button())
    return Screen(text, builder.as_markup())


def ask_stream_screen(streams: Sequence[Stream], locale: str) -> Screen:
    builder = InlineKeyboardBuilder()
    for stream in streams:
        label = f"#{stream.stream_id} {stream.title_in(locale)}"
        builder.button(text=label[:60], callback_data=ExportCb(action="stream", value=str(stream.stream_id)))
    builder.button(text=_("Any stream or none"), callback_data=ExportCb(action="stream", value="all"))
    builder.adjust(1)
    builder.row(cancel_button())
    return Screen(_("Orders of which live stream?"), builder.as_markup())


def ask_format_screen() -> Screen:
    builder = InlineKeyboardBuilder()
    builder.button(text="CSV", callback_data=ExportCb(action="format", value=ExportFormat.CSV.value))
    builder.button(text="Excel (XLSX)", callback_data=ExportCb(action="format", value=ExportFormat.XLSX.value))
    builder.row(cancel_button())
    return Screen(_("Which file format?"), builder.as_markup())


def export_summary(period: Period, status: ExportStatus, stream_id: int | None) -> str:
    """What is exported, in one line: the period, the status and the stream."""
    parts = [period_text(period), status_choice_name(status)]
    if stream_id is not None:
        parts.append(_("stream #{id}").format(id=stream_id))
    return ", ".join(parts)


def nothing_to_export_text(summary: str) -> str:
    return _("No orders match ({summary}): there is nothing to export.").format(summary=summary)


def progress_text(total: int, done: int | None = None) -> str:
    text = "⏳ " + ngettext("Exporting {count} order…", "Exporting {count} orders…", total).format(count=total)
    if done is not None and total:
        text += f" {done * 100 // total}%"
    return text


def exported_text(orders: int, files: int) -> str:
    text = "✅ " + ngettext("Exported {count} order.", "Exported {count} orders.", orders).format(count=orders)
    if files > 1:
        text += " " + _("Split into {files} files, each under Telegram's size limit.").format(files=files)
    return text


def export_caption(orders: int, summary: str) -> str:
    return ngettext("{count} order: {summary}", "{count} orders: {summary}", orders).format(
        count=orders, summary=summary
    )


def export_failed_text() -> str:
    return _("The export failed. Please try again with /export; if it fails again, tell the shop's developers.")


def export_cancelled_text() -> str:
    return _("Export stopped: nothing was exported.")


def use_the_buttons_text() -> str:
    return _("Please choose with the buttons above, or send /cancel.")


def daily_report_text(report: DailyReport, locale: str) -> str:
    """The day's orders per currency, and in each currency per status: how many, and what they come to."""
    heading = "📊 " + _("Orders of {day} ({zone}): {count}").format(
        day=report.day.isoformat(), zone=html.escape(report.timezone), count=report.orders
    )
    if not report.totals:
        return heading + "\n" + _("No orders that day.")
    lines = [heading]
    for currency, totals in report.by_currency().items():
        lines += ["", f"<b>{currency}</b>"]
        lines += [
            f"• {html.escape(status_name(total.status))}: {total.orders} · {total.total.format(locale)}"
            for total in totals
        ]
    return "\n".join(lines)


def daily_report_caption(report: DailyReport) -> str:
    return _("Orders of {day}").format(day=report.day.isoformat())
