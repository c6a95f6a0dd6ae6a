"""Whether a language model's reply may be sent: every figure in it is one of the facts', and it is in the asker's
language. A reply that fails goes unsent and the deterministic answer takes its place (docs/llm.md).

Figures are read in any locale's writing ("39,00 €", "€39", "1 234,50", "1.234,50", "٣٩٫٠٠", "３９") and compared
by value; a reply may also repeat numbers the facts' own texts hold (a product code "A10", "100% cotton") or the
question asked. Currency signs must be those of the facts' prices.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal

from babel.numbers import get_currency_symbol, list_currencies

from bot.domain.countries import country_name
from bot.domain.questions import Facts

# Longer than any brief answer; a model going on this long is not answering from a few facts.
MAX_LENGTH = 1500
# Below this confidence, the detector's word is not taken against a reply.
DETECTION_CONFIDENCE = 0.5

# The detector's ranking of the shop's languages for a text, most likely first (bot.ports.LanguageDetector.detect).
Detect = Callable[[str], Sequence[tuple[str, float]]]

# Separators between digit groups: decimal points and commas, apostrophes (Swiss), spaces of several widths, Arabic's.
_GROUP_SEPARATORS = ".,'’\u00a0\u202f\u2009 \u066b\u066c"
_NUMBER = re.compile(r"\d+(?:[" + re.escape(_GROUP_SEPARATORS) + r"]\d+)*")
# Letters of scripts that put spaces between words: a name ("L") is taken out of a reply only as a whole word there.
_SPACED = "A-Za-z0-9\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff\u0600-\u06ff\uac00-\ud7af"
_DECIMAL_POINTS = ".,\u066b"
_ISO_CODE = re.compile(r"(?<![A-Za-z])[A-Z]{3}(?![A-Za-z])")
_CURRENCY_CODES = frozenset(list_currencies())
# Locales whose currency signs a reply may use besides the asker's own (a model may write "US$" or "$").
_SYMBOL_LOCALES = ("en", "de", "fr", "es", "zh", "ja", "ko", "tr", "ar", "pt", "ru")


def _ascii_digits(text: str) -> str:
    """Every decimal digit as its ASCII one: Arabic-Indic, full-width, Devanagari... all read alike."""
    return "".join(
        str(unicodedata.decimal(character)) if character.isdecimal() and not character.isascii() else character
        for character in text
    )


def number_values(token: str) -> tuple[set[Decimal], list[Decimal]]:
    """What a run of digits and separators may mean: (the values it may be as one number, the numbers it is when
    it is several). "1.234,50" may be 1234.50; "4,500" 4.5 or 4500; "38 40 42" three numbers."""
    groups = re.split("[" + re.escape(_GROUP_SEPARATORS) + "]", token)
    separators = re.findall("[" + re.escape(_GROUP_SEPARATORS) + "]", token)
    single = [Decimal(group) for group in groups]
    if not separators:
        return {single[0]}, single
    values: set[Decimal] = set()
    grouped = all(len(group) == 3 for group in groups[1:]) and len(groups[0]) <= 3
    if grouped and len(set(separators)) == 1 and separators[0] not in "\u066b":
        values.add(Decimal("".join(groups)))
    inner_grouped = all(len(group) == 3 for group in groups[1:-1]) and (len(groups) == 2 or len(groups[0]) <= 3)
    if separators[-1] in _DECIMAL_POINTS and inner_grouped and separators[-1] not in separators[:-1]:
        values.add(Decimal("".join(groups[:-1]) + "." + groups[-1]))
    return values, single


def figures(text: str) -> Iterator[tuple[set[Decimal], list[Decimal]]]:
    for token in _NUMBER.findall(_ascii_digits(text)):
        yield number_values(token)


def fact_figures(facts: Facts) -> set[Decimal]:
    """Every figure a reply may state: prices, fees, stock counts, and the numbers in the facts' own texts."""
    allowed: set[Decimal] = set()
    texts = [facts.question, *facts.payment_methods]
    for product in facts.products:
        allowed.add(product.price.to_decimal())
        if product.shipping_fee is not None:
            allowed.add(product.shipping_fee.to_decimal())
        allowed.update(Decimal(variant.units) for variant in product.variants if variant.units is not None)
        allowed.update(variant.price.to_decimal() for variant in product.variants if variant.price is not None)
        texts += [product.code, product.title, product.description, *(variant.name for variant in product.variants)]
    for text in texts:
        for values, single in figures(text):
            allowed.update(values)
            allowed.update(single)
    return allowed


def _figures_right(text: str, allowed: set[Decimal]) -> bool:
    for values, single in figures(text):
        if values & allowed:
            continue
        if not all(value in allowed for value in single):
            return False
    return True


def _currencies(facts: Facts) -> set[str]:
    codes = {product.price.currency for product in facts.products}
    codes |= {variant.price.currency for product in facts.products for variant in product.variants if variant.price}
    codes |= {product.shipping_fee.currency for product in facts.products if product.shipping_fee is not None}
    return codes


def _currency_signs_right(text: str, facts: Facts) -> bool:
    """Only the facts' currencies: a "$" beside a price the facts have in euros is an invented price."""
    codes = _currencies(facts)
    signs = {character for character in text if unicodedata.category(character) == "Sc"}
    if signs:
        locales = (*_SYMBOL_LOCALES, _babel(facts.language))
        known = "".join(str(get_currency_symbol(code, locale=locale)) for code in codes for locale in locales)
        if not signs <= set(known):
            return False
    for match in _ISO_CODE.finditer(text):
        beside = text[max(0, match.start() - 2) : match.end() + 2]
        if match.group() in _CURRENCY_CODES and match.group() not in codes and any(c.isdigit() for c in beside):
            return False  # "USD 42": a price in a currency the facts do not have
    return True


def _script(character: str) -> str:
    name = unicodedata.name(character, "")
    for script in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "ARABIC", "CYRILLIC", "LATIN", "GREEK", "HEBREW"):
        if name.startswith(script) or f" {script} " in f" {name} ":
            return script
    return "OTHER"


# The scripts each language is written in; a language not listed is written in Latin letters.
_SCRIPTS: dict[str, frozenset[str]] = {
    "zh": frozenset({"CJK"}),
    "ja": frozenset({"CJK", "HIRAGANA", "KATAKANA"}),
    "ko": frozenset({"HANGUL", "CJK"}),
    "ar": frozenset({"ARABIC"}),
    "fa": frozenset({"ARABIC"}),
    "ru": frozenset({"CYRILLIC"}),
    "uk": frozenset({"CYRILLIC"}),
    "bg": frozenset({"CYRILLIC"}),
    "el": frozenset({"GREEK"}),
    "he": frozenset({"HEBREW"}),
}


def _words(text: str) -> list[str]:
    return text.split()


# A few words only each Latin-script language uses often: enough to tell a whole sentence's language without a
# detector (the service passes lingua's).
_COMMON_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(_words("the and is are you we it this for with can not yes in stock of to")),
    "de": frozenset(_words("der die das und ist sind sie wir nicht ja für mit kann auf noch leider")),
    "fr": frozenset(_words("le la les et est sont vous nous pas oui pour avec peut dans une des")),
    "es": frozenset(_words("el la los las y es son usted nosotros no sí para con puede en una está")),
    "it": frozenset(_words("il lo la gli le e è sono voi noi non sì per con può una della")),
    "pt": frozenset(_words("o a os as e é são você nós não sim para com pode em uma está")),
    "tr": frozenset(_words("ve bir bu için ile evet değil var yok çok da de mi ürün")),
}


def _base(language: str) -> str:
    return re.split(r"[-_]", language.lower())[0]


def _babel(language: str) -> str:
    return language.replace("-", "_")


def _script_right(letters: str, language: str) -> bool:
    expected = _SCRIPTS.get(_base(language), frozenset({"LATIN"}))
    scripts = [_script(character) for character in letters]
    foreign = sum(1 for script in scripts if script not in expected)
    if foreign * 2 > len(scripts):
        return False
    base = _base(language)
    if base == "ja" and len(scripts) >= 4 and not {"HIRAGANA", "KATAKANA"} & set(scripts):
        return False  # all Han: Chinese
    if base == "ko" and len(scripts) >= 4 and "HANGUL" not in scripts:
        return False
    return not (base == "zh" and {"HIRAGANA", "KATAKANA", "HANGUL"} & set(scripts))


def _common_words_right(rest: str, language: str) -> bool:
    words = re.findall(r"\w+", rest.casefold())
    scores = {code: sum(word in common for word in words) for code, common in _COMMON_WORDS.items()}
    own = scores.get(_base(language))
    if own is None:
        return True
    return own >= max(scores.values())


def language_right(text: str, facts: Facts, detect: Detect | None = None) -> bool:
    """Whether the reply is in `facts.language`, judged on what is left once the facts' names, codes, texts (which
    may be in the catalogue's language) and the country's name are taken out."""
    rest = text
    names = [facts.question]
    for product in facts.products:
        names += [product.title, product.code, product.description, *(variant.name for variant in product.variants)]
        if product.country:
            names.append(country_name(product.country, _babel(facts.language)))
    for name in sorted((name for name in names if name.strip()), key=len, reverse=True):
        rest = re.sub(rf"(?<![{_SPACED}]){re.escape(name)}(?![{_SPACED}])", " ", rest)
    rest = _NUMBER.sub(" ", _ascii_digits(rest))
    letters = "".join(character for character in rest if character.isalpha())
    if not letters:
        return True  # figures and names only: nothing says another language
    if not _script_right(letters, facts.language):
        return False
    ranked = detect(rest) if detect is not None else ()
    if ranked and ranked[0][1] >= DETECTION_CONFIDENCE:
        return _base(ranked[0][0]) == _base(facts.language)
    return _common_words_right(rest, facts.language)  # no detector, or an unsure one


def acceptable(text: str, facts: Facts, detect: Detect | None = None) -> bool:
    """Whether a model's reply may go to the buyer: not empty, brief, every figure one of the facts', currency signs
    the facts' own, and in the asker's language (by `detect`, the shop's language detector, when given)."""
    if not text.strip() or len(text) > MAX_LENGTH:
        return False
    if not _figures_right(text, fact_figures(facts)):
        return False
    if not _currency_signs_right(text, facts):
        return False
    return language_right(text, facts, detect)
