"""What a merchant sees of their streams: the list with its buttons, edits, going live, the pinned post in the
stream's group, stats and totals."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date, format_time

from bot.domain.money import Money
from bot.domain.streams import Stream, StreamStatus, StreamTotals
from handlers.callbacks import StreamCb
from handlers.views.common import Screen, listing


def when_text(moment: datetime, timezone: str, locale: str) -> str:
    """A start as the merchant reads it: date and time (no seconds) in `timezone`, named."""
    local = moment.astimezone(ZoneInfo(timezone))
    day = format_date(local, "medium", locale=locale)
    time = format_time(local, "short", locale=locale)
    return f"{day} {time} ({timezone})"


def status_text(status: StreamStatus) -> str:
    return {
        StreamStatus.SCHEDULED: _("scheduled"),
        StreamStatus.LIVE: "🔴 " + _("live now"),
        StreamStatus.ENDED: _("ended"),
        StreamStatus.CANCELLED: _("cancelled"),
    }[status]


def no_streams_text() -> str:
    return _("No streams are planned. /newstream plans one.")


def stream_screen(stream: Stream, timezone: str, locale: str) -> Screen:
    """One stream of /streams, with what can be done to it."""
    minutes = int(stream.duration.total_seconds()) // 60
    lines = [
        f"<b>#{stream.stream_id} {html.escape(stream.title_in(locale))}</b> · "
        + html.escape(status_text(stream.status)),
        "🗓 " + html.escape(when_text(stream.starts_at, timezone, locale)),
        "⏱ " + _("{minutes} min").format(minutes=minutes),
        "🛍 " + html.escape(listing(stream.product_codes)),
    ]
    if stream.link:
        lines.append("🔗 " + html.escape(stream.link))
    rows: list[list[InlineKeyboardButton]] = []
    if stream.status is StreamStatus.SCHEDULED:
        rows = [
            [
                _button("✏️ " + _("Edit"), "edit", stream.stream_id),
                _button("🗓 " + _("Reschedule"), "reschedule", stream.stream_id),
            ],
            [
                _button("✖ " + _("Cancel"), "cancel", stream.stream_id),
                _button("🔴 " + _("Go live"), "live", stream.stream_id),
            ],
        ]
    elif stream.status is StreamStatus.LIVE:
        rows = [[_button("⏹ " + _("End"), "end", stream.stream_id)]]
    return Screen("\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows) if rows else None)


def _button(text: str, action: str, stream_id: int, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=StreamCb(action=action, stream_id=stream_id, value=value).pack()
    )


EDITABLE = ("title", "duration", "products", "link")


def edit_screen(stream_id: int) -> Screen:
    labels = {"title": _("Title"), "duration": _("Duration"), "products": _("Products"), "link": _("Link")}
    buttons = [_button(labels[name], "field", stream_id, name) for name in EDITABLE]
    return Screen(
        _("What do you want to change in stream #{id}?").format(id=stream_id),
        InlineKeyboardMarkup(inline_keyboard=[buttons[:2], buttons[2:]]),
    )


def ask_field_text(field: str) -> str:
    return {
        "title": _("The new title:"),
        "duration": _("The new duration, in minutes:"),
        "products": _("The featured products' codes, e.g. A12, B7:"),
        "link": _("The new link (https://…), or “none” to remove it:"),
    }[field]


def ask_new_start_text(stream_id: int, timezone: str, example: str) -> str:
    return _("The new start of stream #{id}, in {zone}, e.g. {example}. Reminders not sent yet move with it.").format(
        id=stream_id, zone=f"<b>{html.escape(timezone)}</b>", example=f"<code>{html.escape(example)}</code>"
    )


def changed_text(stream_id: int) -> str:
    return "✅ " + _("Stream #{id} is changed.").format(id=stream_id)


def rescheduled_text(stream_id: int, when: str) -> str:
    return "✅ " + _("Stream #{id} now starts {when}; its reminders moved too.").format(
        id=stream_id, when=html.escape(when)
    )


def confirm_cancel_screen(stream: Stream, locale: str) -> Screen:
    text = _("Cancel stream #{id} “{title}”? Subscribers will get no more reminders for it.").format(
        id=stream.stream_id, title=html.escape(stream.title_in(locale))
    )
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(_("Yes, cancel it"), "cancel_yes", stream.stream_id),
                _button(_("No, keep it"), "keep", stream.stream_id),
            ]
        ]
    )
    return Screen(text, keyboard)


def cancelled_text(stream_id: int) -> str:
    return _("Stream #{id} is cancelled.").format(id=stream_id)


def kept_text() -> str:
    return _("Nothing changed.")


def no_such_stream_text() -> str:
    return _("There is no such stream. /streams lists them.")


def not_scheduled_text() -> str:
    return _("That stream is no longer scheduled, so it cannot be changed. /streams lists them.")


def nothing_scheduled_text() -> str:
    return _("No stream is scheduled. /newstream plans one.")


def nothing_live_text() -> str:
    return _("No stream is live now. /live starts the next one.")


def went_live_text(stream: Stream, locale: str, pinned: bool) -> str:
    lines = [
        "🔴 "
        + _("Stream #{id} “{title}” is live: subscribers are being told.").format(
            id=stream.stream_id, title=html.escape(stream.title_in(locale))
        )
    ]
    if pinned:
        lines.append(_("Its products are pinned in the stream's chat."))
    lines.append(_("/stats shows how it sells, /end ends it."))
    return "\n".join(lines)


def pin_failed_text() -> str:
    return "⚠️ " + _("I could not post or pin in the stream's chat: make me an admin there who may pin messages.")


def pinned_post_text(stream: Stream, locale: str) -> str:
    """The post pinned in the stream's group or channel while it is live, in the shop's language."""
    lines = ["🔴 " + _("Live now: {title}").format(title=f"<b>{html.escape(stream.title_in(locale))}</b>")]
    if stream.link:
        lines.append("🔗 " + html.escape(stream.link))
    lines.append(_("Tap a product to see it in our private chat, or send its code here to order."))
    return "\n".join(lines)


def pinned_post_keyboard(products: Sequence[tuple[str, str]]) -> InlineKeyboardMarkup:
    """One button per featured product: (label, deep link opening its card in a private chat)."""
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=label[:64], url=link)] for label, link in products]
    )


def totals_text(totals: StreamTotals, locale: str, heading: str) -> str:
    revenue = Money(totals.revenue_minor, totals.currency).format(locale)
    return "\n".join(
        [
            heading,
            "🧾 " + _("Orders: {count}").format(count=totals.orders),
            "📦 " + _("Units: {count}").format(count=totals.units),
            "💶 " + _("Revenue: {amount}").format(amount=revenue),
        ]
    )


def stats_heading(stream: Stream, locale: str) -> str:
    return "📊 " + _("Stream #{id} “{title}” so far:").format(
        id=stream.stream_id, title=html.escape(stream.title_in(locale))
    )


def ended_text(stream_id: int) -> str:
    """The answer to /end; the totals follow as the notice every merchant gets (handlers/views/stream_notices.py)."""
    return "⏹ " + _("Stream #{id} has ended; its totals follow.").format(id=stream_id)


def bad_stream_id_text() -> str:
    return _("Please give the stream's number, e.g. /live 3. /streams lists them.")
