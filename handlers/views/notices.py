"""Notices the core sends on its own (hold ending, hold expired, waitlist offer) as messages."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.domain.notices import (
    AnnouncementMissed,
    AnnouncementReport,
    BroadcastFinished,
    HoldEndingSoon,
    HoldExpired,
    Notice,
    OrderPaid,
    PaymentLate,
    PaymentMismatch,
    PaymentReceived,
    PaymentTimedOut,
    QuestionForStaff,
    RoleChanged,
    ShopAnswered,
    StreamChart,
    StreamEnded,
    WaitlistOffer,
)
from handlers.views.broadcasts import broadcast_finished_screen
from handlers.views.cart import cart_buttons, cart_screen
from handlers.views.common import Screen, item_label, line_text, minutes_left
from handlers.views.handoff import question_for_staff_screen, shop_answered_screen
from handlers.views.payments import (
    order_paid_screen,
    payment_late_screen,
    payment_mismatch_screen,
    payment_timed_out_screen,
    receipt_screen,
)
from handlers.views.roles import role_changed_text
from handlers.views.stream_notices import announcement_missed_screen, announcement_report_screen, stream_ended_screen
from handlers.views.stream_reports import stream_chart_caption


def notice_screen(notice: Notice, locale: str) -> Screen:
    """A notice from the core (hold reminder, expiry, waitlist offer) as a message in the buyer's language."""
    match notice:
        case HoldEndingSoon():
            minutes = minutes_left(notice.expires_at) or 0
            heading = "⏳ " + ngettext(
                "These items stay reserved for {minutes} more minute:",
                "These items stay reserved for {minutes} more minutes:",
                minutes,
            ).format(minutes=minutes)
            ending = [line_text(line, locale) for line in notice.ending_lines]
            heading = "\n".join([heading, *ending, _("Check out now to keep them.")])
            return cart_screen(notice.cart, locale, heading=heading)
        case HoldExpired():
            rows = ["⌛ " + _("Your reservation ended, so these items went back on sale:")]
            rows += [line_text(line, locale) for line in notice.lines]
            rows += ["", _("Send the product code again to order them, if they are still available.")]
            return Screen("\n".join(rows), InlineKeyboardMarkup(inline_keyboard=[cart_buttons(checkout=False)]))
        case WaitlistOffer():
            minutes = minutes_left(notice.expires_at) or 0
            label = html.escape(item_label(notice.line.code, notice.line.variant, notice.line.quantity))
            text = "🎉 " + ngettext(
                "Good news: {item} {title} is back, and I put it in your cart. It is reserved for you for "
                "{minutes} minute.",
                "Good news: {item} {title} is back, and I put it in your cart. It is reserved for you for "
                "{minutes} minutes.",
                minutes,
            ).format(item=f"<b>{label}</b>", title=html.escape(notice.line.title), minutes=minutes)
            return Screen(text, InlineKeyboardMarkup(inline_keyboard=[cart_buttons()]))
        case PaymentReceived():
            return receipt_screen(notice, locale)
        case PaymentTimedOut():
            return payment_timed_out_screen(notice)
        case OrderPaid():
            return order_paid_screen(notice, locale)
        case PaymentLate():
            return payment_late_screen(notice, locale)
        case PaymentMismatch():
            return payment_mismatch_screen(notice, locale)
        case AnnouncementMissed():
            return announcement_missed_screen(notice, locale)
        case AnnouncementReport():
            return announcement_report_screen(notice, locale)
        case StreamEnded():
            return stream_ended_screen(notice, locale)
        case StreamChart():
            return Screen(stream_chart_caption(notice.report, locale))
        case BroadcastFinished():
            return broadcast_finished_screen(notice)
        case QuestionForStaff():
            return question_for_staff_screen(notice, locale)
        case ShopAnswered():
            return shop_answered_screen(notice)
        case RoleChanged():
            return Screen(role_changed_text(notice), None)
