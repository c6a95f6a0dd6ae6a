"""Broadcast messages as drawn for one recipient: the types every kind's renderer shares, and the MESSAGE renderer
(a merchant's plain text with an Unsubscribe button)."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain.broadcasts import Recipient
from bot.domain.notices import BroadcastFinished
from handlers.views.common import Screen
from handlers.views.subscriptions import unsubscribe_button


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    reply_markup: InlineKeyboardMarkup | None = None


# (reference, recipient) -> the message, drawn in the recipient's locale; None: nothing to send them.
Renderer = Callable[[int, Recipient], Awaitable[Rendered | None]]


def message_renderer(text_of: Callable[[int], Awaitable[str | None]]) -> Renderer:
    """A MESSAGE broadcast: its text as the merchant wrote it (escaped, not translated), with an Unsubscribe button in
    private chats. Drawn once per broadcast, language and kind of chat: 20,000 recipients need a handful."""
    drawn: dict[tuple[int, str, bool], Rendered | None] = {}

    async def render(reference: int, recipient: Recipient) -> Rendered | None:
        key = (reference, recipient.language, recipient.private)
        if key not in drawn:
            text = await text_of(reference)
            keyboard = InlineKeyboardMarkup(inline_keyboard=[[unsubscribe_button()]]) if recipient.private else None
            drawn[key] = None if text is None else Rendered(html.escape(text), keyboard)
        return drawn[key]

    return render


def broadcast_finished_screen(notice: BroadcastFinished) -> Screen:
    """For merchants: how a broadcast went."""
    seconds = max(0, round(notice.took.total_seconds()))
    lines = [
        "📣 " + _("Your broadcast went out in {seconds} s.").format(seconds=seconds),
        _("Delivered: {count}").format(count=notice.delivered),
        _("Blocked the bot: {count}").format(count=notice.blocked),
        _("Failed: {count}").format(count=notice.failed),
    ]
    return Screen("\n".join(lines))
