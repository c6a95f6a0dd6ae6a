"""A merchant runs a live stream from chat with the real bot process over the sandbox Bot API: /newstream through
every step (a bad answer at each), the preview, saving; /streams and a reschedule; /live pinning the featured products
in the stream's group as deep links a buyer opens; an order placed during the stream in /stats; /end unpinning the post
and every merchant told the totals and sent the stream's chart; /report drawing it again."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import aiohttp
from PIL import Image

from handlers.callbacks import CheckoutCb
from sandbox.client import ChatMessage, SandboxClient
from tests.e2e.conftest import say, tap

MERCHANT_ID = 990_001


# This module's bot (conftest's module_bot): its settings.
BOT_SETTINGS = {"MERCHANT_IDS": str(MERCHANT_ID), "SHOP_TIMEZONE": "Europe/Berlin"}


async def test_a_merchant_plans_runs_and_ends_a_stream_and_a_buyer_opens_a_pinned_product(
    sandbox: SandboxClient,
) -> None:
    group = await sandbox.create_group("Autumn live", username="autumn_live")
    mia = await sandbox.persona("Mia", language_code="en", id=MERCHANT_ID)
    ben = await sandbox.persona("Ben", language_code="de", country="DE")

    # A buyer is refused the merchant's commands, typed or forged.
    assert "merchants only" not in (await say(ben, "/newstream")).body  # in German
    assert "🔒" in (await say(ben, "/live")).body

    # /newstream, a bad answer at every step.
    assert "title" in (await say(mia, "/newstream")).body
    assert "characters" in (await say(mia, "x" * 250)).body
    more = await say(mia, "Autumn scarves")
    await mia.press(more, "Deutsch")
    await mia.wait_for_reply()
    more = await say(mia, "Herbstschals")
    ask_start = await tap(mia, more, "Continue ▶")
    assert "Europe/Berlin" in ask_start.body
    assert "not a date and time" in (await say(mia, "next friday")).body
    assert "already passed" in (await say(mia, "2021-03-01 10:00")).body
    assert "minutes" in (await say(mia, "2030-11-20 19:00")).body
    assert "whole number" in (await say(mia, "1 hour")).body
    assert "codes" in (await say(mia, "60")).body
    assert "Not in the catalogue: Z99" in (await say(mia, "a10, Z99")).body
    assert "link" in (await say(mia, "a10 b20")).body
    assert "https://" in (await say(mia, "www")).body
    assert "channel or group" in (await say(mia, "https://example.com/live/autumn")).body
    assert "cannot find the chat" in (await say(mia, "@no_such_group")).body
    preview = await say(mia, "@autumn_live")
    assert "Autumn scarves" in preview.body and "A10" in preview.body and "B20" in preview.body
    assert preview.buttons == ["✅ Save", "✖ Cancel"]
    saved = await tap(mia, preview, "✅ Save")
    [stream_id] = re.findall(r"stream #(\d+)", saved.body)

    # A buyer forging the merchant's buttons changes nothing.
    answer = await ben.wait_for_answer(await ben.forge_callback(f"st:live:{stream_id}:"))
    assert answer.show_alert and "🔒" in (answer.text or "")

    # /streams, then a reschedule (a bad time first).
    listed = await say(mia, "/streams")
    assert f"#{stream_id} Autumn scarves" in listed.body and "scheduled" in listed.body
    asked = await tap(mia, listed, "🗓 Reschedule")
    assert "Europe/Berlin" in asked.body
    assert "already passed" in (await say(mia, "2020-01-01 10:00")).body
    assert "now starts" in (await say(mia, "2030-11-21 20:00")).body

    # /live: the pinned post with a deep link per product, in the group.
    await mia.send("/live")
    told = await mia.wait_for_message(lambda message: "is live" in message.body)
    assert "pinned" in told.body
    [post] = [m for m in await sandbox.transcript(group["id"]) if m.from_bot and "Live now" in m.body]
    pinned = (await sandbox.request("GET", f"/chats/{group['id']}/transcript"))["pinned"]
    assert pinned == [post.message_id]
    links = {button["text"]: button["url"] for row in post.keyboard for button in row}
    assert sorted(links) == ["A10 · Silk scarf", "B20 · Wool beanie"]
    payload = parse_qs(urlsplit(links["A10 · Silk scarf"]).query)["start"][0]
    assert payload.startswith("p_")

    # The buyer taps it: the chat page sends /start with the payload in the private chat; the card opens.
    await ben.send(f"/start {payload}")
    card = await ben.wait_for_reply()
    assert "Seidenschal" in card.body and "A10" in card.body

    # A buyer orders during the stream (a keyword in its group, then checkout): /stats counts it.
    cleo = await sandbox.persona("Cleo", language_code="en", country="FR")
    await say(cleo, "/start")
    await cleo.send("a10 x2", chat_id=group["id"])
    await cleo.wait_for_reply()  # the cart, in her private chat
    await say(cleo, "/checkout")
    await say(cleo, "France")
    await say(cleo, "Cleo Martin")
    await say(cleo, "12 rue de Rivoli, 75001 Paris")
    summary = await say(cleo, "06 12 34 56 78")
    await cleo.press(summary, callback_data=CheckoutCb(action="confirm").pack())
    placed = await cleo.wait_for_message(lambda message: "awaiting payment" in message.body)
    found = re.search(r"\((€[\d.,]+)\) is awaiting payment", placed.body)
    assert found is not None, placed.body
    total = found.group(1)  # two scarves and the shipping, in the shop's currency
    stats = await say(mia, "/stats")
    assert "Orders: 1" in stats.body and "Units: 2" in stats.body and f"Revenue: {total}" in stats.body
    await mia.send("/end")
    # The answer, the totals in the notice every merchant gets, and the stream's chart (in any order).
    replies = [await mia.wait_for_reply() for _ in range(3)]
    [totals] = [message for message in replies if "Revenue:" in message.body and message.photo_url is None]
    assert "Autumn scarves" in totals.body and "Orders: 1" in totals.body and total in totals.body
    assert any(f"Stream #{stream_id} has ended" in message.body for message in replies)
    [chart] = [message for message in replies if message.photo_url is not None]
    assert "Autumn scarves" in chart.body and "Orders: 1" in chart.body and total in chart.body
    metadata = await chart_numbers(sandbox, chart)
    assert metadata["livesell:stream"] == str(stream_id) and metadata["livesell:orders"] == "1"
    assert sum(map(int, metadata["livesell:orders_per_minute"].split(","))) == 1
    assert metadata["livesell:countries"] == "FR:1"
    assert (await sandbox.request("GET", f"/chats/{group['id']}/transcript"))["pinned"] == []
    assert "No stream is live" in (await say(mia, "/stats")).body
    # /report draws it again on request, and a buyer asking is refused.
    again = await say(mia, "/report")
    assert again.photo_url is not None and (await chart_numbers(sandbox, again)) == metadata
    refused = await say(cleo, f"/report {stream_id}")
    assert refused.photo_url is None and refused.body


async def chart_numbers(sandbox: SandboxClient, chart: ChatMessage) -> dict[str, str]:
    """Download a chart the bot sent, check it is a PNG picture, and read the numbers written into it."""
    assert chart.photo_url is not None
    async with aiohttp.ClientSession() as http, http.get(sandbox.base_url + chart.photo_url) as response:
        picture = await response.read()
    assert picture.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(picture))
    assert image.size == (1000, 800)
    return {key: str(value) for key, value in image.text.items() if key.startswith("livesell:")}
