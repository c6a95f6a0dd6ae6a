"""Machine translations of product texts: stored with a hash of the text they translate, so an edit of the catalogue
makes them stale by itself (bot/services/translations.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from bot.domain.answer_check import figures

TITLE = "title"
DESCRIPTION = "description"


def source_hash(text: str) -> str:
    """What a translation was made from: another text, another hash."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class StoredTranslation:
    field: str
    source_hash: str
    text: str


def faithful(source: str, translation: str) -> bool:
    """Whether a translation may be shown: not empty, not far longer than its source, and every figure in it one of
    the source's (a translated "39 €" must not turn into "93 €")."""
    if not translation.strip() or len(translation) > 3 * len(source) + 80:
        return False
    allowed = {value for values, single in figures(source) for value in (*values, *single)}
    return all((values & allowed) or set(single) <= allowed for values, single in figures(translation))
