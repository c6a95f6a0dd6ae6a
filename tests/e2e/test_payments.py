"""Paying with the real bot process: a buyer in Japan checks out in yen, opens the sandbox payment page over HTTP,
presses Pay, and the receipt arrives in the chat; the webhook replayed changes nothing, a forged or stale one is
refused. (Japanese is not one of the shop's languages: the bot speaks English to them, and prices in JPY.)"""

from __future__ import annotations

import re
import time

import aiohttp

from bot.adapters.sandbox_payments import event_body
from bot.adapters.signatures import signature_header
from bot.adapters.web import SIGNATURE_HEADER
from bot.domain.money import Money
from handlers.callbacks import CheckoutCb
from sandbox.client import ChatMessage, SandboxClient, SandboxPersona
from tests.e2e.harness import SANDBOX_PAYMENT_SECRET, BotProcess


async def answer(persona: SandboxPersona, text: str) -> ChatMessage:
    await persona.send(text)
    return await persona.wait_for_reply()


async def placed_order(kenji: SandboxPersona) -> tuple[ChatMessage, ChatMessage]:
    """Check out one A10 to Tokyo: the "awaiting payment" message and the payment link that follows it."""
    assert "JPY" in (await answer(kenji, "/currency JPY")).body
    assert "A10 ×1" in (await answer(kenji, "A10")).body
    await answer(kenji, "/checkout")
    assert "Who is the parcel for?" in (await answer(kenji, "Japan")).body
    await answer(kenji, "Kenji Sato")
    await answer(kenji, "1-1 Chiyoda, Tokyo 100-0001")
    summary = await answer(kenji, "+81 3 1234 5678")
    await kenji.press(summary, callback_data=CheckoutCb(action="confirm").pack())
    placed = await kenji.wait_for_reply()
    pay = await kenji.wait_for_reply()
    return placed, pay


async def test_a_buyer_in_japan_pays_in_yen_on_the_sandbox_page_and_gets_a_receipt(
    sandbox: SandboxClient, bot_process: BotProcess
) -> None:
    kenji = await sandbox.persona(first_name="Kenji", language_code="ja", country="JP")
    await kenji.send("/start")
    await kenji.wait_for_reply()
    placed, pay = await placed_order(kenji)
    found = re.search(r"#(\d+) \((¥[\d,]+)\) is awaiting payment", placed.body)
    assert found is not None, placed.body
    number, total = found.groups()
    [[button]] = pay.keyboard
    assert button["text"] == f"Pay {total}"
    assert f"Pay for order #{number} within 30 minutes" in pay.body
    link = str(button["url"])
    assert link.startswith(f"{bot_process.web_url}/pay/")

    async with aiohttp.ClientSession() as http:
        async with http.get(link) as page:
            assert page.status == 200
            shown = await page.text()
        assert f"Order #{number}" in shown and total in shown and "Silk scarf" in shown
        async with http.post(link, data={"action": "pay"}) as paid:  # follows the redirect back to the page
            assert paid.status == 200
            assert "data-status=paid" in await paid.text()

        receipt = await kenji.wait_for_message(lambda message: "Payment received" in message.body)
        assert f"Order #{number} is paid." in receipt.body
        assert "A10 ×1" in receipt.body and f"Total: {total}" in receipt.body

        # The webhook the page sent, again (the same bytes, freshly signed): recorded already, nothing changes.
        token = link.rsplit("/", 1)[1]
        body = event_body(token, True, Money(int(total.strip("¥").replace(",", "")), "JPY"))
        webhook = f"{bot_process.web_url}/webhooks/sandbox"
        now = int(time.time())
        signed = {SIGNATURE_HEADER: signature_header(SANDBOX_PAYMENT_SECRET, body, now)}
        async with http.post(webhook, data=body, headers=signed) as replayed:
            assert replayed.status == 200
            assert (await replayed.json())["outcome"] == "duplicate"
        forged = {SIGNATURE_HEADER: signature_header("whsec_guessed", body, now)}
        async with http.post(webhook, data=body, headers=forged) as refused:
            assert refused.status == 400
        stale = {SIGNATURE_HEADER: signature_header(SANDBOX_PAYMENT_SECRET, body, now - 301)}
        async with http.post(webhook, data=body, headers=stale) as refused:
            assert refused.status == 400
        async with http.get(f"{bot_process.web_url}/healthz") as health:
            assert health.status == 200

    # The replay was answered after it was settled: a second receipt would be in the chat by now.
    receipts = [message for message in await sandbox.transcript(kenji.id) if "Payment received" in message.body]
    assert len(receipts) == 1
    orders = await answer(kenji, "/orders")
    assert f"#{number} · paid · {total}" in orders.body
