"""Every labelled question (tests/data/questions.json: over 100 in 13 languages over the demo catalogue) through the
real question service on a real database: the reply is in the asker's language, about the right products, with every
price, sold-out variant and shipping answer right (bench/question_set.py checks each)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bench.answers import measure
from bench.question_set import load_cases, problems, question_shop

MIN_QUESTIONS = 80
MIN_LANGUAGES = 8


def test_the_labelled_set_covers_enough_questions_and_languages() -> None:
    cases = load_cases()
    languages = Counter(case.expect["language"] for case in cases)
    assert len(cases) >= MIN_QUESTIONS
    assert len(languages) >= MIN_LANGUAGES
    hard = [case for case in cases if case.note]
    assert hard  # Latin titles in other scripts, typos, lower-case codes, questions naming no product


@pytest.mark.timeout(300)
async def test_every_labelled_question_gets_a_right_answer_in_the_askers_language(tmp_path: Path) -> None:
    wrong = {}
    async with question_shop(f"sqlite+aiosqlite:///{tmp_path / 'questions.db'}") as shop:
        for case in load_cases():
            await shop.prepare(case)
            found = await problems(shop, case, await shop.ask(case))
            if found:
                wrong[case.question] = found
    assert wrong == {}


@pytest.mark.timeout(300)
async def test_the_answers_benchmark_runs(tmp_path: Path) -> None:
    """A tiny run of bench/answers.py, so that it cannot rot: every answer right, and figures it can print."""
    result = await measure(f"sqlite+aiosqlite:///{tmp_path / 'bench.db'}", rounds=1)
    assert result.right_share == 1.0
    assert result.answers > 0 and result.p50_ms > 0 and result.baseline_p50_ms > 0
