"""The question service's model branch against an OpenAI-compatible server on loopback: whatever the model does, the
buyer gets a right answer in their language, after exactly one model request and never after the time limit."""

from __future__ import annotations

import html
import time
from collections.abc import AsyncIterator

import pytest

from bot.adapters.llm import OpenAIModel
from bot.domain.answer_check import acceptable
from bot.domain.money import Money
from bot.domain.questions import Facts, Intent, ProductFacts, RuleAnswer, VariantFact
from bot.services.pricing import Pricing
from bot.services.questions import QuestionService
from tests.openai_server import API_KEY, MODEL, FakeModel, Mode, fake_model
from tests.unit.fakes import FakeShop

# Long enough for a request to reach the server on a busy machine; only the hanging model makes a test wait it.
TIMEOUT = 2.0


def shirt(language: str, title: str, currency: str = "EUR", amount: int = 3900) -> ProductFacts:
    return ProductFacts(
        product_id=1,
        code="A10",
        title=title,
        description="",
        price=Money(amount, currency),
        variants=(VariantFact("M", True, 3), VariantFact("L", False, 0)),
        ships_to_country=True,
        shipping_fee=Money(990 if currency == "EUR" else 1200, currency),
        country="DE",
    )


QUESTIONS = [
    ("es", "¿Cuánto cuesta la camiseta A10?", Intent.PRICE, "camiseta"),
    ("en", "How much is the A10 T-shirt?", Intent.PRICE, "T-shirt"),
    ("de", "Ist das T-Shirt A10 in M noch da?", Intent.AVAILABILITY, "T-Shirt"),
    ("fr", "Livrez-vous le t-shirt A10 en Allemagne ?", Intent.SHIPPING, "t-shirt"),
    ("ru", "Есть ли футболка A10 размера M?", Intent.AVAILABILITY, "футболка"),
    ("zh", "A10这件T恤多少钱？", Intent.PRICE, "T恤"),
    ("it", "Quanto costa la maglietta A10?", Intent.PRICE, "maglietta"),
    ("pt", "Vocês enviam a camiseta A10 para a Alemanha?", Intent.SHIPPING, "camiseta"),
]


def facts_for(language: str, question: str, intent: Intent, title: str) -> Facts:
    return Facts(
        language=language,
        intent=intent,
        products=(shirt(language, title),),
        payment_methods=("card",),
        question=question,
    )


def rules(rule: RuleAnswer) -> str:
    return f"rules:{rule.kind}:{rule.facts.language}"


@pytest.fixture
async def server() -> AsyncIterator[FakeModel]:
    async with fake_model() as model:
        yield model


@pytest.fixture
async def questions(server: FakeModel) -> AsyncIterator[QuestionService]:
    model = OpenAIModel(API_KEY, MODEL, base_url=server.base_url, timeout=TIMEOUT)
    yield QuestionService(
        FakeShop(),  # type: ignore[arg-type]
        Pricing(rates_source=None, shop_currency="EUR"),  # type: ignore[arg-type]
        languages=["en", "de", "fr", "es", "it", "pt", "ru", "zh"],
        render=rules,
        model=model,
        model_timeout=TIMEOUT,
    )
    await model.close()


@pytest.mark.parametrize(("language", "question", "intent", "title"), QUESTIONS)
async def test_a_good_model_answers_in_the_askers_language_with_the_facts(
    server: FakeModel, questions: QuestionService, language: str, question: str, intent: Intent, title: str
) -> None:
    facts = facts_for(language, question, intent, title)
    answer = await questions.answer(facts)
    assert answer.source == "model" and answer.language == language
    assert acceptable(html.unescape(answer.text), facts)
    if intent is Intent.PRICE:
        assert Money(3900, "EUR").format(language) in answer.text
    assert len(server.answers()) == 1
    assert (questions.model_requests, questions.model_fallbacks) == (1, 0)


@pytest.mark.parametrize(
    "mode", [Mode.LYING, Mode.WRONG_LANGUAGE, Mode.HANG, Mode.ERROR, Mode.GARBAGE, Mode.BROKEN_JSON, Mode.EMPTY]
)
@pytest.mark.parametrize(("language", "question", "intent", "title"), QUESTIONS)
async def test_a_bad_model_gives_the_deterministic_answer_after_one_request(
    server: FakeModel, questions: QuestionService, mode: Mode, language: str, question: str, intent: Intent, title: str
) -> None:
    server.mode = mode
    facts = facts_for(language, question, intent, title)
    started = time.monotonic()
    answer = await questions.answer(facts)
    assert time.monotonic() - started < TIMEOUT + 1
    assert answer == questions.rules_answer(facts)
    assert answer.text == f"rules:facts:{language}"
    assert len(server.requests) == 1
    assert (questions.model_requests, questions.model_fallbacks) == (1, 1)


async def test_without_a_model_nothing_is_asked(server: FakeModel) -> None:
    questions = QuestionService(
        FakeShop(),  # type: ignore[arg-type]
        Pricing(rates_source=None, shop_currency="EUR"),  # type: ignore[arg-type]
        languages=["en", "es"],
        render=rules,
    )
    facts = facts_for(*QUESTIONS[0])
    assert (await questions.answer(facts)).source == "rules"
    assert server.requests == [] and questions.model_requests == 0
