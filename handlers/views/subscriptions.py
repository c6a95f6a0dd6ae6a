"""Buttons that subscribe a buyer to live-stream announcements and end the subscription."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from handlers.callbacks import SubscriptionCb


def subscribe_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=_("🔔 Tell me about live streams"), callback_data=SubscriptionCb(action="on").pack()
    )


def unsubscribe_button() -> InlineKeyboardButton:
    """Under every announcement: one tap ends them."""
    return InlineKeyboardButton(text=_("🔕 Unsubscribe"), callback_data=SubscriptionCb(action="off").pack())
