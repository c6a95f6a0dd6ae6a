"""The waitlist: joining, leaving, and being told an item is back."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.callbacks import WaitlistCb
from handlers.views.common import Screen
from handlers.views.subscriptions import subscribe_button


def back_in_stock_text() -> str:
    return _("Good news: it is in stock again. Order it from the product card or by its code.")


def waitlist_joined_screen(sku_id: int, position: int, offer_subscription: bool = False) -> Screen:
    """`offer_subscription`: for a buyer not subscribed yet, the subscribe button under the Leave button."""
    text = "🔔 " + _("You are number {position} on the waitlist. I will write when it is reserved for you.").format(
        position=position
    )
    button = InlineKeyboardButton(
        text=_("Leave the waitlist"), callback_data=WaitlistCb(action="leave", sku_id=sku_id).pack()
    )
    rows = [[button], [subscribe_button()]] if offer_subscription else [[button]]
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=rows))


def waitlist_joined_from_group_text(position: int, bot_username: str) -> str:
    """A tap on a group's waitlist button by someone the bot cannot write to yet: an alert, at most 200 characters."""
    return _(
        "You are number {position} on the waitlist. Open a private chat with @{bot} and press Start, so I can write "
        "to you when it is back."
    ).format(position=position, bot=bot_username)


def written_privately_text() -> str:
    return _("I wrote to you in our private chat.")


def waitlist_left_text() -> str:
    return _("You left the waitlist.")


def not_on_waitlist_text() -> str:
    return _("You are not on this waitlist.")
