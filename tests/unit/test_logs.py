"""The log lines: one JSON object per line with the update, chat and order in hand (LOG_FORMAT=json), and never a
token, a secret, an e-mail address, a phone number or a shipping address, whoever logged them and however."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.config import load_settings
from bot.domain.checkout import ShippingDetails
from bot.logs import Redactor, log_context, setup_logging

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawx"
SANDBOX_SECRET = "sandbox-signing-secret-3f9a"
STRIPE_SECRET = "whsec_5Y7kQwErTyUiOp"
PHONE = "+81 3 1234 5678"
ADDRESS = "1-1 Chiyoda, Tokyo 100-0001"


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """Logging set up as `livesell run` does, into a buffer; the test's own set-up comes back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    settings = load_settings(bot_token=TOKEN, sandbox_payment_secret=SANDBOX_SECRET, log_format="json")
    buffer = io.StringIO()
    handler = setup_logging(settings.log_level, settings.log_format, settings.secret_values(), stream=buffer)
    yield buffer
    root.removeHandler(handler)
    for old in handlers:
        root.addHandler(old)
    root.setLevel(level)


def parsed(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_every_line_is_a_json_object_with_its_update_chat_and_order(lines: io.StringIO) -> None:
    log = logging.getLogger("handlers.keyword")
    log.info("before any update")
    with log_context(update_id=41, chat_id=-1001):
        log.warning("ordered %s", "A10")
        with log_context(order_id=7):
            log.info("placed")
        log.info("a service's line", extra={"order_id": 8})
    try:
        raise ValueError("no such variant")
    except ValueError:
        log.exception("failed")

    before, ordered, placed, extra, failed = parsed(lines)
    for line in (before, ordered, placed, extra, failed):
        assert {"time", "level", "logger", "message"} <= line.keys()
        assert line["logger"] == "handlers.keyword"
    assert "update_id" not in before and "exception" not in before
    assert ordered["message"] == "ordered A10" and ordered["level"] == "WARNING"
    assert (ordered["update_id"], ordered["chat_id"]) == (41, -1001) and "order_id" not in ordered
    assert (placed["update_id"], placed["order_id"]) == (41, 7)
    assert extra["order_id"] == 8
    assert "update_id" not in failed  # the context ended with its block
    assert "ValueError: no such variant" in str(failed["exception"])


def test_tokens_and_secrets_never_reach_the_log_whoever_writes_them(lines: io.StringIO) -> None:
    # aiohttp and aiogram write the Bot API's URL, which holds the token, in their errors.
    logging.getLogger("aiogram.event").error(
        "Failed to fetch updates - ClientConnectorError: https://api.telegram.org/bot%s/getUpdates", TOKEN
    )
    logging.getLogger("bot.adapters.web").info("signature %s refused, secret=%s", SANDBOX_SECRET, "hunter2hunter2")
    logging.getLogger("x").info("stripe %s, key sk_live_51HxYzAbCdEf, %s", STRIPE_SECRET, "redis://:p4ssw0rd@cache/0")
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed")
    except RuntimeError:
        logging.getLogger("aiogram.dispatcher").exception("Cause exception while process update")

    text = lines.getvalue()
    for secret in (TOKEN, TOKEN.split(":")[1], SANDBOX_SECRET, STRIPE_SECRET, "hunter2hunter2", "sk_live_51HxYzAbCdEf"):
        assert secret not in text
    assert "p4ssw0rd" not in text
    assert all(isinstance(line, dict) for line in parsed(lines))  # redaction keeps each line JSON


def test_phone_numbers_email_addresses_and_shipping_addresses_never_reach_the_log(lines: io.StringIO) -> None:
    details = ShippingDetails(country="JP", name="Kenji Sato", address=ADDRESS, phone=PHONE)
    log = logging.getLogger("handlers.checkout")
    log.warning("details %r", details)  # a careless repr of what the buyer typed
    log.info("buyer wrote %s and %s", "kenji@example.jp", "030 1234 5678")
    log.info("national %s, US %s, French %s", "(212) 555-0123", "212-555-0123", "06.12.34.56.78")

    text = lines.getvalue()
    for personal in (ADDRESS, "Chiyoda", PHONE, "1234 5678", details.phone, "kenji@example.jp", "555-0123", "56.78"):
        assert personal not in text, personal


@pytest.mark.parametrize(
    "kept",
    [
        "order 1042 paid 2026-12-08 03:55:51",
        "update id=893412907 handled in 12 ms",
        "web app on http://127.0.0.1:8081",
        "chat -1001234567890 pinned",
        "user 6012345678 blocked the bot",
        "42 units of C03 reserved, 0.25 s",
    ],
)
def test_ordinary_numbers_dates_and_ids_are_kept(kept: str) -> None:
    assert Redactor([TOKEN])(kept) == kept


def test_text_lines_name_the_update_and_chat_too() -> None:
    buffer = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    handler = setup_logging("INFO", "text", [TOKEN], stream=buffer)
    try:
        with log_context(update_id=5, chat_id=77):
            logging.getLogger("bot").info("token %s", TOKEN)
    finally:
        root.removeHandler(handler)
        for old in handlers:
            root.addHandler(old)
        root.setLevel(level)
    line = buffer.getvalue()
    assert "update_id=5 chat_id=77" in line and TOKEN not in line and "INFO bot: token" in line
