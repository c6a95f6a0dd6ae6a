"""The Telegram languages the chat page offers its personas, and which of them the shop under test speaks.

A persona may use any Telegram language, as real users do; the page only says which ones the bot answers in its own
language and which fall back to the shop's default (the bot's rule, `bot.domain.language.pick_language`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.language import pick_language

# Language codes as Telegram sends them in `language_code`, with each language's own name.
TELEGRAM_LANGUAGES: tuple[tuple[str, str], ...] = (
    ("en", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("it", "Italiano"),
    ("pt-br", "Português (Brasil)"),
    ("pt-pt", "Português (Portugal)"),
    ("ru", "Русский"),
    ("uk", "Українська"),
    ("pl", "Polski"),
    ("nl", "Nederlands"),
    ("tr", "Türkçe"),
    ("zh-hans", "简体中文"),
    ("ja", "日本語"),
    ("ko", "한국어"),
    ("ar", "العربية"),
)


@dataclass(frozen=True, slots=True)
class ShopLanguages:
    """What the bot under test speaks: its SUPPORTED_LANGUAGES and DEFAULT_LANGUAGE settings."""

    supported: tuple[str, ...]
    default: str

    def answers_in(self, telegram_language: str) -> str | None:
        """The shop language a person with this Telegram language is spoken to in; None when the shop falls back."""
        return pick_language(telegram_language, list(self.supported), "") or None


def language_options(shop: ShopLanguages | None) -> dict[str, Any]:
    """The persona language picker's choices; with the shop's languages known, each says whether the shop speaks it.

    Shop languages no listed Telegram language reaches (a shop speaking Catalan) are offered too, under their code.
    """
    options: list[dict[str, Any]] = [{"code": code, "name": name} for code, name in TELEGRAM_LANGUAGES]
    if shop is None:
        return {"shop": None, "languages": options}
    reached = {shop.answers_in(code) for code, _ in TELEGRAM_LANGUAGES}
    options += [{"code": code, "name": code} for code in shop.supported if code not in reached]
    for option in options:
        option["shop_language"] = shop.answers_in(option["code"])
    names = dict(TELEGRAM_LANGUAGES)
    return {
        "shop": {
            "supported": list(shop.supported),
            "default": shop.default,
            "default_name": names.get(shop.default, shop.default),
        },
        "languages": options,
    }
