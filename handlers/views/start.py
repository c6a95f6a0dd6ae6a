"""/start, /help, /language and the command menu: what the bot says it can do, in the buyer's language."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel import Locale

from bot.domain.buyer import Role
from bot.services.keywords import KeywordExample
from handlers.access import PRIVILEGED_COMMANDS
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


def help_text(roles: frozenset[Role], example: KeywordExample | None = None) -> str:
    """The commands for the person's roles (a buyer's, then an ops person's, then a merchant's); `example`: a keyword
    order that works in this shop's catalogue."""
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
    if Role.MERCHANT in roles:
        lines += ["", _("You are a merchant of this shop.")]
        lines += [f"/{name} - {text}" for name, text in privileged_command_descriptions(roles).items()]
        lines.append("livesell catalog import FILE.csv - " + _("update the catalogue"))
    elif Role.OPS in roles:
        lines += ["", _("You are on the operations team of this shop.")]
        lines += [f"/{name} - {text}" for name, text in privileged_command_descriptions(roles).items()]
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


def privileged_command_descriptions(roles: frozenset[Role]) -> dict[str, str]:
    """The commands of handlers/access.py's registry that someone with `roles` may use, in its order (a merchant's
    own first, then the staff's), with what each does: their /help and their command menu."""
    descriptions = {
        "newstream": _("plan a live stream"),
        "streams": _("your streams: edit, reschedule, cancel, go live"),
        "live": _("start the next stream (or /live ID)"),
        "stats": _("how the live stream sells"),
        "end": _("end the live stream"),
        "say": _("say something to the live stream's audience, in their languages"),
        "grant": _("give someone the ops or merchant role: /grant @name ops"),
        "revoke": _("take a role back: /revoke @name ops"),
        "export": _("export orders as a CSV or Excel file"),
        "report": _("a stream's sales chart (or /report ID)"),
    }
    return {name: descriptions[name] for name, allowed in PRIVILEGED_COMMANDS.items() if not allowed.isdisjoint(roles)}


def claimed_heading(name: str) -> str:
    return "👋 " + _("Hello, {name}! Here is what you ordered in the live chat.").format(name=html.escape(name))


def claim_gone_text() -> str:
    return _("Sorry, that reservation has ended. Send the product code again or browse the /catalog.")
