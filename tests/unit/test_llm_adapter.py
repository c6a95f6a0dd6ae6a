"""The OpenAI-compatible adapter: the facts go in the prompt as the buyer sees them, one call is one request, and
every failure is ModelUnavailable."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from bot.adapters.llm import FACTS_END, FACTS_START, OpenAIModel
from bot.domain.countries import country_name
from bot.domain.money import Money
from bot.domain.questions import Facts, Intent, ModelUnavailable, ProductFacts, VariantFact
from tests.openai_server import API_KEY, MODEL, Mode, fake_model

SHIRT = ProductFacts(
    product_id=7,
    code="A10",
    title="Camiseta de algodón",
    description="Algodón orgánico.",
    price=Money(123450, "EUR"),
    variants=(VariantFact("M", True, 3), VariantFact("L", False, None)),
    ships_to_country=True,
    shipping_fee=Money(990, "EUR"),
    country="DE",
)
FACTS = Facts(
    language="es", intent=Intent.PRICE, products=(SHIRT,), payment_methods=("card",), question="¿Cuánto cuesta?"
)


def model_at(base_url: str, timeout: float = 5.0) -> OpenAIModel:
    return OpenAIModel(API_KEY, MODEL, base_url=base_url, timeout=timeout, shop_name="Tienda")


async def test_the_prompt_holds_the_facts_as_the_buyer_sees_them_and_the_question_as_asked() -> None:
    async with fake_model() as server:
        model = model_at(server.base_url)
        reply = await model.answer(FACTS, "es")
        await model.close()
    [request] = server.requests
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    assert user == "¿Cuánto cuesta?"
    assert "Spanish" in system and "(language code es)" in system
    document = json.loads(system.split(FACTS_START, 1)[1].split(FACTS_END, 1)[0])
    [product] = document["products"]
    # Prices formatted for the buyer's locale, so the model copies rather than converts.
    assert product["price"] == Money(123450, "EUR").format("es")
    assert product["shipping_fee"] == Money(990, "EUR").format("es")
    assert product["variants"] == [{"name": "M", "in_stock": True, "units_left": 3}, {"name": "L", "in_stock": False}]
    assert product["ships_there"] is True and product["destination_country"] == country_name("DE", "es")
    assert document["payment_methods"] == ["card"]
    assert request["model"] == MODEL
    assert product["price"] in reply


@pytest.mark.parametrize("mode", [Mode.ERROR, Mode.GARBAGE, Mode.BROKEN_JSON, Mode.EMPTY])
async def test_a_failed_request_is_model_unavailable_after_exactly_one_request(mode: Mode) -> None:
    async with fake_model(mode) as server:
        model = model_at(server.base_url)
        with pytest.raises(ModelUnavailable):
            await model.answer(FACTS, "es")
        with pytest.raises(ModelUnavailable):
            await model.translate("Hola", "es", "de")
        await model.close()
    assert len(server.requests) == 2


async def test_a_model_that_does_not_answer_is_given_up_after_the_timeout_without_a_retry() -> None:
    async with fake_model(Mode.HANG) as server:
        model = model_at(server.base_url, timeout=1.0)
        started = time.monotonic()
        with pytest.raises(ModelUnavailable):
            await model.answer(FACTS, "es")
        assert time.monotonic() - started < 3
        await model.close()
        assert len(server.requests) == 1


async def test_a_refused_key_is_model_unavailable() -> None:
    async with fake_model() as server:
        model = OpenAIModel("sk-wrong", MODEL, base_url=server.base_url, timeout=5)
        with pytest.raises(ModelUnavailable):
            await model.answer(FACTS, "es")
        await model.close()
    assert len(server.requests) == 1


async def test_a_server_nobody_listens_on_is_model_unavailable() -> None:
    async with fake_model() as server:
        url = server.base_url
    model = model_at(url, timeout=2)
    with pytest.raises(ModelUnavailable):
        await asyncio.wait_for(model.answer(FACTS, "es"), 5)
    await model.close()


async def test_a_translation_is_one_request_naming_both_languages() -> None:
    async with fake_model() as server:
        server.translations[("Hola a todos", "de")] = "Hallo zusammen"
        model = model_at(server.base_url)
        assert await model.translate("Hola a todos", "es", "de") == "Hallo zusammen"
        assert await model.translate("Hola", "es", "fr") == "«fr» Hola"
        await model.close()
    assert len(server.translation_requests()) == 2
    assert "Spanish" in server.requests[0]["messages"][0]["content"]
    assert "German" in server.requests[0]["messages"][0]["content"]
