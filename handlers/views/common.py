"""Pieces every screen shares: a message to send, redrawing one in place, item labels, minutes left on a hold."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

if TYPE_CHECKING:
    from bot.domain.cart import CartLine


@dataclass(frozen=True, slots=True)
class Screen:
    """One message to send: text and an optional inline keyboard."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None


def same_keyboard(shown: InlineKeyboardMarkup | None, drawn: InlineKeyboardMarkup | None) -> bool:
    """Received objects carry the Bot they came with, so `==` never holds; Telegram refuses an edit that changes
    nothing, so compare contents."""
    return (shown.model_dump() if shown else None) == (drawn.model_dump() if drawn else None)


async def edit_message(message: Message, keyboard: InlineKeyboardMarkup | None, text: str | None = None) -> bool:
    """Redraw a message the bot sent: its keyboard, and its text unless `text` is None. False when it already showed
    that: a double tap or a stale button asks for what another tap drew, and Telegram refuses such an edit with
    "message is not modified", which is no error here. Handlers may treat False as "another tap did it already"."""
    # Known without asking only for plain text: `message.text` comes without the HTML tags a drawn text has.
    if same_keyboard(message.reply_markup, keyboard) and (text is None or text == message.text):
        return False
    try:
        if text is None:
            await message.edit_reply_markup(reply_markup=keyboard)
        else:
            await message.edit_text(text, reply_markup=keyboard)
    except TelegramBadRequest as refused:
        if "message is not modified" not in refused.message:
            raise
        return False
    return True


def plain(text: str, limit: int = 200) -> str:
    """Text for a callback alert, which shows no HTML and at most 200 characters."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))[:limit]


def minutes_left(expires_at: datetime | None, now: datetime | None = None) -> int | None:
    if expires_at is None:
        return None
    if expires_at.tzinfo is None:  # the database may hand back naive UTC
        expires_at = expires_at.replace(tzinfo=UTC)
    seconds = (expires_at - (now or datetime.now(UTC))).total_seconds()
    return max(0, math.ceil(seconds / 60))


def listing(items: Iterable[str]) -> str:
    """Items named one after another, separated as the buyer's language separates a list ("A, B"; Chinese "A、B")."""
    return _(", ").join(items)


def item_label(code: str, variant: str | None, quantity: int | None = None) -> str:
    label = f"{code} {variant}" if variant else code
    return f"{label} ×{quantity}" if quantity is not None else label


def line_text(line: CartLine, locale: str) -> str:
    title = html.escape(line.title)
    label = html.escape(item_label(line.code, line.variant, line.quantity))
    return f"• <b>{label}</b> {title} — {line.line_total.format(locale)}"
