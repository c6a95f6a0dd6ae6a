"""Questions handed to the shop's staff and their replies relayed to buyers, as messages."""

from __future__ import annotations

import html

from aiogram.utils.i18n import gettext as _
from babel import Locale, UnknownLocaleError

from bot.domain.notices import QuestionForStaff, ShopAnswered
from handlers.views.common import Screen


def language_in(code: str, locale: str) -> str:
    """A language's name in the reader's language (a merchant reads "Spanish", not "español")."""
    try:
        return str(Locale.parse(code.replace("-", "_")).get_display_name(locale.replace("-", "_")) or code)
    except (ValueError, UnknownLocaleError):
        return code


def question_for_staff_screen(notice: QuestionForStaff, locale: str) -> Screen:
    heading = "❓ " + _("{name} asked in {language}, and I could not answer:").format(
        name=f"<b>{html.escape(notice.buyer_name)}</b>", language=language_in(notice.buyer_language, locale)
    )
    hint = _("Reply to this message to answer them; I will pass your reply on in their language.")
    return Screen("\n".join([heading, "", f"<i>{html.escape(notice.question)}</i>", "", hint]))


def shop_answered_screen(notice: ShopAnswered) -> Screen:
    heading = "💬 " + _("The shop answers your question:")
    return Screen("\n".join([heading, f"<i>{html.escape(notice.question)}</i>", "", html.escape(notice.text)]))


def reply_relayed_text() -> str:
    return "✅ " + _("Sent to the buyer.")
