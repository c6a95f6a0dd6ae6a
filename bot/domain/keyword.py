"""Keyword orders typed in chat during a live stream: `DRESS-RED M x2`, `sold mug 3`, `#2024-cal`, `A12 Ivory`.

The catalogue decides what is an order, not the shape of a code. A message is read as

    [prefix] CODE [VARIANT] [QUANTITY]

- prefix: one of KEYWORD_PREFIXES; a sign (`#`) may touch the code, a word (`sold`) stands apart from it;
- CODE: the first word, one of the catalogue's codes in any letter case (`mug`, `Dress-Red`, `2024-CAL`, `a12`);
- VARIANT: one of that product's variants in any letter case, several words allowed (`dark blue`);
- QUANTITY: last, as `x2`, `x 2`, `×2`, `*2`, `2x` or a bare number; 1 when absent. Said before a variant the
  product has, it counts too (`A12 2 Ivory`).

How sure the bot must be depends on where the message was written:

- A private chat is a conversation with the shop: a code first makes it about ordering, so a missing or unknown
  variant and a bad quantity are answered, and a code that is not in the catalogue but close to one (`DRES-RED M`)
  gets "did you mean DRESS-RED?".
- A group is ordinary talk with the odd order in it. Without a prefix, only a message that is nothing but an order
  counts: the code, then only a variant of it and/or a quantity. `mug is nice` is talk (`is nice` is not a variant
  of MUG) and `hello` is talk (no code), while `mug`, `MUG 2`, `mug blue`, `A12` and `scarf-silk` are orders, the
  last answered with its variants when it needs one: a code the merchant chose is ordered the same way whatever its
  shape, even when it is an everyday word. Unknown codes are talk: no "did you mean".
- A prefix says "this is an order" anywhere: after it a group message is read as in a private chat (a close code
  is suggested, an unknown variant answered), except that a plain word after a word prefix (`sold out`, `buy now`)
  is talk unless it is a code, and that a group hears nothing about a code like no other (`#blessed`).

A code's suggestions are the codes at most one edit away (two for codes longer than five characters), where swapping
two neighbouring characters is one edit, and a hyphenated code typed as two words (`jacket rain` for JACKET-RAIN).
The bot never reads a product from the database to decide: `CodeIndex` is the catalogue's codes and variants in
memory (bot/services/keywords.py keeps it fresh).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

# The most units one keyword order may ask for, whatever MAX_QUANTITY says (its own maximum too).
MAX_KEYWORD_QUANTITY = 999
_VARIANT_WORD = re.compile(r"^[\w./+'\u2044-]{1,32}$")  # \u2044: the fraction slash NFKC makes of ½
_MAX_VARIANT_WORDS = 3
_CODE_WORD = re.compile(r"^[\w-]{1,32}$")  # what may be a mistyped code: `A12?` is a question, not a typo
# `x2`, `×2`, `*2` (`x 2` too; `×` and `*` may touch what comes before: `M*2`), or a number last (`2`, `2x`).
# Signed and of any length, so that `x-3` and `x1000` are read as the quantities they are and refused as such.
_QUANTITY_TAIL = re.compile(r"(?:(?:^|\s)[x×*]|[×*])\s*(-?\d+)$|(?:^|\s)(-?\d+)\s*[x×]?$", re.IGNORECASE)
_TOUCHING_QUANTITY = re.compile(r"^(.+?)([×*]-?\d+)$")
_LEADING_QUANTITY = re.compile(r"^[x×*]?\s*(-?\d+)\s*[x×]?\s+(.+)$", re.IGNORECASE)
_QUANTITY_DIGITS = 7  # longer numbers are read as 10**7: too many, whatever the limit
_SHOWN_DIGITS = 12  # a refusal repeats a quantity as typed, cut after this many characters
# Invisible marks that phone keyboards put into typed text: right-to-left and left-to-right marks and embeddings
# (Arabic, Hebrew and Persian keyboards), zero-width spaces and joiners, the byte-order mark.
_INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def _fold(text: str) -> str:
    """A name as it is compared: in any letter case, and in NFKC as typed text is read (`8½` is `8 1⁄2` both ways)."""
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True, slots=True)
class IndexedVariant:
    """One SKU of an indexed product; `name` is "" for a product without variants, `names` its translations by
    language (the catalogue's `variant.<lang>` columns)."""

    sku_id: int
    name: str
    names: Mapping[str, str] = field(default_factory=dict)

    def name_in(self, language: str | None) -> str:
        return (self.names.get(language) if language else None) or self.name


@dataclass(frozen=True, slots=True)
class IndexedProduct:
    """A product as keyword ordering needs it: its code and its SKUs on sale, in catalogue order."""

    product_id: int
    code: str
    variants: tuple[IndexedVariant, ...]

    @property
    def needs_variant(self) -> bool:
        """An order must name one of several SKUs; a single SKU is ordered by its code alone."""
        return len(self.variants) > 1

    def variant_names(self, language: str | None = None) -> list[str]:
        """The variants' names, in `language` where the catalogue translates them."""
        return [variant.name_in(language) for variant in self.variants if variant.name]

    def variant(self, typed: str, language: str | None = None) -> IndexedVariant | None:
        """The SKU a typed variant name picks: by its own name first, then its name in `language`, then in any
        language (`A12 Elfenbein` and `A12 Ivory` are the same scarf; names are unique within a language only)."""
        wanted = _fold(typed)
        best: tuple[int, IndexedVariant] | None = None
        for variant in self.variants:
            if not variant.name:
                continue
            if _fold(variant.name) == wanted:
                return variant
            rank = None
            if language and _fold(variant.names.get(language, "")) == wanted:
                rank = 1
            elif any(_fold(name) == wanted for name in variant.names.values()):
                rank = 2
            if rank is not None and (best is None or rank < best[0]):
                best = (rank, variant)
        return best[1] if best else None

    def pick(self, typed: str | None, language: str | None = None) -> IndexedVariant | None:
        """The SKU an order for this product names: the typed variant, or the only SKU; None when neither."""
        if typed is not None:
            return self.variant(typed, language)
        return None if self.needs_variant else self.variants[0]


class CodeIndex:
    """The catalogue's codes in memory, looked up in any letter case."""

    def __init__(self, products: Iterable[IndexedProduct] = ()) -> None:
        self._by_code = {_fold(product.code): product for product in products}
        self._by_id = {product.product_id: product for product in self._by_code.values()}

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code: str) -> IndexedProduct | None:
        return self._by_code.get(_fold(code))

    def product(self, product_id: int) -> IndexedProduct | None:
        return self._by_id.get(product_id)

    def products(self) -> list[IndexedProduct]:
        return sorted(self._by_code.values(), key=lambda product: product.code)

    def closest(self, typed: str, limit: int = 3) -> list[IndexedProduct]:
        """Products whose code looks like a mistyped `typed`, closest first (ties in code order)."""
        return [self._by_code[code] for code in closest_codes(typed, self._by_code, limit)]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A code the buyer may have meant; `sku_id` set when the variant they typed (or the only one) is known."""

    code: str
    product_id: int
    sku_id: int | None
    variant: str = ""


class KeywordRefusal(LookupError):
    """A keyword order the bot understood but cannot take as it is; says why, with what the buyer may tap instead."""

    def __init__(self, code: str, quantity: int) -> None:
        super().__init__(code)
        self.code = code
        self.quantity = quantity


class UnknownCode(KeywordRefusal):
    def __init__(self, code: str, suggestions: Sequence[Suggestion] = (), quantity: int = 1) -> None:
        super().__init__(code, quantity)
        self.suggestions = list(suggestions)


class VariantNeeded(KeywordRefusal):
    """The product comes in several variants and the order named none: offer them."""

    def __init__(self, product: IndexedProduct, quantity: int = 1, language: str | None = None) -> None:
        super().__init__(product.code, quantity)
        self.product = product
        self.variants = product.variant_names(language)


class UnknownVariant(KeywordRefusal):
    def __init__(self, product: IndexedProduct, variant: str, quantity: int = 1, language: str | None = None) -> None:
        super().__init__(product.code, quantity)
        self.product = product
        self.variant = variant
        self.variants = product.variant_names(language)


class BadQuantity(KeywordRefusal):
    """The quantity is below 1 or above `maximum`: say which, and the limit. `typed` is the quantity as the buyer
    wrote it (cut short when very long), to repeat to them: a number too long to read is not 10**7 to them."""

    def __init__(self, code: str, variant: str | None, quantity: int, maximum: int, typed: str = "") -> None:
        super().__init__(code, quantity)
        self.variant = variant
        self.maximum = maximum
        self.typed = typed or str(quantity)


@dataclass(frozen=True, slots=True)
class KeywordOrder:
    """A message read as a keyword order. `product` None: the code is not in the catalogue (`suggestions` are);
    `variant` is as typed; the quantity too (`choose` checks it), and `typed_quantity` is its digits as written,
    for a refusal to repeat ("" when the order says none)."""

    code: str
    product: IndexedProduct | None
    variant: str | None
    quantity: int
    suggestions: tuple[IndexedProduct, ...] = ()
    typed_quantity: str = field(default="", compare=False)

    def choose(self, max_quantity: int, language: str | None = None) -> tuple[int, int]:
        """The SKU and quantity to add; raises the KeywordRefusal that says what is wrong, quantity first. Variant
        names in a refusal are in `language`."""
        maximum = min(max_quantity, MAX_KEYWORD_QUANTITY)
        if not 1 <= self.quantity <= maximum:
            picked = self.product.pick(self.variant, language) if self.product else None
            variant = picked.name_in(language) if picked else self.variant  # as the catalogue spells it, if it is one
            raise BadQuantity(self.code, variant or None, self.quantity, maximum, _shown(self.typed_quantity))
        if self.product is None:
            raise UnknownCode(
                self.code,
                [_suggestion(product, self.variant, language) for product in self.suggestions],
                self.quantity,
            )
        chosen = self.product.pick(self.variant, language)
        if chosen is not None:
            return chosen.sku_id, self.quantity
        if self.variant is None:
            raise VariantNeeded(self.product, self.quantity, language)
        raise UnknownVariant(self.product, self.variant, self.quantity, language)


def _suggestion(product: IndexedProduct, typed_variant: str | None, language: str | None) -> Suggestion:
    picked = product.pick(typed_variant, language)
    if picked is None:
        return Suggestion(product.code, product.product_id, None)
    return Suggestion(product.code, product.product_id, picked.sku_id, picked.name_in(language))


@functools.lru_cache(maxsize=8)
def _longest_first(prefixes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted((p.strip().lower() for p in prefixes if p.strip()), key=len, reverse=True))


def _strip_prefix(text: str, prefixes: Sequence[str]) -> tuple[str, str | None]:
    lowered = text.lower()
    for prefix in _longest_first(tuple(prefixes)):
        if not lowered.startswith(prefix):
            continue
        rest = text[len(prefix) :]
        # A word prefix ("sold") must stand apart from the code; a sign ("#") may touch it.
        if prefix[-1].isalnum() and rest[:1] and not rest[:1].isspace():
            continue
        return rest.strip(), prefix
    return text, None


def _quantity(digits: str) -> int:
    if not digits:
        return 1
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("-")
    return sign * (int(digits) if len(digits) <= _QUANTITY_DIGITS else 10**_QUANTITY_DIGITS)


def _shown(digits: str) -> str:
    return digits if len(digits) <= _SHOWN_DIGITS else digits[: _SHOWN_DIGITS - 2] + "…"


def _split_quantity(rest: str) -> tuple[str, str]:
    """`M x2` -> ("M", "2"); `M` -> ("M", ""); `x-3` -> ("", "-3"): the quantity's digits as typed."""
    tail = _QUANTITY_TAIL.search(rest)
    if tail is None:
        return rest, ""
    return rest[: tail.start()].strip(), tail.group(1) or tail.group(2)


def _variant_shaped(text: str) -> bool:
    words = text.split(" ")
    return len(words) <= _MAX_VARIANT_WORDS and all(_VARIANT_WORD.match(word) for word in words)


def _read_rest(product: IndexedProduct | None, rest: str) -> tuple[str | None, str, bool] | None:
    """The variant (as typed), the quantity's digits as typed ("" for none), and whether the variant is one of the
    product's; None when the rest is not a variant and quantity at all."""
    if not rest:
        return None, "", True
    if product is not None and product.variant(rest) is not None:
        return rest, "", True  # before the quantity: shoe size `42` is a variant, not 42 pairs
    typed, quantity = _split_quantity(rest)
    if not typed:
        return None, quantity, True
    if not quantity and product is not None:
        leading = _LEADING_QUANTITY.match(rest)  # `A12 2 Ivory`, `A12 x2 Ivory`: the quantity said first
        if leading and product.variant(leading.group(2)) is not None:
            return leading.group(2), leading.group(1), True
    if not _variant_shaped(typed):
        return None
    known = product is not None and product.variant(typed) is not None
    return typed, quantity, known


def _read(body: str, index: CodeIndex, prefix: str | None, private: bool) -> KeywordOrder | None:
    first, _, rest = body.partition(" ")
    product = index.get(first)
    if product is None and ("*" in first or "×" in first):
        touching = _TOUCHING_QUANTITY.match(first)  # `mug*2`
        if touching and (product := index.get(touching.group(1))) is not None:
            first, rest = touching.group(1), f"{touching.group(2)} {rest}".strip()
    lenient = private or prefix is not None
    if product is None and lenient and rest:
        # `jacket rain L`: a hyphenated code typed with a space (or none) where its hyphen is, to be confirmed.
        second, _, after = rest.partition(" ")
        spaced = index.get(f"{first}-{second}") or index.get(first + second)
        if spaced is not None and (read := _read_rest(spaced, after)) is not None:
            variant, quantity, _known = read
            return KeywordOrder(f"{first} {second}".upper(), None, variant, _quantity(quantity), (spaced,), quantity)
    if product is None and (not lenient or (prefix is not None and prefix[-1].isalnum() and first.isalpha())):
        return None  # most group chatter ends here; unknown codes in a group are talk, and so is `sold out`
    read = _read_rest(product, rest)
    if read is None:
        return None
    variant, quantity, known_variant = read
    if product is not None:
        if not known_variant and (not lenient or not product.variant_names()):
            return None  # `mug is nice`: the rest names nothing MUG comes in
        return KeywordOrder(product.code, product, variant, _quantity(quantity), typed_quantity=quantity)
    suggestions = tuple(index.closest(first)) if _CODE_WORD.match(first) else ()
    if not suggestions and (prefix is None or not private):
        return None  # a first word that is no code and like none: talk, unless a buyer's prefix says otherwise
    return KeywordOrder(first.upper(), None, variant, _quantity(quantity), suggestions, quantity)


def read_keyword_order(text: str, index: CodeIndex, prefixes: Sequence[str], private: bool) -> KeywordOrder | None:
    """The order a message asks for, or None when it is not about ordering (see the module's rules)."""
    # NFKC: the full-width letters and digits of Chinese and Japanese keyboards (`Ａ１２ Ｍ ｘ２`) are the codes they
    # look like.
    normalised = " ".join(_INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).split())
    body, prefix = _strip_prefix(normalised, prefixes)
    if prefix is None:
        return _read(normalised, index, None, private) if normalised else None
    if index.get(normalised.split(" ")[0]) is not None:
        read = _read(normalised, index, None, private)  # a code that is also a prefix (`SOLD`) is a code first
        if read is not None:
            return read
    return _read(body, index, prefix, private) if body else None


def _edits(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def closest_codes(typed: str, codes: Iterable[str], limit: int = 3) -> list[str]:
    """Codes that look like a mistyped `typed`, closest first: at most one edit away (two beyond five characters)."""
    wanted = typed.casefold()
    allowed = 1 if len(wanted) <= 5 else 2
    scored = []
    for code in codes:
        distance = _edits(wanted, code.casefold())
        if distance <= allowed:
            scored.append((distance, code))
    return [code for _, code in sorted(scored)[:limit]]
