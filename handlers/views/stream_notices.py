"""Notices to merchants about their streams: an announcement missed, an announcement's delivery report, the totals of
a stream that ended."""

from __future__ import annotations

import html
from datetime import timedelta

from aiogram.utils.i18n import gettext as _

from bot.domain.money import Money
from bot.domain.notices import AnnouncementMissed, AnnouncementReport, StreamEnded
from bot.domain.streams import AnnouncementKind, StreamTotals
from handlers.views.common import Screen
from handlers.views.when import duration, local_time


def announcement_name(kind: AnnouncementKind, offset_seconds: int, locale: str) -> str:
    """Which of a stream's messages: "the reminder 1 hour before", "the starting-now message", "the live-now one"."""
    if kind is AnnouncementKind.LIVE:
        return _("the “live now” announcement")
    if offset_seconds == 0:
        return _("the “starting now” reminder")
    return _("the reminder {time} before the start").format(time=duration(timedelta(seconds=offset_seconds), locale))


def announcement_missed_screen(notice: AnnouncementMissed, locale: str) -> Screen:
    what = announcement_name(notice.kind, notice.offset_seconds, locale)
    text = "⚠️ " + _(
        "Not sent: {what} of “{title}”. It was due at {time}, while the bot was not running, and it was too late "
        "to send it when the bot came back."
    ).format(what=what, title=html.escape(notice.title), time=local_time(notice.due_at, notice.timezone, locale))
    return Screen(text)


def announcement_report_screen(notice: AnnouncementReport, locale: str) -> Screen:
    what = announcement_name(notice.kind, notice.offset_seconds, locale)
    rows = [
        "📣 " + _("Sent: {what} of “{title}”.").format(what=what, title=html.escape(notice.title)),
        _("Delivered: {count}").format(count=notice.delivered),
        _("Blocked the bot: {count}").format(count=notice.blocked),
        _("Failed: {count}").format(count=notice.failed),
        _("Time taken: {time}").format(time=duration(notice.took, locale)),
    ]
    return Screen("\n".join(rows))


def stream_ended_screen(notice: StreamEnded, locale: str) -> Screen:
    heading = "🏁 " + _("“{title}” has ended.").format(title=html.escape(notice.title))
    return Screen("\n".join([heading, *totals_rows(notice.totals, locale)]))


def totals_rows(totals: StreamTotals, locale: str) -> list[str]:
    """A stream's orders, paid orders, units and revenue, one a line (the end notice, the report's caption)."""
    return [
        _("Orders: {count}").format(count=totals.orders),
        _("Paid orders: {count}").format(count=totals.paid_orders),
        _("Units: {count}").format(count=totals.units),
        "<b>"
        + _("Revenue: {amount}").format(amount=Money(totals.revenue_minor, totals.currency).format(locale))
        + "</b>",
    ]
