"""An ops person exports orders from chat with the real bot process over the sandbox Bot API: a buyer whose name is
in Cyrillic and Chinese places an order, the ops person runs /export (today, all orders, any stream, CSV), sees the
count and the progress message, and receives a document that the test downloads from the sandbox and reads back. A
buyer is refused /export."""

from __future__ import annotations

import csv
import io

import aiohttp

from handlers.callbacks import CheckoutCb
from sandbox.client import ChatMessage, SandboxClient, SandboxPersona
from sandbox.server import SandboxServer
from tests.e2e.conftest import say, tap

OPS_ID = 990_101
BUYER_NAME = "Ольга 王芳"


# This module's bot (conftest's module_bot): its settings.
BOT_SETTINGS = {"OPS_IDS": str(OPS_ID), "SHOP_TIMEZONE": "Asia/Tokyo"}


async def answered(persona: SandboxPersona, text: str, expected: str) -> ChatMessage:
    """Send `text`; the bot's next message that contains `expected` (a step may answer in several messages)."""
    await persona.send(text)
    return await persona.wait_for_message(lambda message: expected in message.body)


async def place_order(buyer: SandboxPersona) -> None:
    await say(buyer, "/start")
    await answered(buyer, "A10", "A10")
    await answered(buyer, "/checkout", "Which country")
    await answered(buyer, "DE", "Who is the parcel for")
    await answered(buyer, BUYER_NAME, "street address")
    await answered(buyer, "Unter den Linden 1, 10117 Berlin", "phone number")
    summary = await answered(buyer, "+49 30 123456", "Total")
    await buyer.press(summary, callback_data=CheckoutCb(action="confirm").pack())
    await buyer.wait_for_reply()


async def download(server: SandboxServer, document: dict[str, str]) -> bytes:
    async with aiohttp.ClientSession() as session, session.get(server.url + document["url"]) as response:
        assert response.status == 200
        return await response.read()


async def test_an_ops_person_exports_todays_orders_and_reads_the_file_back(
    sandbox: SandboxClient, module_server: SandboxServer
) -> None:
    buyer = await sandbox.persona("Olga", language_code="en", country="DE")
    ops = await sandbox.persona("Oskar", language_code="en", id=OPS_ID)

    # A buyer may not export.
    assert "🔒" in (await say(buyer, "/export")).body
    await place_order(buyer)

    periods = await say(ops, "/export")
    assert "Asia/Tokyo" in periods.body
    statuses = await tap(ops, periods, "Today")
    streams = await tap(ops, statuses, "All orders")
    formats = await tap(ops, streams, "Any stream or none")
    await ops.press(formats, "CSV")
    progress = await ops.wait_for_message(lambda message: "Exporting" in message.body)
    assert "Exporting 1 order" in progress.body
    sent = await ops.wait_for_message(lambda message: message.document is not None)
    document = sent.document
    assert document is not None and document["file_name"].endswith(".csv")
    assert sent.caption is not None and sent.caption.startswith("1 order: ")
    done = await ops.wait_for_edit(progress)
    assert "Exported 1 order." in done.body

    rows = list(csv.reader(io.StringIO((await download(module_server, document)).decode("utf-8-sig"))))
    assert len(rows) == 2  # the header and the one order
    assert BUYER_NAME in rows[1]
