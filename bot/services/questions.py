"""Product questions in the buyer's own words: which language, which products, what is asked, and the answer.

`ask` takes the catalogue's names out of the question and detects its language from what is left
(bot/domain/question_language.py), finds the products it is about (bot/domain/product_match.py: codes, fuzzy titles
in any language; else the live stream's featured products or the product the buyer saw last), reads the intent
(bot/domain/intents.py) and the country it names (bot/domain/countries.py), gathers the facts from the database and
answers them. The deterministic answer words the facts (handlers/views/questions.py renders a `RuleAnswer` in the
answer's language); prices and stock only ever come from the database. docs/questions.md has the whole pipeline.
"""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.domain.buyer import Buyer
from bot.domain.cart import display_price
from bot.domain.catalog import Product
from bot.domain.countries import countries_named_in
from bot.domain.fx import Rates, UnknownRate
from bot.domain.intents import read_intent
from bot.domain.money import Money
from bot.domain.product_match import ProductNames
from bot.domain.question_language import choose_language, without_catalogue_words
from bot.domain.questions import (
    Answer,
    Facts,
    Intent,
    ProductFacts,
    RuleAnswer,
    RuleKind,
    VariantFact,
    worth_asking_staff,
)
from bot.domain.shipping import ShippingTable
from bot.ports import HandOff, LanguageDetector, LanguageModel, Metrics, UnitOfWork, UnitOfWorkFactory
from bot.services.model_answers import ModelAnswers
from bot.services.pricing import Pricing

log = logging.getLogger(__name__)
# Words the deterministic answer for a `RuleAnswer` in `RuleAnswer.facts.language` (handlers/views/questions.py).
RuleRenderer = Callable[[RuleAnswer], str]
# The payment methods a buyer in `country` paying in `currency` is offered ("card", "ideal"...).
PaymentMethods = Callable[[str | None, str], Sequence[str]]
# The language detector must be this sure of a language other than the buyer's (QUESTION_CONFIDENCE).
DEFAULT_CONFIDENCE = 0.3
CHECK_EVERY_SECONDS = 2.0
# At most this many products are offered as "which one?" buttons.
MAX_CHOICES = 6


@dataclass(frozen=True, slots=True)
class Reading:
    """What `ask` made of a question before looking anything up."""

    language: str
    intent: Intent
    country: str | None
    named: tuple[int, ...]  # products the question names itself
    by_code: bool


class QuestionService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        pricing: Pricing,
        *,
        languages: Sequence[str],
        render: RuleRenderer,
        shipping: ShippingTable | None = None,
        payment_methods: PaymentMethods | None = None,
        model: LanguageModel | None = None,
        model_timeout: float = 8.0,
        detector: LanguageDetector | None = None,
        confidence: float = DEFAULT_CONFIDENCE,
        default_language: str = "en",
        check_every: float = CHECK_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        hand_off: HandOff | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.uow = uow
        self.pricing = pricing
        self.languages = tuple(languages)
        self.render = render
        self.shipping = shipping or ShippingTable({})
        self.payment_methods = payment_methods or (lambda country, currency: ("card",))
        self.model = model
        self.model_timeout = model_timeout
        self.detector = detector
        self.confidence = confidence
        self.default_language = default_language if default_language in self.languages else self.languages[0]
        self.check_every = check_every
        self.clock = clock
        self._names: ProductNames | None = None
        self._version: int | None = None
        self._next_check = 0.0
        self._loading = asyncio.Lock()
        # The model's branch: one request a question, its reply checked; None without a model (docs/llm.md).
        detect = detector.detect if detector is not None else None
        self.model_answers = ModelAnswers(model, model_timeout, detect, metrics) if model is not None else None
        # Questions neither the rules nor the model answer go to the shop's staff (bot/services/handoff.py).
        self.hand_off = hand_off

    async def ask(
        self,
        buyer_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        in_group: bool = False,
        replying: bool = False,
    ) -> Answer | None:
        """The answer to a buyer's question; None when it is not one the bot should answer: in a group, a message
        that names no catalogue product and does not reply to the bot (`replying`) is chatter."""
        names = await self.names()
        async with self.uow() as uow:
            buyer = await uow.buyers.get(buyer_id)
            reading = self.read(text, names, self._language_of(buyer))
            if in_group and not replying and not _question_about_products(reading, text):
                return None
            # The live stream and the last card viewed are read only when the question does not settle it alone.
            featured: list[int] = []
            last = None
            if not reading.by_code and len(reading.named) != 1 and reading.intent is not Intent.PAYMENT_METHODS:
                stream = await uow.streams.live(chat_id if in_group else None)
                featured = [pid for code in (stream.product_codes if stream else ()) if (pid := names.id_of(code))]
                last = await uow.buyers.last_product(buyer_id)
            chosen, which = _about(reading, featured, last)
            if which:
                facts = await self._facts(uow, buyer, reading, which[:MAX_CHOICES], text)
                return self._which(facts)
            facts = await self._facts(uow, buyer, reading, chosen, text)
        answer = await self.answer(facts)
        if not in_group and self.hand_off is not None and self._for_staff(facts):
            if not await self.hand_off.hand_off(buyer_id, text, facts.language):
                return answer
            handed = self.render(RuleAnswer(RuleKind.HANDED_OFF, facts))
            return Answer(handed, facts.language, (), "rules", handed_off=True, facts=facts)
        return answer

    def _for_staff(self, facts: Facts) -> bool:
        """A question about no product the bot knows, that the rules can only answer with help: a person will."""
        unanswered = not facts.products and facts.intent is Intent.UNKNOWN
        return unanswered and worth_asking_staff(facts.question)

    async def choose(self, buyer_id: int, product_id: int, text: str) -> Answer:
        """The answer once the buyer tapped one of `Answer.ask_which` (`text` is the question they asked); the
        product becomes the one they last viewed."""
        names = await self.names()
        async with self.uow() as uow:
            buyer = await uow.buyers.get(buyer_id)
            reading = self.read(text, names, self._language_of(buyer))
            facts = await self._facts(uow, buyer, reading, [product_id], text)
            if facts.products:
                await uow.buyers.set_last_product(buyer_id, product_id)
                await uow.commit()
        return await self.answer(facts)

    async def answer(self, facts: Facts) -> Answer:
        """The answer from the facts: the model's when one is set and its reply holds up, else the rules'."""
        if self.model_answers is not None and (facts.products or facts.intent is Intent.PAYMENT_METHODS):
            text = await self.model_answers.reply(facts)
            if text is not None:
                ids = tuple(product.product_id for product in facts.products)
                return Answer(html.escape(text, quote=False), facts.language, ids, "model", facts=facts)
        return self.rules_answer(facts)

    @property
    def model_requests(self) -> int:
        """Questions sent to the language model (each one request)."""
        return self.model_answers.requests if self.model_answers is not None else 0

    @property
    def model_fallbacks(self) -> int:
        """Of those, how many got the deterministic answer instead (timeout, error, or a reply that failed the
        check)."""
        return self.model_answers.fallbacks if self.model_answers is not None else 0

    def rules_answer(self, facts: Facts) -> Answer:
        """The deterministic answer: it only words the facts, so it is never wrong about a price or stock."""
        if facts.products or facts.intent is Intent.PAYMENT_METHODS:
            kind = RuleKind.FACTS
        elif facts.intent is Intent.UNKNOWN:
            kind = RuleKind.HAND_OFF  # where a hand-off to a human goes (docs/questions.md)
        else:
            kind = RuleKind.NO_PRODUCT
        ids = tuple(product.product_id for product in facts.products)
        return Answer(self.render(RuleAnswer(kind, facts)), facts.language, ids, "rules", facts=facts)

    def _which(self, facts: Facts) -> Answer:
        choices = tuple((product.product_id, f"{product.code} · {product.title}") for product in facts.products)
        text = self.render(RuleAnswer(RuleKind.WHICH, facts))
        return Answer(text, facts.language, (), "rules", ask_which=choices, facts=facts)

    def read(self, text: str, names: ProductNames, buyer_language: str) -> Reading:
        """Language, intent, country and the products named, from the text alone (no database)."""
        own_words = without_catalogue_words(text, names)
        ranked = self.detector.detect(own_words) if self.detector is not None else ()
        language = choose_language(ranked, buyer_language, self.confidence, self.languages)
        countries = countries_named_in(own_words, self.languages)
        intent = read_intent(own_words, language, country_named=bool(countries))
        match = names.find(text)
        named = match.product_ids if match else ()
        if intent is Intent.UNKNOWN and named:
            # "Is the leather card holder really leather?": the cue is a word of the product's name. Read with the
            # name, the question is about the product (the `card` of "card holder" asks nothing about payment).
            intent = read_intent(text, language, excluded=frozenset({Intent.PAYMENT_METHODS}))
        return Reading(language, intent, countries[0] if countries else None, named, bool(match and match.by_code))

    async def names(self) -> ProductNames:
        """The catalogue's names, loaded on first use and again when an import moved the catalogue's version."""
        if self._names is not None and self.clock() < self._next_check:
            return self._names
        async with self._loading:
            if self._names is not None and self.clock() < self._next_check:
                return self._names
            async with self.uow() as uow:
                version = await uow.catalogue.version()
                if self._names is None or version != self._version:
                    self._names = ProductNames(await uow.catalogue.named_products())
                    self._version = version
            self._next_check = self.clock() + self.check_every
            return self._names

    def _language_of(self, buyer: Buyer | None) -> str:
        if buyer is not None and buyer.language in self.languages:
            return buyer.language
        return self.default_language

    async def _facts(
        self, uow: UnitOfWork, buyer: Buyer | None, reading: Reading, product_ids: Sequence[int], question: str
    ) -> Facts:
        rates = await self.pricing.rates()
        currency = self.pricing.currency_for(buyer, rates)
        country = reading.country or (buyer.country or buyer.region if buyer is not None else None)
        products = []
        for product_id in product_ids:
            product = await uow.catalogue.get(product_id)
            if product is not None:
                products.append(self._product_facts(product, reading.language, rates, currency, country))
        methods = tuple(self.payment_methods(country, currency))
        return Facts(reading.language, reading.intent, tuple(products), methods, question)

    def _product_facts(
        self, product: Product, language: str, rates: Rates, currency: str, country: str | None
    ) -> ProductFacts:
        prices = [self._in(currency, sku.price, rates) for sku in product.skus]
        variants = tuple(
            VariantFact(sku.variant_in(language), not sku.sold_out, max(sku.stock, 0), price, sku.id)
            for sku, price in zip(product.skus, prices, strict=True)
        )
        ships = fee = None
        if country is not None:
            shop_fee = self.shipping.fee_for(country)
            ships = shop_fee is not None and product.ships_to_country(country)
            fee = self._in(currency, shop_fee, rates) if ships and shop_fee is not None else None
        cheapest = min(prices, key=lambda money: money.amount_minor) if prices else Money(0, currency)
        return ProductFacts(
            product_id=product.id,
            code=product.code,
            title=product.title_in(language) if language in product.translations else product.title_in(_base(language)),
            description=product.description_in(language)
            if language in product.translations
            else product.description_in(_base(language)),
            price=cheapest,
            variants=variants,
            ships_to_country=ships,
            shipping_fee=fee,
            country=country,
        )

    def _in(self, currency: str, price: Money, rates: Rates) -> Money:
        """A price in the buyer's currency the way their cart shows it; as it is when the rates lack its currency."""
        try:
            return display_price(price, rates, self.pricing.shop_currency, currency)
        except UnknownRate:
            return price


def _about(reading: Reading, featured: Sequence[int], last: int | None) -> tuple[list[int], list[int]]:
    """(the products the answer is about, the products to ask "which one?" about): what the question names (every
    code it names; a title that fits several narrowed to the one the live stream features or the buyer saw last),
    else the live stream's featured products (the one the buyer saw last among them, or the only one), else the
    product the buyer saw last."""
    named = list(reading.named)
    if named:
        if reading.by_code or len(named) == 1:
            return named, []
        for preferred in ([pid for pid in named if pid in featured], [pid for pid in named if pid == last]):
            if len(preferred) == 1:
                return preferred, []
        return [], named
    if reading.intent is Intent.PAYMENT_METHODS:
        return [], []
    if featured:
        if last is not None and last in featured:
            return [last], []
        return (list(featured), []) if len(featured) == 1 else ([], list(featured))
    return ([last] if last is not None else []), []


def _question_about_products(reading: Reading, text: str) -> bool:
    """In a group: a message naming a product, and asking something about it (`mug is nice` is chatter)."""
    return bool(reading.named) and (reading.intent is not Intent.UNKNOWN or "?" in text or "？" in text)


def _base(language: str) -> str:
    return language.replace("_", "-").split("-")[0]


__all__ = ["DEFAULT_CONFIDENCE", "PaymentMethods", "QuestionService", "Reading", "RuleRenderer"]
