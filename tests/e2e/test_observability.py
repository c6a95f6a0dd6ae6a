"""Observing the real bot process (docs/observability.md): /healthz says what is up and what is down, /metrics counts
what buyers and payment providers did, and with LOG_FORMAT=json every log line is a JSON object naming its update and
chat, with no token, phone number or address in it. (What /healthz says when Redis or the database is down:
tests/integration/test_healthz.py, on the same application without a second bot process.)"""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from sandbox.client import SandboxClient
from sandbox.server import DEFAULT_TOKEN
from tests.e2e.harness import SANDBOX_PAYMENT_SECRET, BotProcess
from tests.e2e.test_payments import placed_order

ADDRESS, PHONE = "1-1 Chiyoda, Tokyo 100-0001", "+81 3 1234 5678"  # what placed_order types


BOT_SETTINGS = {"LOG_FORMAT": "json"}  # conftest's module_bot and sandbox serve this module a bot of its own


async def scrape(bot: BotProcess) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """The bot's /metrics page, parsed by prometheus_client's own parser: each sample by name and labels."""
    async with aiohttp.ClientSession() as http, http.get(f"{bot.web_url}/metrics") as page:
        assert page.status == 200
        assert page.headers["Content-Type"].startswith("text/plain")
        text = await page.text()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def sample(page: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return page.get((name, frozenset(labels.items())), 0.0)


async def counted(bot: BotProcess, name: str, at_least: float, **labels: str) -> float:
    """The sample once it reaches `at_least` (or after 10 s). An update is counted as its handler returns, a moment
    after its reply reached the chat, and the count is seen only over HTTP: asked again until it shows."""
    deadline = time.monotonic() + 10
    while (value := sample(await scrape(bot), name, **labels)) < at_least and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    return value


async def test_healthz_says_the_database_is_up(module_bot: BotProcess) -> None:
    async with aiohttp.ClientSession() as http, http.get(f"{module_bot.web_url}/healthz") as health:
        assert health.status == 200
        assert await health.json() == {"status": "ok", "down": [], "components": {"database": "ok"}}


async def test_a_paid_order_shows_in_the_webhook_counter_and_the_orders_gauge(
    sandbox: SandboxClient, module_bot: BotProcess
) -> None:
    kenji = await sandbox.persona(first_name="Kenji", language_code="ja", country="JP")
    await kenji.send("/start")
    await kenji.wait_for_reply()
    _, pay = await placed_order(kenji)
    [[button]] = pay.keyboard
    async with aiohttp.ClientSession() as http, http.post(str(button["url"]), data={"action": "pay"}) as paid:
        assert paid.status == 200 and "data-status=paid" in await paid.text()

    # The page answers after the webhook it sent was settled; the gauges are read afresh on this first scrape.
    page = await scrape(module_bot)
    assert sample(page, "livesell_payment_webhooks_total", provider="sandbox", outcome="paid") == 1
    assert sample(page, "livesell_orders", status="paid") == 1
    assert sample(page, "livesell_orders", status="awaiting_payment") == 0
    assert sample(page, "livesell_update_seconds_count", handler="start.start") >= 1

    # A buyer's message: the update counter of the handler that took it goes up by one.
    before = sample(page, "livesell_updates_total", handler="catalog.show_catalogue", outcome="ok")
    await kenji.send("/catalog")
    await kenji.wait_for_reply()
    handler = "catalog.show_catalogue"
    assert await counted(module_bot, "livesell_updates_total", before + 1, handler=handler, outcome="ok") == before + 1


async def test_json_log_lines_name_update_and_chat_and_hold_no_token_phone_or_address(
    sandbox: SandboxClient, module_bot: BotProcess
) -> None:
    anna = await sandbox.persona(first_name="Anna", language_code="de")
    before = sample(await scrape(module_bot), "livesell_updates_total", handler="start.start", outcome="ok")
    await anna.send("/start")
    await anna.wait_for_reply()
    await counted(module_bot, "livesell_updates_total", before + 1, handler="start.start", outcome="ok")

    text = module_bot.log.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()]  # every line is one JSON object
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    annas = [line for line in lines if line.get("chat_id") == anna.id]
    assert annas and all(isinstance(line["update_id"], int) for line in annas)
    for secret in (DEFAULT_TOKEN, DEFAULT_TOKEN.split(":")[-1], SANDBOX_PAYMENT_SECRET, ADDRESS, PHONE):
        assert secret not in text
