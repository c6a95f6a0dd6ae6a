"""The demo's terminal chat draws bot messages as plain lines with numbered buttons, and `/press N` taps button N."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from sandbox.client import ChatMessage, Event, SandboxClient, SandboxPersona
from sandbox.server import DEFAULT_TOKEN, Sandbox, SandboxServer
from sandbox.terminal import TerminalChat, start_link_payload

BOT = "livesell_sandbox_bot"


def bot_message(**fields: Any) -> dict[str, Any]:
    message = {
        "chat_id": 7,
        "message_id": 3,
        "from_bot": True,
        "sender": {"id": 1, "first_name": "Livesell"},
        "date": 0,
        "text": None,
        "caption": None,
        "parse_mode": "HTML",
        "photo": None,
        "document": None,
        "reply_markup": None,
        "version": 1,
        "edited": False,
        "deleted": False,
    }
    return message | fields


def test_card_shows_photo_link_plain_caption_and_numbered_buttons() -> None:
    chat = TerminalChat("http://127.0.0.1:8080", ["en"], out=io.StringIO())
    keyboard = {
        "inline_keyboard": [
            [{"text": "Add to cart", "callback_data": "add:1"}, {"text": "Pay now", "url": "https://pay.example/1"}],
            [{"text": "◀ Back", "callback_data": "cat:0"}],
        ]
    }
    message = bot_message(
        caption="<b>Silk scarf</b>  <code>A12</code>\n19,90 &amp; more",
        photo={"file_id": "f", "url": "/sandbox/api/files/f", "file_name": "", "mime_type": "image/png"},
        reply_markup=keyboard,
    )
    drawn = chat.render(Event(seq=5, type="message", payload={"seq": 5, "type": "message", "message": message}))
    assert drawn.splitlines() == [
        "bot:",
        "  [photo] http://127.0.0.1:8080/sandbox/api/files/f",
        "  Silk scarf  A12",
        "  19,90 & more",
        "  [1] Add to cart   [Pay now: https://pay.example/1]",
        "  [2] ◀ Back",
    ]
    assert [button.text for button in chat.buttons] == ["Add to cart", "◀ Back"]


def test_edits_documents_and_answers_are_labelled() -> None:
    chat = TerminalChat("http://127.0.0.1:8080", ["en"], out=io.StringIO())
    document = {"file_id": "d", "url": "/sandbox/api/files/d", "file_name": "invoice.pdf", "mime_type": "x"}
    edited = bot_message(text="Paid", version=2, edited=True, document=document)
    drawn = chat.render(Event(seq=6, type="edit", payload={"message": edited}))
    assert drawn.splitlines() == [
        "bot (edited):",
        "  [document] invoice.pdf: http://127.0.0.1:8080/sandbox/api/files/d",
        "  Paid",
    ]
    answer = {"text": "Sold out", "show_alert": True}
    assert chat.render(Event(seq=7, type="callback_answer", payload={"answer": answer})) == "  (alert) Sold out"
    mine = bot_message(from_bot=False, text="/start")
    assert chat.render(Event(seq=8, type="message", payload={"message": mine})) == ""


@pytest.fixture
async def client() -> AsyncIterator[SandboxClient]:
    server = await SandboxServer(Sandbox()).start()
    try:
        async with SandboxClient(server.url) as client:
            yield client
    finally:
        await server.stop()


async def bot_api(client: SandboxClient, method: str, **params: Any) -> Any:
    """Call the sandbox's Bot API as the real bot does."""
    url = f"{client.base_url}/bot{DEFAULT_TOKEN}/{method}"
    async with aiohttp.ClientSession() as http, http.post(url, json=params) as response:
        body = await response.json()
    assert body["ok"], body
    return body["result"]


async def bot_sends(client: SandboxClient, persona: SandboxPersona, text: str, rows: list[Any]) -> ChatMessage:
    await bot_api(client, "sendMessage", chat_id=persona.id, text=text, reply_markup={"inline_keyboard": rows})
    return await persona.wait_for_reply()


async def converse(chat: TerminalChat, persona: SandboxPersona, *lines: str) -> None:
    for line in lines:
        chat.lines.put_nowait(line)
    chat.lines.put_nowait(None)  # the terminal closes
    await chat._converse(persona)


async def test_press_taps_the_numbered_button_even_when_rows_share_labels(client: SandboxClient) -> None:
    eva = await client.persona("Eva")
    await eva.send("/start")
    rows = [[{"text": "-", "callback_data": f"dec:{n}"}, {"text": "+", "callback_data": f"inc:{n}"}] for n in (1, 2)]
    cart = await bot_sends(client, eva, "Your cart", rows)
    chat = TerminalChat(client.base_url, ["en"], out=io.StringIO(), bot_username=BOT)
    drawn = chat.render(Event(seq=1, type="message", payload={"message": cart.raw}))
    assert drawn.splitlines()[-2:] == ["  [1] -   [2] +", "  [3] -   [4] +"]

    await converse(chat, eva, "/press 4", "/press 1")

    updates = await bot_api(client, "getUpdates")
    assert [u["callback_query"]["data"] for u in updates if "callback_query" in u] == ["inc:2", "dec:1"]


async def test_a_deep_link_button_to_the_bot_sends_start_with_its_payload(client: SandboxClient) -> None:
    leo = await client.persona("Leo")
    await leo.send("/start")
    rows = [
        [{"text": "Open the shop", "url": f"https://t.me/{BOT}?start=claim-7"}],
        [{"text": "Pay", "url": "https://pay.example/1"}],
    ]
    message = await bot_sends(client, leo, "Your order waits", rows)
    chat = TerminalChat(client.base_url, ["en"], out=io.StringIO(), bot_username=BOT)
    drawn = chat.render(Event(seq=1, type="message", payload={"message": message.raw}))
    assert drawn.splitlines()[-2:] == ["  [1] Open the shop (sends /start claim-7)", "  [Pay: https://pay.example/1]"]

    await converse(chat, leo, "/press 1")

    assert [m.body for m in await leo.transcript() if not m.from_bot] == ["/start", "/start claim-7"]


@pytest.mark.parametrize(
    ("url", "payload"),
    [
        (f"https://t.me/{BOT}?start=shop", "shop"),
        ("https://t.me/Livesell_Sandbox_Bot?start=claim-12", "claim-12"),
        (f"tg://resolve?domain={BOT}&start=shop", "shop"),
        (f"https://t.me/{BOT}?start=", ""),
        (f"https://t.me/{BOT}", None),
        ("https://t.me/another_bot?start=shop", None),
        (f"https://example.com/{BOT}?start=shop", None),
    ],
)
def test_start_links_are_recognised_only_for_this_bot(url: str, payload: str | None) -> None:
    assert start_link_payload(url, BOT) == payload


async def test_a_language_the_shop_does_not_speak_may_be_chosen_and_is_called_so(client: SandboxClient) -> None:
    out = io.StringIO()
    chat = TerminalChat(client.base_url, ["en", "de", "pt"], out=out, default_language="en")
    for line in ("Yui", "ja", "jp"):
        chat.lines.put_nowait(line)
    yui = await chat._make_persona(client)
    assert (yui.language_code, yui.country) == ("ja", "JP")
    assert "The shop speaks: en, de, pt" in out.getvalue()
    assert "(the shop does not speak ja: it answers in en)" in out.getvalue()

    for line in ("Bia", "pt-br", "BR"):
        chat.lines.put_nowait(line)
    await chat._make_persona(client)
    assert "does not speak pt-br" not in out.getvalue()
