"""What a broadcast sends each recipient: a renderer per broadcast kind draws the message from its reference."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiogram.types import InlineKeyboardMarkup

from bot.domain.broadcasts import Recipient


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    reply_markup: InlineKeyboardMarkup | None = None


# (reference, recipient) -> the message, drawn in the recipient's language; None: nothing to send them.
Renderer = Callable[[int, Recipient], Awaitable[Rendered | None]]
