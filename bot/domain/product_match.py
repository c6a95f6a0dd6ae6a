"""Which catalogue products a question names: by code (`A12`, `dress-red`), or by title in any of the catalogue's
languages, fuzzily (typos, inflections: `шёлковый платк`, `scraf`, `Leinenhemdes`).

A title is matched word by word (rapidfuzz's ratio on each word, so a typo or a case ending still matches); a
Chinese or Japanese title, written without spaces, by its two-character pieces. The products naming the most title
words win; a tie between several is for the buyer to settle ("which one?"). Words found in many titles of a language
(`aus`, `set`) and short function words name nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

# A title word matches a typed word this similar (rapidfuzz's normalised Indel similarity, 0..100): one typo in a
# five-letter word (`scraf`), a case ending on a Russian noun (`рубашку`).
WORD_SIMILARITY = 80
# A four-letter word must be closer: `does` is not `dorées`, `face` not `facial`.
SHORT_WORD_SIMILARITY = 85
# Words shorter than this match exactly only (`lin`, `oil`): one letter off is another word.
FUZZY_LENGTH = 5
# A word in this many titles of one language is a pattern of the shop's naming, not a product's name.
COMMON_IN_TITLES = 3
_FUNCTION_WORDS = frozenset(
    {
        "the",
        "and",
        "with",
        "for",
        "from",
        "set",
        "of",
        "by",
        "aus",
        "mit",
        "fur",
        "und",
        "der",
        "die",
        "das",
        "ein",
        "eine",
        "per",
        "con",
        "del",
        "della",
        "dei",
        "les",
        "des",
        "une",
        "pour",
        "avec",
        "sur",
        "para",
        "com",
        "por",
        "los",
        "las",
        "dans",
        "для",
        "из",
        "на",
    }
)
_CODE_TOKEN = re.compile(r"[\w-]+")
_WORD = re.compile(r"\w+")
_UNSPACED_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+")


def fold(text: str) -> str:
    """Text as it is compared: in any letter case, without accents (`crème` is `creme`, `ё` is `е`)."""
    letters = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return unicodedata.normalize("NFC", "".join(c for c in letters if not unicodedata.combining(c)))


def spaced(text: str) -> str:
    """The text with a space around each run of Chinese or Japanese characters: `C03多少钱` is `C03 多少钱`."""
    return _UNSPACED_RUN.sub(r" \g<0> ", text)


def is_unspaced(character: str) -> bool:
    """A character of a script written without spaces between words (Chinese, Japanese kana)."""
    code = ord(character)
    return 0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF


def words_of(text: str) -> list[str]:
    """The folded words of a text; a run of Chinese or Japanese characters gives its two-character pieces."""
    out: list[str] = []
    for word in _WORD.findall(fold(text)):
        if any(is_unspaced(character) for character in word):
            out += _pieces(word)
        else:
            out.append(word)
    return out


def _pieces(word: str) -> list[str]:
    runs = re.findall(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+|[^\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]+", word)
    out: list[str] = []
    for run in runs:
        if is_unspaced(run[0]):
            out += [run[i : i + 2] for i in range(len(run) - 1)] if len(run) > 1 else [run]
        else:
            out.append(run)
    return out


@dataclass(frozen=True, slots=True)
class NamedProduct:
    """A product as questions name it: its code, its titles by language, its variants' names in any language."""

    product_id: int
    code: str
    titles: Mapping[str, str]  # language -> title; "" is the catalogue's own
    variants: tuple[str, ...] = ()

    def names(self) -> list[str]:
        """Everything that names this product or one of its variants, in any language."""
        return [self.code, *self.titles.values(), *self.variants]


@dataclass(frozen=True, slots=True)
class Match:
    product_ids: tuple[int, ...]  # the best matches, in catalogue (code) order
    by_code: bool


@dataclass
class ProductNames:
    """The catalogue's codes and titles, held in memory for matching questions."""

    products: Sequence[NamedProduct]
    _codes: dict[str, int] = field(init=False)
    _titles: list[tuple[int, frozenset[str]]] = field(init=False)
    _order: dict[int, int] = field(init=False)
    _fuzzy_words: list[str] = field(init=False)
    _name_words: set[str] = field(init=False)
    _unspaced: list[str] = field(init=False)

    def __post_init__(self) -> None:
        ordered = sorted(self.products, key=lambda product: fold(product.code))
        self._order = {product.product_id: position for position, product in enumerate(ordered)}
        self._codes = {fold(product.code): product.product_id for product in self.products}
        per_language: dict[str, Counter[str]] = {}
        for product in self.products:
            for language, title in product.titles.items():
                per_language.setdefault(language, Counter()).update(set(words_of(title)))
        common = {word for counts in per_language.values() for word, n in counts.items() if n >= COMMON_IN_TITLES}
        self._titles = []
        for product in self.products:
            for title in dict.fromkeys(product.titles.values()):
                words = frozenset(
                    word
                    for word in words_of(title)
                    if word not in common and word not in _FUNCTION_WORDS and (len(word) >= 3 or _unspaced(word))
                )
                if words:
                    self._titles.append((product.product_id, words))
        vocabulary = {word for _, words in self._titles for word in words}
        every_name = [name for product in self.products for name in product.names() if name]
        self._name_words = {
            word for name in every_name for word in _WORD.findall(fold(name)) if len(word) >= 3 and not _unspaced(word)
        } - _FUNCTION_WORDS
        self._unspaced = sorted(
            {fold(name) for name in every_name if _unspaced(name)}, key=lambda name: (-len(name), name)
        )
        self._fuzzy_words = sorted(word for word in vocabulary if len(word) >= FUZZY_LENGTH and not _unspaced(word))

    def by_code(self, text: str) -> list[int]:
        """The products whose code the text holds as a word, in the order they appear (`C03多少钱` holds C03)."""
        found = [self._codes.get(fold(token)) for token in _CODE_TOKEN.findall(spaced(text))]
        return list(dict.fromkeys(product_id for product_id in found if product_id is not None))

    def by_title(self, text: str) -> list[int]:
        """The products whose title the text names best, in catalogue order: the most title words typed as they
        are, then the most typed with a typo or another ending."""
        named = self._title_words_in(text)
        if not named:
            return []
        best: dict[int, tuple[int, int]] = {}
        for product_id, words in self._titles:
            hits = words & named.keys()
            score = (sum(1 for word in hits if named[word]), len(hits))
            if hits and score > best.get(product_id, (0, 0)):
                best[product_id] = score
        if not best:
            return []
        top = max(best.values())
        return sorted((pid for pid, score in best.items() if score == top), key=self._order.__getitem__)

    def _title_words_in(self, text: str) -> dict[str, bool]:
        """The title words the text holds: True typed as they are, False with a typo or another ending, or as the
        last part of a compound (`Kerze` in `Duftkerze`)."""
        typed = set(words_of(text))
        named = dict.fromkeys(typed, True)
        for word in typed:
            if len(word) >= FUZZY_LENGTH - 1 and not _unspaced(word):
                for title_word in self._fuzzy_words:
                    if _ends_compound(title_word, word):
                        named.setdefault(title_word, False)
                cutoff = WORD_SIMILARITY if len(word) >= FUZZY_LENGTH else SHORT_WORD_SIMILARITY
                for hit in process.extract(word, self._fuzzy_words, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None):
                    named.setdefault(hit[0], False)
        return named

    def find(self, text: str) -> Match | None:
        codes = self.by_code(text)
        if codes:
            return Match(tuple(codes), by_code=True)
        titles = self.by_title(text)
        return Match(tuple(titles), by_code=False) if titles else None

    def id_of(self, code: str) -> int | None:
        return self._codes.get(fold(code))

    def is_code(self, word: str) -> bool:
        return fold(word) in self._codes

    def unspaced_names(self) -> list[str]:
        """Folded names written without spaces (Chinese, Japanese titles and variants), longest first."""
        return self._unspaced

    def words_named_in(self, text: str) -> set[str]:
        """The words of `text` that are words of a title or variant name (exactly, or with a typo or another
        ending): what a question says about products rather than in its own language."""
        typed = {word for word in _WORD.findall(fold(text)) if not _unspaced(word)}
        named = typed & self._name_words
        for word in typed - named:
            if len(word) >= FUZZY_LENGTH - 1:
                cutoff = WORD_SIMILARITY if len(word) >= FUZZY_LENGTH else SHORT_WORD_SIMILARITY
                hit = process.extractOne(word, self._fuzzy_words, scorer=fuzz.ratio, score_cutoff=cutoff)
                if hit is not None:
                    named.add(word)
        return named


def _unspaced(word: str) -> bool:
    return any(is_unspaced(character) for character in word)


def _ends_compound(title_word: str, typed: str) -> bool:
    return len(title_word) >= len(typed) + 3 and title_word.endswith(typed)
