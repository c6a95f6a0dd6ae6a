"""The demo's terminal chat draws bot messages as plain lines with numbered buttons."""

from __future__ import annotations

import io
from typing import Any

from sandbox.client import Event
from sandbox.demo import TerminalChat


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
    assert [text for _, text in chat.buttons] == ["Add to cart", "◀ Back"]


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
