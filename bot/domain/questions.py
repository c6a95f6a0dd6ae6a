"""A buyer's question about products, the facts from the database that answer it, and the answer sent back.

Every price and stock figure in an answer comes from `Facts`, which the service fills from the database; the
deterministic answer (handlers/views/questions.py) and a language model's answer are both checked against them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from bot.domain.money import Money


def worth_asking_staff(question: str) -> bool:
    """Whether an unanswered message is a question for a person ("do you restock in May?"), not a greeting or a
    stray word: it asks (a question mark) or says enough (four words or, in scripts without spaces, ten characters)."""
    text = question.strip()
    if "?" in text or "？" in text or "؟" in text:
        return True
    return len(text.split()) >= 4 or (" " not in text and len(text) >= 10)


class ModelUnavailable(Exception):
    """The language model did not answer in time, answered with an HTTP error, or sent a body it could not read."""


class Intent(StrEnum):
    PRICE = "price"
    AVAILABILITY = "availability"
    SHIPPING = "shipping"
    MATERIAL = "material"
    DESCRIPTION = "description"
    PAYMENT_METHODS = "payment_methods"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class VariantFact:
    name: str  # in the answer language; "" for a product without variants
    in_stock: bool
    units: int | None  # shown only if the shop shows stock counts
    # The variant's own price in the buyer's currency (a jacket's L may cost more than its M); None: the product's.
    price: Money | None = None
    sku_id: int = 0  # the SKU, for a waitlist button


@dataclass(frozen=True)
class ProductFacts:
    product_id: int
    code: str
    title: str  # in the answer language
    description: str  # in the answer language, else the catalogue's
    price: Money  # in the buyer's currency, as the product card shows it
    variants: tuple[VariantFact, ...]
    ships_to_country: bool | None
    shipping_fee: Money | None
    country: str | None  # ISO code: the country asked about, else the buyer's

    @property
    def sold_out(self) -> tuple[str, ...]:
        return tuple(variant.name for variant in self.variants if not variant.in_stock)

    @property
    def in_stock(self) -> bool:
        return any(variant.in_stock for variant in self.variants)


@dataclass(frozen=True)
class Facts:
    language: str
    intent: Intent
    products: tuple[ProductFacts, ...]
    payment_methods: tuple[str, ...]
    question: str


@dataclass(frozen=True)
class Answer:
    text: str
    language: str
    product_ids: tuple[int, ...]
    source: Literal["rules", "model", "human"]
    # Several products matched: (product_id, label) buttons, and `text` asks which one.
    ask_which: tuple[tuple[int, str], ...] = ()
    handed_off: bool = False
    # The facts it answers from: the buttons under it (sold-out variants' waitlists) are drawn from them.
    facts: Facts | None = field(default=None, compare=False, repr=False)


class RuleKind(StrEnum):
    """What a deterministic answer says; handlers/views/questions.py words it in the answer's language."""

    FACTS = "facts"  # the intent answered from the facts
    WHICH = "which"  # several products match: which one?
    NO_PRODUCT = "no_product"  # the question is about a product the bot could not find
    HAND_OFF = "hand_off"  # neither the rules nor a model can answer: the shop will
    HANDED_OFF = "handed_off"  # the question went to the shop's staff; their reply will come to the buyer


@dataclass(frozen=True)
class RuleAnswer:
    kind: RuleKind
    facts: Facts
