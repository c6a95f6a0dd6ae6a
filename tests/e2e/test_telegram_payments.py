"""Telegram Payments with the real bot process (PAYMENT_PROVIDER=telegram) against its own sandbox: the Pay button
carries an invoice link made by createInvoiceLink, the buyer pays it through the control API (the sandbox sends the
pre-checkout query and, once the bot says ok, the successful payment), and the receipt arrives once however often the
payment is delivered; an order past its time is refused at the pre-checkout query."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from sandbox.client import ChatMessage, SandboxClient, SandboxPersona
from sandbox.server import SandboxServer, ShopLanguages, serve_in_thread
from tests.e2e.conftest import HERE, running_bot
from tests.e2e.harness import LANGUAGES, BotProcess
from tests.e2e.test_payments import answer, placed_order

TELEGRAM = {"PAYMENT_PROVIDER": "telegram", "TELEGRAM_PAYMENT_PROVIDER_TOKEN": "284685063:TEST:sandbox"}


@pytest.fixture(scope="module")
def telegram_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxServer, BotProcess, Path]]:
    """A sandbox and a bot of their own: the session's bot uses the sandbox provider."""
    folder = tmp_path_factory.mktemp("telegram")
    shutil.copy(HERE / "catalog.csv", folder / "catalog.csv")
    with (
        serve_in_thread(shop_languages=ShopLanguages(tuple(LANGUAGES.split()), "en")) as server,
        running_bot(server, folder, settings=TELEGRAM) as bot,
    ):
        yield server, bot, folder / "shop.db"


@pytest.fixture
async def client(telegram_shop: tuple[SandboxServer, BotProcess, Path]) -> AsyncIterator[SandboxClient]:
    server, bot, _ = telegram_shop
    async with SandboxClient(server.url) as sandbox:
        yield sandbox
    assert bot.alive(), f"the bot died during the test:\n{bot.log_tail()}"


async def ordered(client: SandboxClient, name: str) -> tuple[SandboxPersona, int, str, ChatMessage]:
    """A buyer in Japan who checked out one A10: them, the order's number, its total and the payment message."""
    buyer = await client.persona(first_name=name, language_code="ja", country="JP")
    await answer(buyer, "/start")
    placed, pay = await placed_order(buyer)
    found = re.search(r"#(\d+) \((¥[\d,]+)\) is awaiting payment", placed.body)
    assert found is not None, placed.body
    return buyer, int(found.group(1)), found.group(2), pay


async def test_a_buyer_pays_the_telegram_invoice_and_gets_one_receipt_however_often_it_is_delivered(
    client: SandboxClient,
) -> None:
    kenji, number, total, pay = await ordered(client, "Kenji")
    [[button]] = pay.keyboard
    assert button["text"] == f"Pay {total}"
    assert str(button["url"]).startswith("https://t.me/$")

    paid = await kenji.pay(str(button["url"]), deliveries=2)  # Telegram delivers the payment twice
    assert paid["ok"] is True, paid
    receipt = await kenji.wait_for_message(lambda message: "Payment received" in message.body)
    assert f"Order #{number} is paid." in receipt.body and f"Total: {total}" in receipt.body

    # Both deliveries were fetched before this command: by its answer, the second had been handled too.
    orders = await answer(kenji, "/orders")
    assert f"#{number}" in orders.body
    receipts = [message for message in await kenji.transcript() if "Payment received" in message.body]
    assert len(receipts) == 1


async def test_an_invoice_paid_after_its_order_expired_is_refused_at_pre_checkout(
    client: SandboxClient, telegram_shop: tuple[SandboxServer, BotProcess, Path]
) -> None:
    aiko, number, _total, pay = await ordered(client, "Aiko")
    [[button]] = pay.keyboard
    # The order was placed long ago: the bot's payment sweep expires it (no test waits thirty minutes).
    with sqlite3.connect(telegram_shop[2]) as db:
        db.execute("UPDATE orders SET placed_at = '2000' || substr(placed_at, 5) WHERE id = ?", (number,))
        db.execute(
            "UPDATE payment_attempt SET expires_at = '2000' || substr(expires_at, 5) WHERE order_id = ?", (number,)
        )
    expired = await aiko.wait_for_message(lambda message: "was not paid in time" in message.body, timeout=40)
    assert f"#{number}" in expired.body

    refused = await aiko.pay(str(button["url"]))
    assert refused["ok"] is False
    assert f"Order #{number} can no longer be paid" in refused["error_message"]
    assert not [message for message in await aiko.transcript() if "Payment received" in message.body]
