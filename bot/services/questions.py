"""Product questions in the buyer's own words: which language, which products, what is asked, and the answer.

`ask` detects the language (bot/domain/question_language.py), finds the products (codes, fuzzy titles, the live
stream's featured products, the product the buyer saw last), reads the intent, gathers the facts from the database
and answers: a language model when one is set (exactly one request; its reply checked against the facts), else or on
any failure the deterministic answer rendered by handlers/views/questions.py. Prices and stock only ever come from
the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from bot.domain.questions import Answer, Facts, Intent, ProductFacts, RuleAnswer, RuleKind
from bot.domain.shipping import ShippingTable
from bot.ports import LanguageDetector, LanguageModel, UnitOfWorkFactory
from bot.services.model_answers import ModelAnswers
from bot.services.pricing import Pricing

log = logging.getLogger(__name__)
# Words the deterministic answer for `RuleAnswer`, in `RuleAnswer.facts.language` (handlers/views/questions.py).
RuleRenderer = Callable[[RuleAnswer], str]
DEFAULT_CONFIDENCE = 0.5


class QuestionService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        pricing: Pricing,
        *,
        languages: Sequence[str],
        render: RuleRenderer,
        shipping: ShippingTable | None = None,
        payment_methods: Sequence[str] = (),
        model: LanguageModel | None = None,
        model_timeout: float = 8.0,
        detector: LanguageDetector | None = None,
        confidence: float = DEFAULT_CONFIDENCE,
        default_language: str = "en",
    ) -> None:
        self.uow = uow
        self.pricing = pricing
        self.languages = tuple(languages)
        self.render = render
        self.shipping = shipping
        self.payment_methods = tuple(payment_methods)
        self.model = model
        self.model_timeout = model_timeout
        self.detector = detector
        self.confidence = confidence
        self.default_language = default_language
        # The model's branch: one request a question, its reply checked; None without a model (docs/llm.md).
        detect = self._ranking if detector is not None else None
        self.model_answers = ModelAnswers(model, model_timeout, detect) if model is not None else None

    async def ask(
        self, buyer_id: int, text: str, *, chat_id: int | None = None, in_group: bool = False
    ) -> Answer | None:
        """The answer to a buyer's question; None when it is not one the bot should answer (group chatter)."""
        language = await self._buyer_language(buyer_id)
        facts = Facts(language=language, intent=Intent.UNKNOWN, products=(), payment_methods=(), question=text)
        if in_group:
            return None
        return await self.answer(facts)

    async def choose(self, buyer_id: int, product_id: int, text: str) -> Answer:
        """The answer once the buyer tapped one of `Answer.ask_which`: `text` is the question they asked."""
        language = await self._buyer_language(buyer_id)
        facts = Facts(language=language, intent=Intent.UNKNOWN, products=(), payment_methods=(), question=text)
        return await self.answer(facts)

    async def answer(self, facts: Facts) -> Answer:
        """The answer from the facts: the model's when one is set and its reply holds up, else the rules'."""
        if self.model_answers is not None and (facts.products or facts.intent is Intent.PAYMENT_METHODS):
            text = await self.model_answers.reply(facts)
            if text is not None:
                ids = tuple(product.product_id for product in facts.products)
                return Answer(text, facts.language, ids, "model")
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

    def _ranking(self, text: str) -> list[tuple[str, float]]:
        found = self.detector.detect(text) if self.detector is not None else None
        return [found] if found else []

    def rules_answer(self, facts: Facts) -> Answer:
        """The deterministic answer, never wrong about a price or stock: it only words the facts."""
        kind = RuleKind.FACTS if facts.products else RuleKind.NO_PRODUCT
        if facts.intent is Intent.PAYMENT_METHODS:
            kind = RuleKind.FACTS
        return self._rendered(RuleAnswer(kind, facts))

    def _rendered(self, rule: RuleAnswer, ask_which: tuple[tuple[int, str], ...] = ()) -> Answer:
        ids = tuple(product.product_id for product in rule.facts.products)
        return Answer(self.render(rule), rule.facts.language, ids, "rules", ask_which=ask_which)

    async def _buyer_language(self, buyer_id: int) -> str:
        async with self.uow() as uow:
            buyer = await uow.buyers.get(buyer_id)
        if buyer is not None and buyer.language in self.languages:
            return buyer.language
        return self.default_language


__all__ = ["DEFAULT_CONFIDENCE", "ProductFacts", "QuestionService", "RuleRenderer"]
