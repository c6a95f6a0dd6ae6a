"""Keyword orders typed in chat during a live stream: `A12 M x2`, `#A12`, `sold A12 M`.

The grammar is strict on purpose: in a busy group chat, ordinary talk ("hello", "A12?") must not become an order.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_KEYWORD_QUANTITY = 999
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
_VARIANT_WORD = re.compile(r"^[\w./+-]{1,32}$")
# `x2`, `×2`, `*2` (`x 2` too; `×` and `*` may touch the variant: `M*2`), or a bare number as the last word.
_QUANTITY_TAIL = re.compile(r"(?:(?:^|\s)[x×*]|[×*])\s*(\d{1,3})$|(?:^|\s)(\d{1,3})\s*[x×]?$", re.IGNORECASE)
_MAX_VARIANT_WORDS = 3


@dataclass(frozen=True, slots=True)
class KeywordOrder:
    code: str
    variant: str | None
    quantity: int


def _strip_prefix(text: str, prefixes: Sequence[str]) -> tuple[str, str | None]:
    lowered = text.lower()
    for prefix in sorted((p.strip().lower() for p in prefixes if p.strip()), key=len, reverse=True):
        if not lowered.startswith(prefix):
            continue
        rest = text[len(prefix) :]
        # A word prefix ("sold") must stand apart from the code; a sign ("#") may touch it.
        if prefix[-1].isalnum() and rest[:1] and not rest[:1].isspace():
            continue
        return rest.strip(), prefix
    return text, None


def parse_keyword_order(text: str, prefixes: Sequence[str]) -> KeywordOrder | None:
    """The order a message asks for, or None when the message is not a keyword order."""
    body, prefix = _strip_prefix(" ".join(text.split()), prefixes)
    if not body:
        return None
    quantity = 1
    tail = _QUANTITY_TAIL.search(body)
    if tail and tail.start() > 0:
        quantity = int(tail.group(1) or tail.group(2))
        body = body[: tail.start()].strip()
    words = body.split(" ")
    code, variant_words = words[0], words[1:]
    if not _CODE.match(code) or not 1 <= quantity <= MAX_KEYWORD_QUANTITY:
        return None
    # A code must look like one, so talk stays talk: "hello there" and "sold out" are not orders. Letters and
    # digits without a prefix; a digit after a word prefix ("sold"); anything after a sign ("#SCARF").
    has_digit, has_letter = any(c.isdigit() for c in code), any(c.isalpha() for c in code)
    if prefix is None and not (has_digit and has_letter):
        return None
    if prefix is not None and prefix[-1].isalnum() and not has_digit:
        return None
    if len(variant_words) > _MAX_VARIANT_WORDS or not all(_VARIANT_WORD.match(word) for word in variant_words):
        return None
    variant = " ".join(variant_words) or None
    return KeywordOrder(code=code.upper(), variant=variant, quantity=quantity)


def closest_codes(code: str, codes: Iterable[str], limit: int = 3) -> list[str]:
    """Catalogue codes that look like a mistyped `code`, best first; swapped characters (A21 for A12) rank first."""
    wanted = code.upper()
    scored = []
    for candidate in {c.upper() for c in codes}:
        score = difflib.SequenceMatcher(None, wanted, candidate).ratio()
        if sorted(candidate) == sorted(wanted):
            score += 0.2
        if score >= 0.5:
            scored.append((-score, candidate))
    return [candidate for _, candidate in sorted(scored)[:limit]]
