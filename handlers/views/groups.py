"""What the bot answers in a stream group to what only works in a private chat."""

from __future__ import annotations

import html

from aiogram.utils.i18n import gettext as _


def private_chat_text(link: str) -> str:
    """The answer to a buyer command sent in a stream group: each buyer's shopping happens in their private chat."""
    return "🛍 " + _(
        '<a href="{link}">Open our private chat</a> to browse, see your cart and check out. Here, send a product code '
        "to order."
    ).format(link=html.escape(link))


def private_chat_alert(bot_username: str) -> str:
    """A catalogue button pressed on a group message: an alert shows no link, so it names the bot."""
    return _("This works in our private chat: open @{bot} and press Start.").format(bot=bot_username)
