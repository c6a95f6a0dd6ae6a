"""/healthz and /metrics: each component's state within two seconds whatever hangs; updates counted and timed under
their handler's name, flood-control skips, payment webhooks; the database's gauges read at most once per cache
period; several worker processes summed on one page (PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import cast

from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.adapters.metrics import PrometheusMetrics
from bot.adapters.web import make_web_app
from bot.domain.flood import FloodLimit
from bot.domain.money import Money
from bot.domain.questions import Facts, Intent, ModelUnavailable, ProductFacts, VariantFact
from bot.services.flood import MemoryFloodGate
from bot.services.model_answers import ModelAnswers
from bot.services.payments import PaymentService
from tests.unit.chat import make_chat

ROOT = Path(__file__).resolve().parents[2]


def samples(page: bytes) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus text page, by name and labels (parsed with prometheus_client's own parser)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(page.decode())
        for sample in family.samples
    }


def value(page: bytes, name: str, **labels: str) -> float:
    return samples(page).get((name, frozenset(labels.items())), 0.0)


async def test_healthz_names_each_component_and_what_is_down_within_two_seconds() -> None:
    async def fine() -> None:
        pass

    async def refused() -> None:
        raise ConnectionRefusedError("Connect call failed ('127.0.0.1', 1)")

    async def hangs() -> None:
        await asyncio.Event().wait()

    def app(**checks: object) -> TestServer:
        return TestServer(make_web_app(cast(PaymentService, None), None, "secret", health=checks))  # type: ignore[arg-type]

    async with TestClient(app(database=fine, redis=fine)) as client:
        answer = await client.get("/healthz")
        assert answer.status == 200
        assert await answer.json() == {"status": "ok", "down": [], "components": {"database": "ok", "redis": "ok"}}

    async with TestClient(app(database=hangs, redis=refused)) as client:
        began = time.monotonic()
        answer = await client.get("/healthz")
        took = time.monotonic() - began
        body = await answer.json()
    assert answer.status == 503 and took < 2.0
    assert body["status"] == "down" and sorted(body["down"]) == ["database", "redis"]
    assert body["components"] == {"database": "timeout", "redis": "error: ConnectionRefusedError"}


async def test_updates_are_counted_and_timed_under_their_handlers_name() -> None:
    metrics = PrometheusMetrics()
    chat = make_chat(metrics=metrics)
    anna = chat.chats.user(501)
    await chat.say(anna, "/start")
    await chat.say(anna, "/start")
    await chat.say(anna, "/help")
    page, content_type = await metrics.exposition()
    assert content_type.startswith("text/plain")
    assert value(page, "livesell_updates_total", handler="start.start", outcome="ok") == 2
    assert value(page, "livesell_update_seconds_count", handler="start.start") == 2
    assert sum(v for (name, _), v in samples(page).items() if name == "livesell_updates_total") == 3


async def test_flood_control_skips_are_counted_and_their_updates_named_so() -> None:
    metrics = PrometheusMetrics()
    chat = make_chat(flood=MemoryFloodGate(FloodLimit(rate=0.001, burst=2)), metrics=metrics)
    anna = chat.chats.user(501)
    for _ in range(5):
        await chat.say(anna, "/help")
    page, _ = await metrics.exposition()
    assert value(page, "livesell_flood_skipped_total") == 3
    assert value(page, "livesell_updates_total", handler="flood_control", outcome="ok") == 3


class CountingGauges:
    def __init__(self, hang: bool = False) -> None:
        self.reads = 0
        self.hang = hang

    async def orders_by_status(self) -> Mapping[str, int]:
        self.reads += 1
        if self.hang:
            await asyncio.Event().wait()
        return {"paid": 3, "cart": 1}

    async def pending_sends(self) -> int:
        return 250


async def test_the_databases_gauges_are_read_once_per_cache_period_and_never_hold_the_page() -> None:
    now = [100.0]
    gauges = CountingGauges()
    metrics = PrometheusMetrics(gauges, cache_seconds=5, clock=lambda: now[0])
    page, _ = await metrics.exposition()
    assert value(page, "livesell_orders", status="paid") == 3
    assert value(page, "livesell_orders", status="refunded") == 0  # every status, so a graph has no gaps
    assert value(page, "livesell_broadcast_pending_sends") == 250
    await asyncio.gather(metrics.exposition(), metrics.exposition())
    assert gauges.reads == 1
    now[0] += 5
    await metrics.exposition()
    assert gauges.reads == 2

    stuck = PrometheusMetrics(CountingGauges(hang=True), read_timeout=0.2)
    began = time.monotonic()
    page, _ = await stuck.exposition()
    assert time.monotonic() - began < 1 and b"livesell_updates" in page


WORKER = """
import sys
from bot.adapters.metrics import PrometheusMetrics
metrics = PrometheusMetrics(multiprocess_dir=sys.argv[1])
for _ in range(int(sys.argv[2])):
    metrics.update_handled("keyword.order", "ok", 0.01)
metrics.payment_webhook("sandbox", "paid")
"""


def test_with_a_multiprocess_directory_any_workers_page_sums_every_worker(tmp_path: Path) -> None:
    # Two worker processes, as `livesell run --workers 2` starts them: the directory in their environment.
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(tmp_path), str(n)], env=env, cwd=ROOT) for n in (2, 3)
    ]
    assert [worker.wait(timeout=60) for worker in workers] == [0, 0]
    page, _ = asyncio.run(PrometheusMetrics(multiprocess_dir=str(tmp_path)).exposition())
    assert value(page, "livesell_updates_total", handler="keyword.order", outcome="ok") == 5
    assert value(page, "livesell_update_seconds_count", handler="keyword.order") == 5
    assert value(page, "livesell_payment_webhooks_total", provider="sandbox", outcome="paid") == 2


class Model:
    """A language model that fails as told: "down" (an HTTP error), "hangs", or "wrong" (a reply with a wrong price)."""

    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour

    async def answer(self, facts: Facts, language: str) -> str:
        if self.behaviour == "down":
            raise ModelUnavailable("503 from the model's server")
        if self.behaviour == "hangs":
            await asyncio.Event().wait()
        return "The A10 shirt costs 1.00 EUR."

    async def translate(self, text: str, source: str, target: str) -> str:
        return text


async def test_model_requests_and_each_kind_of_fallback_are_counted() -> None:
    metrics = PrometheusMetrics()
    product = ProductFacts(
        product_id=1,
        code="A10",
        title="shirt",
        description="",
        price=Money(3900, "EUR"),
        variants=(VariantFact("M", True, 3),),
        ships_to_country=True,
        shipping_fee=Money(990, "EUR"),
        country="DE",
    )
    facts = Facts("en", Intent.PRICE, (product,), ("card",), question="How much is the A10 shirt?")
    for behaviour in ("down", "hangs", "wrong"):
        assert await ModelAnswers(Model(behaviour), 0.05, metrics=metrics).reply(facts) is None
    page, _ = await metrics.exposition()
    assert value(page, "livesell_llm_requests_total", purpose="question") == 3
    for reason in ("unavailable", "timeout", "refused"):
        assert value(page, "livesell_llm_fallbacks_total", purpose="question", reason=reason) == 1
