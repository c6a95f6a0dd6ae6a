"""Which of the shop's languages to speak to a person."""

from __future__ import annotations


def pick_language(requested: str | None, supported: list[str], default: str) -> str:
    """Map a Telegram `language_code` ("pt-br", "zh-hans", "DE") onto a supported language, else the default."""
    if not requested:
        return default
    code = requested.strip().lower().replace("_", "-")
    if code in supported:
        return code
    base = code.split("-", 1)[0]
    return base if base in supported else default
