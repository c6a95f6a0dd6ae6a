"""The language a question is written in, told from its own words rather than from the product names in it.

A Russian buyer writes "Сколько стоит Silk scarf?": the title is English, the question Russian. So before a
language-identification library (bot/adapters/language_id.py) reads the text, the catalogue's codes, titles and
variant names in every language are taken out (typed with a typo or another ending too), and numbers and lone
letters (sizes) with them. Then the detected language is used only when the detector is sure enough: its confidence
reaches the shop's QUESTION_CONFIDENCE and at least twice the confidence in the buyer's own language. Otherwise (too
few words left, a tie between neighbours such as Italian and Portuguese) the buyer's language is the answer's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.domain.product_match import ProductNames, fold, is_unspaced, spaced

# How many times likelier than the buyer's own language another language must be to answer in it.
MARGIN = 2.0
_TOKEN = re.compile(r"[\w'-]+")


def without_catalogue_words(text: str, names: ProductNames) -> str:
    """The question's own words: without product codes, titles and variant names (in any language, typos and
    endings included), numbers and single letters."""
    folded = spaced(fold(text))
    for name in names.unspaced_names():  # Chinese and Japanese names have no word boundaries: cut them out whole
        folded = folded.replace(name, " ")
    catalogue = names.words_named_in(folded)
    kept = [
        token
        for token in _TOKEN.findall(folded)
        if not names.is_code(token)
        and token.strip("'-") not in catalogue
        and not any(character.isdigit() for character in token)
        and (len(token) > 1 or is_unspaced(token))
    ]
    return " ".join(kept)


def choose_language(
    ranked: Sequence[tuple[str, float]], buyer_language: str, threshold: float, languages: Sequence[str]
) -> str:
    """The detected language when the detector is sure of it (see the module's docstring), else the buyer's."""
    if not ranked:
        return buyer_language
    top, confidence = ranked[0]
    if top == buyer_language or top not in languages:
        return buyer_language
    # A detector that speaks `pt` for Portuguese answers a `pt-br` buyer in their own variant of it.
    if _base(top) == _base(buyer_language):
        return buyer_language
    own = next((value for code, value in ranked if code == buyer_language), 0.0)
    return top if confidence >= threshold and confidence >= MARGIN * own else buyer_language


def _base(code: str) -> str:
    return re.split(r"[-_]", code.lower())[0]
