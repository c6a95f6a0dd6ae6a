"""The broadcast sender's own sendMessage: what each Bot API answer means for the broadcast (the mapping aiogram's
exceptions gave before), and the request it makes (the Bot's server URL, one JSON body per drawn message with only
chat_id differing, the bot's parse mode, the keyboard, allow_paid_broadcast), against a local HTTP server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.domain.broadcasts import BroadcastKind, Recipient, SendOutcome, SendResult
from handlers.broadcast_sender import TelegramBroadcastSender, answer_result
from handlers.views.broadcasts import Rendered

TOKEN = "42:TEST"
LOCALES = Path(__file__).resolve().parents[2] / "locales"


@pytest.mark.parametrize(
    ("status", "answer", "expected"),
    [
        (
            200,
            {"ok": True, "result": {"message_id": 77, "chat": {"id": 5}}},
            SendResult(SendOutcome.SENT, message_id=77),
        ),
        (
            429,
            {"ok": False, "error_code": 429, "description": "Too Many Requests", "parameters": {"retry_after": 7}},
            SendResult(SendOutcome.RETRY_AFTER, retry_after=7.0, error="Too Many Requests"),
        ),
        (
            429,
            {"ok": False, "error_code": 429, "description": "Too Many Requests"},
            SendResult(SendOutcome.RETRY_AFTER, retry_after=1.0, error="Too Many Requests"),
        ),
        (
            403,
            {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
            SendResult(SendOutcome.BLOCKED, error="Forbidden: bot was blocked by the user"),
        ),
        (
            400,
            {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
            SendResult(SendOutcome.BLOCKED, error="Bad Request: chat not found"),
        ),
        (
            400,
            {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"},
            SendResult(SendOutcome.FAILED, error="Bad Request: message text is empty"),
        ),
        (
            500,
            {"ok": False, "error_code": 500, "description": "Internal Server Error"},
            SendResult(SendOutcome.FAILED, error="Internal Server Error"),
        ),
        (502, None, SendResult(SendOutcome.FAILED, error="HTTP 502: not a Bot API answer")),
        (200, {"ok": True, "result": True}, SendResult(SendOutcome.FAILED, error="the answer has no message_id")),
        (403, {"ok": False}, SendResult(SendOutcome.BLOCKED, error="HTTP 403")),
    ],
    ids=["sent", "429", "429-no-retry-after", "403", "chat-not-found", "400", "500", "not-json", "no-id", "bare-403"],
)
def test_each_answer_means_what_aiogram_made_of_it(status: int, answer: Any, expected: SendResult) -> None:
    assert answer_result(status, answer) == expected


class FakeTelegram:
    """A Bot API answering sendMessage from a script of (status, answer) pairs, keeping every request."""

    def __init__(self, answers: list[tuple[int, Any]]) -> None:
        self.answers = answers
        self.requests: list[tuple[str, str, dict[str, Any]]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, request.content_type, await request.json()))
        status, answer = self.answers.pop(0)
        return web.json_response(answer, status=status)


@asynccontextmanager
async def sender_to(
    base_url: str, rendered: Rendered | None, answer_within: float = 60.0
) -> AsyncIterator[TelegramBroadcastSender]:
    """A sender drawing `rendered` for everyone, through a Bot whose server is `base_url`, which gives up on an
    answer after `answer_within` seconds."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(base_url), timeout=answer_within)
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))

    async def render(reference: int, recipient: Recipient) -> Rendered | None:
        return rendered

    sender = TelegramBroadcastSender(I18n(path=LOCALES, default_locale="en"), {BroadcastKind.MESSAGE: render})
    sender.attach(bot)
    try:
        yield sender
    finally:
        await bot.session.close()


async def send_all(
    telegram: FakeTelegram, rendered: Rendered | None, recipients: list[Recipient], paid: bool
) -> list[SendResult]:
    app = web.Application()
    app.router.add_post("/bot{token}/{method}", telegram.handle)
    async with TestServer(app) as server, sender_to(str(server.make_url("")), rendered) as sender:
        return [await sender.send(BroadcastKind.MESSAGE, 1, recipient, paid) for recipient in recipients]


async def test_each_recipient_gets_the_drawn_message_on_the_bots_server() -> None:
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Unsubscribe", callback_data="sub:off")]]
    )
    telegram = FakeTelegram(
        [
            (200, {"ok": True, "result": {"message_id": 10}}),
            (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}),
            (
                429,
                {"ok": False, "error_code": 429, "description": "Too Many Requests", "parameters": {"retry_after": 3}},
            ),
        ]
    )
    recipients = [Recipient(101, "en"), Recipient(-202, "de", private=False), Recipient(303, "fr")]
    results = await send_all(telegram, Rendered("<b>Live</b> at 20:00 — ünïcode", keyboard), recipients, paid=True)

    assert [result.outcome for result in results] == [SendOutcome.SENT, SendOutcome.BLOCKED, SendOutcome.RETRY_AFTER]
    assert results[0].message_id == 10 and results[2].retry_after == 3.0
    expected_fields = {
        "text": "<b>Live</b> at 20:00 — ünïcode",
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "Unsubscribe", "callback_data": "sub:off"}]]},
        "allow_paid_broadcast": True,
    }
    assert telegram.requests == [
        (f"/bot{TOKEN}/sendMessage", "application/json", {"chat_id": chat_id, **expected_fields})
        for chat_id in (101, -202, 303)
    ]


async def test_a_plain_send_asks_for_no_paid_broadcast_and_nothing_drawn_sends_nothing() -> None:
    telegram = FakeTelegram([(200, {"ok": True, "result": {"message_id": 1}})])
    [sent] = await send_all(telegram, Rendered("hello"), [Recipient(5, "en")], paid=False)
    assert sent == SendResult(SendOutcome.SENT, message_id=1)
    assert telegram.requests == [
        (f"/bot{TOKEN}/sendMessage", "application/json", {"chat_id": 5, "text": "hello", "parse_mode": "HTML"})
    ]

    nothing = FakeTelegram([])
    assert await send_all(nothing, None, [Recipient(5, "en")], paid=False) == [
        SendResult(SendOutcome.SKIPPED, error="nothing to send")
    ]
    assert nothing.requests == []


async def test_a_send_that_cannot_connect_is_a_failed_send_the_service_retries() -> None:
    async with sender_to("http://127.0.0.1:9", Rendered("hello")) as sender:
        result = await sender.send(BroadcastKind.MESSAGE, 1, Recipient(5, "en"), paid=False)
    assert result.outcome is SendOutcome.FAILED
    assert result.error is not None and result.error.startswith("network: ")


async def test_a_send_left_without_an_answer_is_uncertain_so_never_sent_again() -> None:
    """The request reached the server, which never answered: Telegram may have delivered it."""
    arrived = asyncio.Event()

    async def silent(request: web.Request) -> web.Response:
        arrived.set()
        await asyncio.Event().wait()  # never answers; the client gives up after its timeout
        raise AssertionError("unreachable")

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", silent)
    async with TestServer(app) as server, sender_to(str(server.make_url("")), Rendered("hello"), 0.5) as sender:
        result = await sender.send(BroadcastKind.MESSAGE, 1, Recipient(5, "en"), paid=False)
    assert arrived.is_set()
    assert result.outcome is SendOutcome.UNCERTAIN
