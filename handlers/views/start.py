"""/start, /help, /language and the command menu: what the bot says it can do, in the buyer's language."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel import Locale

from bot.services.keywords import KeywordExample
from handlers.callbacks import LanguageCb


def language_name(code: str) -> str:
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def language_keyboard(languages: list[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in languages:
        builder.button(text=language_name(code), callback_data=LanguageCb(code=code))
    builder.adjust(2)
    return builder.as_markup()


def choose_language_text() -> str:
    return _("Choose your language:")


def language_unavailable_text() -> str:
    return _("Sorry, this language is not available.")


def language_chosen_text(language: str) -> str:
    """Said in the language just chosen."""
    return _("Done: I will speak {language} with you.").format(language=language_name(language))


def keyword_example_text(example: KeywordExample) -> str:
    return _("During a live stream, send a product code to order at once, e.g. {example}.").format(
        example=html.escape(str(example))
    )


def welcome_text(name: str, example: KeywordExample | None, offer_subscription: bool = False) -> str:
    """`offer_subscription`: for a buyer not subscribed yet, a line on the subscribe button that comes with it."""
    lines = [
        _("Hello, {name}! Welcome to our live shop.").format(name=html.escape(name)),
        "",
        _("Browse the catalogue with /catalog. Choose your language with /language. /help lists everything."),
    ]
    if example:
        lines += ["", keyword_example_text(example)]
    if offer_subscription:
        lines += ["", _("Want to hear when we go live? Tap the button below, or send /subscribe at any time.")]
    return "\n".join(lines)


def help_text(is_merchant: bool, is_ops: bool, example: KeywordExample | None = None) -> str:
    """The commands for the person's role; `example`: a keyword order that works in this shop's catalogue."""
    lines = [
        _("What I can do:"),
        "/catalog - " + _("browse the catalogue"),
        "/cart - " + _("your cart and reservations"),
        "/checkout - " + _("order what is in your cart"),
        "/orders - " + _("your orders and their status"),
        "/subscribe - " + _("hear about our live streams"),
        "/unsubscribe - " + _("stop live stream announcements"),
        "/timezone - " + _("the time zone of your reminders"),
        "/currency - " + _("choose the currency for prices"),
        "/language - " + _("choose your language"),
        "/cancel - " + _("stop the checkout"),
        "/help - " + _("this list"),
    ]
    if example:
        lines += ["", keyword_example_text(example)]
    if is_merchant:
        lines += [
            "",
            _("You are a merchant of this shop."),
            *(f"/{name} - {description}" for name, description in merchant_command_descriptions().items()),
            "livesell catalog import FILE.csv - " + _("update the catalogue"),
        ]
    if is_ops:
        lines += ["", _("You are on the operations team of this shop.")]
    return "\n".join(lines)


def command_descriptions() -> dict[str, str]:
    return {
        "catalog": _("browse the catalogue"),
        "cart": _("your cart and reservations"),
        "checkout": _("order what is in your cart"),
        "orders": _("your orders and their status"),
        "subscribe": _("hear about our live streams"),
        "unsubscribe": _("stop live stream announcements"),
        "timezone": _("the time zone of your reminders"),
        "currency": _("choose the currency for prices"),
        "language": _("choose your language"),
        "help": _("what I can do"),
    }


def merchant_command_descriptions() -> dict[str, str]:
    return {
        "newstream": _("plan a live stream"),
        "streams": _("your streams: edit, reschedule, cancel, go live"),
        "live": _("start the next stream (or /live ID)"),
        "stats": _("how the live stream sells"),
        "end": _("end the live stream"),
        "say": _("say something to the live stream's audience, in their languages"),
    }


def claimed_heading(name: str) -> str:
    return "👋 " + _("Hello, {name}! Here is what you ordered in the live chat.").format(name=html.escape(name))


def claim_gone_text() -> str:
    return _("Sorry, that reservation has ended. Send the product code again or browse the /catalog.")
