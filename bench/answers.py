"""Deterministic answers to product questions: how fast, and how right.

Runs the labelled questions (tests/data/questions.json, 102 in 13 languages over the demo catalogue) through the
real question service on a fresh SQLite database (or PostgreSQL) holding the demo catalogue: answers per second and the
p50/p99 latency of one answer (language detection, product finding, the database reads, the rendering), next to a
baseline measured in the same run, the cost of showing a buyer a product card (the product read and priced for them,
and its card drawn), as a ratio. And the share of questions answered in the asker's language with every fact right
(bench/question_set.py checks each). Goals: p50 under 5 ms, 100% right.

    .venv/bin/python bench/answers.py [--rounds 5] [--postgres-url postgresql+asyncpg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository's root, for `bench.question_set`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.question_set import Case, QuestionShop, load_cases, problems, question_shop
from handlers.views.catalog import product_card_view

GOAL_P50_MS = 5.0


@dataclass(frozen=True)
class Result:
    answers: int
    seconds: float
    p50_ms: float
    p99_ms: float
    right_share: float
    baseline_p50_ms: float

    @property
    def per_second(self) -> float:
        return self.answers / self.seconds


async def measure(database_url: str, rounds: int = 5) -> Result:
    """Answer every labelled question `rounds` times (the first, untimed, warms the caches up)."""
    cases = load_cases()
    latencies: list[float] = []
    baseline: list[float] = []
    right = 0
    async with question_shop(database_url) as shop:
        for round_number in range(rounds + 1):
            for case in cases:
                await shop.prepare(case)
                started = time.perf_counter()
                answer = await shop.ask(case)
                elapsed = time.perf_counter() - started
                card = await _card_seconds(shop, case)
                if round_number == 0:
                    right += not await problems(shop, case, answer)
                    continue
                latencies.append(elapsed)
                baseline.append(card)
    return Result(
        answers=len(latencies),
        seconds=sum(latencies),
        p50_ms=statistics.median(latencies) * 1000,
        p99_ms=_percentile(latencies, 0.99) * 1000,
        right_share=right / len(cases),
        baseline_p50_ms=statistics.median(baseline) * 1000,
    )


async def _card_seconds(shop: QuestionShop, case: Case) -> float:
    """The baseline: a product card as a buyer sees it, read, priced for them and drawn in their language."""
    code = (case.expect.get("products") or case.expect.get("which") or ["A12"])[0]
    language = case.buyer["language"]
    started = time.perf_counter()
    product = await shop.catalogue.product(shop.products[code].id, case.buyer_id)
    with shop.i18n.context(), shop.i18n.use_locale(language):
        product_card_view(product, language)
    return time.perf_counter() - started


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(name: str, result: Result) -> None:
    print(
        f"{name}: {result.answers} answers, {result.per_second:,.0f}/s; p50 {result.p50_ms:.2f} ms, "
        f"p99 {result.p99_ms:.2f} ms (goal p50 < {GOAL_P50_MS:g} ms)"
    )
    print(
        f"{name}: baseline (a product card read, priced and drawn) p50 {result.baseline_p50_ms:.2f} ms; "
        f"an answer costs {result.p50_ms / result.baseline_p50_ms:.2f}x a card"
    )
    print(f"{name}: answered in the asker's language with every fact right: {result.right_share:.1%} (goal 100%)")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres-url", help="also measure on PostgreSQL (a throwaway database is created)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="livesell-bench-") as folder:
        report("sqlite", await measure(f"sqlite+aiosqlite:///{Path(folder) / 'answers.db'}", options.rounds))
    if options.postgres_url:
        from databases import fresh_database

        async with fresh_database(options.postgres_url, "answers") as url:
            report("postgresql", await measure(url, options.rounds))


if __name__ == "__main__":
    asyncio.run(main())
