"""Every labelled question (tests/data/questions.json) with a language model behind the question service, through an
OpenAI-compatible server on loopback: a model that answers well, one that invents prices and stock, one that answers
in the wrong language, one that never answers, one that fails with HTTP 500 and one whose body is not JSON. Each
question gets a right answer in the asker's language (bench/question_set.py checks every fact), after exactly one
model request when it has facts to answer from."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bench.question_set import load_cases, problems, question_shop
from bot.adapters.llm import OpenAIModel
from bot.domain.questions import Intent
from bot.services.questions import QuestionService
from tests.openai_server import API_KEY, MODEL, Mode, fake_model

# How long the service waits for the model. A model that never answers (HANG) is waited for this long on every
# question, so it is short for that one; the others answer at once, and a long wait keeps a busy machine (a request
# not even sent within a short one) from reading as "0 model requests".
TIMEOUT = 5.0
HANG_TIMEOUT = 0.6


@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    "mode", [Mode.GOOD, Mode.LYING, Mode.WRONG_LANGUAGE, Mode.HANG, Mode.ERROR, Mode.GARBAGE, Mode.BROKEN_JSON]
)
async def test_every_labelled_question_is_answered_right_after_one_model_request(tmp_path: Path, mode: Mode) -> None:
    wrong: dict[str, list[str]] = {}
    sources = set()
    async with fake_model(mode) as server, question_shop(f"sqlite+aiosqlite:///{tmp_path / 'q.db'}") as shop:
        timeout = HANG_TIMEOUT if mode is Mode.HANG else TIMEOUT
        model = OpenAIModel(API_KEY, MODEL, base_url=server.base_url, timeout=timeout)
        rules = shop.service
        service = QuestionService(
            rules.uow,
            rules.pricing,
            languages=rules.languages,
            render=rules.render,
            shipping=rules.shipping,
            detector=rules.detector,
            check_every=3600,
            model=model,
            model_timeout=timeout,
        )
        shop = dataclasses.replace(shop, service=service)
        try:
            for case in load_cases():
                await shop.prepare(case)
                before = len(server.requests)
                answer = await shop.ask(case)
                asked = len(server.requests) - before
                found = await problems(shop, case, answer)
                assert answer is not None and answer.facts is not None
                modelled = answer.facts.products or answer.facts.intent is Intent.PAYMENT_METHODS
                expected = 1 if modelled and not answer.ask_which else 0
                if asked != expected and not answer.ask_which:
                    found.append(f"{asked} model requests")
                if found:
                    wrong[case.question] = found
                sources.add(answer.source)
        finally:
            await model.close()
    assert wrong == {}
    assert sources == ({"model", "rules"} if mode is Mode.GOOD else {"rules"})
    if mode is not Mode.GOOD:
        assert service.model_fallbacks == service.model_requests > 0
