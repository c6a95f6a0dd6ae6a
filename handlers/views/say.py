"""/say: the merchant's words to a live stream's audience, and what the merchant is told."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain.broadcasts import Recipient
from handlers.views.broadcasts import Rendered, Renderer
from handlers.views.subscriptions import unsubscribe_button


def say_renderer(text_in: Callable[[int, str], Awaitable[str | None]]) -> Renderer:
    """A SAY broadcast: what the merchant said, in the recipient's language (SayService.text_in), with an
    Unsubscribe button in private chats. Drawn once per message, language and kind of chat."""
    drawn: dict[tuple[int, str, bool], Rendered | None] = {}

    async def render(reference: int, recipient: Recipient) -> Rendered | None:
        key = (reference, recipient.language, recipient.private)
        if key not in drawn:
            text = await text_in(reference, recipient.language)
            keyboard = InlineKeyboardMarkup(inline_keyboard=[[unsubscribe_button()]]) if recipient.private else None
            drawn[key] = None if text is None else Rendered("🎙 " + html.escape(text), keyboard)
        return drawn[key]

    return render


def say_usage_text() -> str:
    return _("Write what to say after the command, for example: /say Ten minutes left of the sale!")


def no_live_stream_text() -> str:
    return _("No stream is live: /say reaches the audience while one is.")


def said_text(title: str, group: bool) -> str:
    if group:
        return "📣 " + _(
            "On its way to the group of “{title}” and to every subscriber, each in their language."
        ).format(title=html.escape(title))
    return "📣 " + _("On its way to every subscriber of “{title}”, each in their language.").format(
        title=html.escape(title)
    )
