"""The /newstream conversation's questions, refusals and the announcement preview, in the merchant's language."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel.dates import format_datetime

from bot.domain.streams import MAX_DURATION, MAX_PRODUCTS, MAX_TITLE
from handlers.callbacks import NewStreamCb
from handlers.views.common import Screen, listing
from handlers.views.start import language_name


def cancel_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(text="✖ " + _("Cancel"), callback_data=NewStreamCb(action="cancel").pack())


def skip_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("Skip") + " ▶", callback_data=NewStreamCb(action="skip").pack())


def _with_cancel(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[*rows, [cancel_button()]])


def ask_title_screen() -> Screen:
    text = "🎬 " + _("A new live stream. What is its title? (/cancel stops at any step)")
    return Screen(text, _with_cancel())


def bad_title_text() -> str:
    return _("A title is 1 to {limit} characters of text. Please send the title again.").format(limit=MAX_TITLE)


def more_titles_screen(languages: Sequence[str], titles: Mapping[str, str]) -> Screen:
    """After the title: the title in another language, for the subscribers who speak it, or on to the start."""
    lines = [_("Add the title in another language? Subscribers see the one in their language.")]
    lines += [f"• {html.escape(language_name(code))}: {html.escape(title)}" for code, title in titles.items()]
    builder = InlineKeyboardBuilder()
    for code in languages:
        if code not in titles:
            builder.button(text=language_name(code), callback_data=NewStreamCb(action="title", value=code))
    builder.adjust(4)
    builder.row(InlineKeyboardButton(text=_("Continue") + " ▶", callback_data=NewStreamCb(action="titles_done").pack()))
    builder.row(cancel_button())
    return Screen("\n".join(lines), builder.as_markup())


def ask_title_in_text(language: str) -> str:
    return _("The title in {language}:").format(language=html.escape(language_name(language)))


def ask_start_screen(timezone: str, example: str) -> Screen:
    text = "🗓 " + _("When does it start? Send the date and time in {zone}, e.g. {example}.").format(
        zone=f"<b>{html.escape(timezone)}</b>", example=f"<code>{html.escape(example)}</code>"
    )
    zone = InlineKeyboardButton(text="🌍 " + _("Another time zone"), callback_data=NewStreamCb(action="zone").pack())
    return Screen(text, _with_cancel([zone]))


def ask_zone_text() -> str:
    return _("Which time zone? Send its name, e.g. Europe/Paris, America/New_York or Asia/Shanghai.")


def bad_zone_text(typed: str) -> str:
    return _("I do not know the time zone {zone}. Send a name like Europe/Paris.").format(
        zone=f"<code>{html.escape(typed[:64])}</code>"
    )


def bad_start_text(typed: str, example: str) -> str:
    return _("{typed} is not a date and time I can read. Please send it like {example}.").format(
        typed=f"<code>{html.escape(typed[:64])}</code>", example=f"<code>{html.escape(example)}</code>"
    )


def start_in_past_text() -> str:
    return _("That time has already passed. Please send a start time in the future.")


def ask_duration_screen() -> Screen:
    return Screen("⏱ " + _("How many minutes will it last? e.g. 60"), _with_cancel())


def bad_duration_text() -> str:
    limit = int(MAX_DURATION.total_seconds()) // 60
    return _("Please send a whole number of minutes from 1 to {limit}, e.g. 60.").format(limit=limit)


def ask_products_screen(example: str) -> Screen:
    text = "🛍 " + _("Which products will you show? Send their codes, e.g. {example}.").format(
        example=f"<code>{html.escape(example)}</code>"
    )
    return Screen(text, _with_cancel())


def codes_refused_text(codes: Sequence[str], unknown: Sequence[str]) -> str:
    """Why the codes typed are no list of featured products: codes the catalogue lacks, none, or too many."""
    if unknown:
        return _("Not in the catalogue: {codes}. Please send the codes again.").format(
            codes=html.escape(listing(unknown))
        )
    if not codes:
        return _("Please send at least one product code from the catalogue.")
    return _("A stream features at most {limit} products. Please send fewer codes.").format(limit=MAX_PRODUCTS)


def ask_link_screen() -> Screen:
    text = "🔗 " + _("A link to the stream (on any platform)? Send it, or skip.")
    return Screen(text, _with_cancel([skip_button()]))


def bad_link_text() -> str:
    return _("A link starts with https:// or http://, e.g. https://youtube.com/live/… Please send it again, or skip.")


def ask_channel_screen() -> Screen:
    text = "📢 " + _(
        "A channel or group to post in when it goes live? Send its @username or id (I must be an admin there), or skip."
    )
    return Screen(text, _with_cancel([skip_button()]))


def bad_channel_text(typed: str) -> str:
    return _("I cannot find the chat {chat}. Add me to it, then send its @username or id again, or skip.").format(
        chat=f"<code>{html.escape(typed[:64])}</code>"
    )


def preview_heading(languages: Sequence[str]) -> str:
    names = listing(language_name(code) for code in languages)
    return "👀 " + _("The announcement, as subscribers will see it in {languages}:").format(
        languages=html.escape(names)
    )


def preview_keyboard() -> InlineKeyboardMarkup:
    save = InlineKeyboardButton(text="✅ " + _("Save"), callback_data=NewStreamCb(action="save").pack())
    return InlineKeyboardMarkup(inline_keyboard=[[save, cancel_button()]])


def saved_text(stream_id: int, title: str, starts_at: datetime, timezone: str, locale: str) -> str:
    when = format_datetime(starts_at, "full", tzinfo=ZoneInfo(timezone), locale=locale)
    return "✅ " + _("Saved: stream #{id} “{title}”, {when}. Subscribers will be reminded. /streams lists it.").format(
        id=stream_id, title=html.escape(title), when=html.escape(when)
    )


def new_stream_cancelled_text() -> str:
    return _("Stopped: no stream was saved.")


def use_the_buttons_text() -> str:
    return _("Please use the buttons above, or /cancel.")
