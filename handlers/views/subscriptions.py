"""Subscribing to live-stream announcements and ending it: the buttons (under /start, a waitlist answer and every
announcement) and what the buyer is told, with the time zone their reminders use."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from babel import Locale

from handlers.callbacks import SubscriptionCb


def subscribe_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=_("🔔 Tell me about live streams"), callback_data=SubscriptionCb(action="on").pack()
    )


def unsubscribe_button() -> InlineKeyboardButton:
    """Under every announcement: one tap ends them."""
    return InlineKeyboardButton(text=_("🔕 Unsubscribe"), callback_data=SubscriptionCb(action="off").pack())


def subscribe_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[subscribe_button()]])


def with_subscribe_button(keyboard: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup:
    """`keyboard` with the subscribe button as its last row."""
    rows = list(keyboard.inline_keyboard) if keyboard else []
    return InlineKeyboardMarkup(inline_keyboard=[*rows, [subscribe_button()]])


def without_subscription_buttons(keyboard: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """`keyboard` once its subscribe or unsubscribe button has done its job (the other buttons stay)."""
    if keyboard is None:
        return None
    prefix = SubscriptionCb.__prefix__ + SubscriptionCb.__separator__
    rows = [
        kept
        for row in keyboard.inline_keyboard
        if (kept := [button for button in row if not (button.callback_data or "").startswith(prefix)])
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def language_in_text(language: str) -> str:
    """The language's own name as it stands inside a sentence ("Deutsch", "français", "中文")."""
    return Locale.parse(language).get_display_name(language) or language


def what_subscribers_get(language: str, zone: str) -> str:
    return _(
        "Before each live stream I will send you a reminder, and another when it starts, in {language}, with times "
        "in your time zone: {zone}. /timezone changes it."
    ).format(language=language_in_text(language), zone=zone)


def how_to_stop() -> str:
    return _("To stop them, send /unsubscribe or tap 🔕 Unsubscribe under any announcement.")


def subscribed_text(language: str, zone: str) -> str:
    return "\n".join(
        [
            "🔔 " + _("Done: you are subscribed to our live streams."),
            what_subscribers_get(language, zone),
            how_to_stop(),
        ]
    )


def already_subscribed_text(language: str, zone: str) -> str:
    return "\n".join(
        [
            "🔔 " + _("You are already subscribed to our live streams."),
            what_subscribers_get(language, zone),
            how_to_stop(),
        ]
    )


def already_subscribed_toast() -> str:
    """A callback answer (a toast): at most 200 characters, no HTML."""
    return _("You are already subscribed.")


def unsubscribed_text() -> str:
    return "🔕 " + _(
        "Done: I will not send you live stream announcements any more. Send /subscribe if you want them again."
    )


def not_subscribed_text() -> str:
    return _("You are not subscribed to live stream announcements. Send /subscribe to get them.")


def not_subscribed_toast() -> str:
    """A callback answer (a toast): at most 200 characters, no HTML."""
    return _("You are not subscribed any more.")
