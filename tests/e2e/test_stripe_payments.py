"""Paying through Stripe with the real bot process, against a strict Stripe-compatible server on loopback: a buyer in
the Netherlands checks out in euros, gets a Checkout Session offering iDEAL and card, and pays; of the webhooks that
follow (forged, stale, a wrong amount, the good one, and the good one replayed) only the good one applies, once."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from handlers.callbacks import CheckoutCb
from sandbox.client import ChatMessage, SandboxClient, SandboxPersona
from sandbox.server import serve_in_thread
from tests.e2e.conftest import HERE, running_bot
from tests.e2e.pictures import png
from tests.stripe_server import SECRET_KEY, WEBHOOK_SECRET, fake_stripe


async def answer(persona: SandboxPersona, text: str) -> ChatMessage:
    await persona.send(text)
    return await persona.wait_for_reply()


async def test_a_buyer_in_the_netherlands_pays_in_euros_by_ideal_through_stripe(tmp_path: Path) -> None:
    shutil.copy(HERE / "catalog.csv", tmp_path / "catalog.csv")
    (tmp_path / "scarf.png").write_bytes(png(40, 30))
    async with fake_stripe() as stripe:
        settings = {
            "PAYMENT_PROVIDER": "stripe",
            "STRIPE_SECRET_KEY": SECRET_KEY,
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": stripe.url,
            "STRIPE_PAYMENT_METHODS": '{"NL": ["ideal"], "BE": ["bancontact"]}',
        }
        with serve_in_thread() as server, running_bot(server, tmp_path, settings=settings) as bot:
            async with SandboxClient(server.url) as sandbox:
                sanne = await sandbox.persona(first_name="Sanne", language_code="nl", country="NL")
                await answer(sanne, "/start")
                assert "A10 ×1" in (await answer(sanne, "A10")).body
                await answer(sanne, "/checkout")
                await answer(sanne, "Netherlands")
                await answer(sanne, "Sanne de Vries")
                await answer(sanne, "Keizersgracht 1, 1015 CJ Amsterdam")
                summary = await answer(sanne, "+31 20 123 4567")
                await sanne.press(summary, callback_data=CheckoutCb(action="confirm").pack())
                placed = await sanne.wait_for_reply()
                pay = await sanne.wait_for_reply()
                found = re.search(r"#(\d+) \((€[\d.,]+)\) is awaiting payment", placed.body)
                assert found is not None, placed.body
                number, total = found.groups()

                [session] = stripe.created()
                assert session["currency"] == "eur"
                assert session["amount_total"] == int(total.strip("€").replace(".", "").replace(",", ""))
                assert session["payment_method_types"] == ["card", "ideal"]
                assert session["client_reference_id"] == number
                assert session["metadata"]["order_id"] == number
                [[button]] = pay.keyboard
                assert button["url"] == session["url"]

                webhook = f"{bot.web_url}/webhooks/stripe"
                completed = stripe.event("checkout.session.completed", session["id"])
                assert (await stripe.post_webhook(webhook, completed, secret="whsec_guessed"))[0] == 400
                assert (await stripe.post_webhook(webhook, completed, age=301))[0] == 400
                wrong = stripe.event(
                    "checkout.session.completed", session["id"], event_id="evt_wrong", amount_total=100
                )
                assert await stripe.post_webhook(webhook, wrong) == (200, {"outcome": "mismatch"})
                unknown = stripe.event("charge.refund.updated", session["id"], event_id="evt_other")
                assert await stripe.post_webhook(webhook, unknown) == (200, {"outcome": "ignored"})

                assert await stripe.post_webhook(webhook, completed) == (200, {"outcome": "paid"})
                receipt = await sanne.wait_for_message(lambda message: "Payment received" in message.body)
                assert f"Order #{number} is paid." in receipt.body and f"Total: {total}" in receipt.body
                assert await stripe.post_webhook(webhook, completed) == (200, {"outcome": "duplicate"})
                late = stripe.event("checkout.session.expired", session["id"], status="expired")
                assert await stripe.post_webhook(webhook, late) == (200, {"outcome": "ignored"})

                orders = await answer(sanne, "/orders")
                assert f"#{number} · paid · {total}" in orders.body
                receipts = [m for m in await sandbox.transcript(sanne.id) if "Payment received" in m.body]
                assert len(receipts) == 1
            assert bot.alive(), bot.log_tail()
