"""Which of the shop's languages to speak to a person, and how a language is named.

A shop language is named as its catalogue folder and Babel name it ("de", "pt_BR"); Telegram sends tags such as
"pt-br" or "zh-hans", compared without regard to case or separator.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError


def language_key(code: str) -> str:
    """What two spellings of one language share: "pt_BR", "pt-br" and "PT-BR" are one language."""
    return code.strip().lower().replace("_", "-")


def canonical_language(code: str) -> str:
    """The Babel/gettext name of a language code ("pt-br" -> "pt_BR", "DE" -> "de"); raises ValueError if unknown."""
    try:
        return str(Locale.parse(code.strip().replace("-", "_")))
    except (ValueError, UnknownLocaleError) as exc:
        raise ValueError(f"unknown language code {code!r}") from exc


def pick_language(requested: str | None, supported: list[str], default: str) -> str:
    """Map a Telegram `language_code` ("pt-br", "zh-hans", "DE") onto a supported language, else the default.

    The most specific supported language wins: "pt-br" gets "pt_BR" where the shop speaks it, else "pt".
    """
    if not requested:
        return default
    by_key = {language_key(code): code for code in supported}
    code = language_key(requested)
    if code in by_key:
        return by_key[code]
    base = code.split("-", 1)[0]
    return by_key.get(base, default)


def menu_language(language: str, supported: list[str]) -> str | None:
    """The two-letter code the Bot API takes for a language's command menu; None when another supported language
    already owns that code (the menu of "pt" serves "pt_BR" readers too)."""
    base = language_key(language).split("-", 1)[0]
    if base != language_key(language) and any(language_key(code) == base for code in supported):
        return None
    return base
