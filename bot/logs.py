"""Logging for every entry point (`setup_logging`): plain text, or one JSON object per line (LOG_FORMAT=json) that
carries the update, chat and order in hand; secrets, tokens, e-mail addresses and phone numbers are never written,
whatever logger (ours, aiogram's, aiohttp's) wrote them (docs/observability.md)."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

# What is in hand now, set per update by handlers/observe.py (update, chat) and per payment by the web app (order);
# a service that logs about an order may pass `extra={"order_id": ...}` instead.
update_id: ContextVar[int | None] = ContextVar("update_id", default=None)
chat_id: ContextVar[int | None] = ContextVar("chat_id", default=None)
order_id: ContextVar[int | None] = ContextVar("order_id", default=None)
CONTEXT = {"update_id": update_id, "chat_id": chat_id, "order_id": order_id}

# Loggers whose INFO lines drown what matters: every hold sweep, every migration step; and aiogram's line per update,
# which handlers/observe.py writes instead with the update's context and its handler.
CHATTY = ("apscheduler", "alembic.runtime.plugins", "aiogram.event")
REDACTED = "[redacted]"
# A secret shorter than this is not looked for in the text: "abc" would blank out half the words of a line.
SHORTEST_SECRET = 8


@contextmanager
def log_context(**values: int | None) -> Iterator[None]:
    """Lines logged inside the block carry these (update_id, chat_id, order_id); the outer values come back after."""
    tokens = [(CONTEXT[name], CONTEXT[name].set(value)) for name, value in values.items() if value is not None]
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


def _phone(found: re.Match[str]) -> str:
    """A run of digit groups is a phone number when it holds 9 to 15 digits (E.164) and is not an IPv4 address."""
    text = found.group(0)
    digits = sum(character.isdigit() for character in text)
    if not 9 <= digits <= 15 or _IPV4.fullmatch(text):
        return text
    return "[phone]"


_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
# Each: a pattern, and what replaces what it finds. Order matters: a token before the digit runs inside it.
_PATTERNS: tuple[tuple[re.Pattern[str], Any], ...] = (
    # A Telegram bot token, alone or in a Bot API URL (https://api.telegram.org/bot<token>/getUpdates).
    (re.compile(r"\d{5,15}:[A-Za-z0-9_-]{30,}"), "[bot-token]"),
    # Stripe keys and webhook secrets, OpenAI keys.
    (
        re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{8,}|\bwhsec_[A-Za-z0-9+/=]{8,}|\bsk-[A-Za-z0-9_-]{16,}"),
        REDACTED,
    ),
    # key=value and "key": "value" where the key names a secret (query strings, headers, reprs, JSON).
    (
        re.compile(
            r"(?i)((?:secret|token|password|passwd|api[_-]?key|authorization|signature)[\w-]*[\"']?\s*[:=]\s*"
            r"(?:Bearer\s+)?[\"']?)[^\s\"'&,;)}\]]+"
        ),
        r"\1" + REDACTED,
    ),
    # The password in a URL (postgresql://user:password@host/db, redis://:password@host).
    (re.compile(r"(://[^:/\s@]*:)[^@\s/]+@"), r"\1" + REDACTED + "@"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    # International numbers: + and 7 digits or more, with spaces, dots, dashes or brackets between.
    (re.compile(r"\+\d[\d\s().\-/]{5,}\d"), "[phone]"),
    # National ones written in groups (030 1234 5678, (212) 555-0123, 06.12.34.56.78).
    (re.compile(r"(?<![\w.:/-])\(?\d{2,5}\)?(?:[ .\-]\d{2,5}){2,4}(?![\w.:/-])"), _phone),
)


class Redactor:
    """Takes out of a text the configured secrets (the exact values) and whatever looks like a token, a secret, an
    e-mail address or a phone number. Addresses have no shape to find: the bot never logs what a buyer typed, and
    ShippingDetails does not show its address or phone in a repr."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        known = sorted({value for value in secrets if value and len(value) >= SHORTEST_SECRET}, key=len, reverse=True)
        self.secrets = re.compile("|".join(re.escape(value) for value in known)) if known else None

    def __call__(self, text: str) -> str:
        if self.secrets is not None:
            text = self.secrets.sub(REDACTED, text)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


class RedactingFilter(logging.Filter):
    """On a handler: the line as it will be written, redacted (the message with its arguments, and the traceback),
    before any formatter sees it."""

    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact
        self._tracebacks = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: the handler reports it as logging always does
            return True
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._tracebacks.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def context_of(record: logging.LogRecord) -> dict[str, int]:
    """The update, chat and order of a record: given with `extra=`, else what is in hand."""
    found = {}
    for name, variable in CONTEXT.items():
        value = getattr(record, name, None)
        if value is None:
            value = variable.get()
        if value is not None:
            found[name] = value
    return found


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, then update_id, chat_id and order_id
    when known, and exception (the traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **context_of(record),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The plain line, with the update, chat and order in hand after the message when there are any."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        context = context_of(record)
        if context:
            line += " [" + " ".join(f"{name}={value}" for name, value in context.items()) + "]"
        return line


def setup_logging(
    level: str = "INFO",
    fmt: str = "text",
    secrets: Iterable[str | None] = (),
    file: Path | None = None,
    stream: TextIO | None = None,
    capture_warnings: bool = False,
) -> logging.Handler:
    """Send every logger's lines at `level` or above to `file` (else `stream`, else stderr) in `fmt` ("text" or
    "json"), redacted; replaces any handler set up before. With `capture_warnings`, Python's warnings (a library's
    deprecation) become log lines too, so a JSON log stays JSON. Returns the handler."""
    handler: logging.Handler
    if file is not None:
        handler = logging.FileHandler(file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactingFilter(Redactor(secrets)))
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level.upper())
    for chatty in CHATTY:
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
    logging.captureWarnings(capture_warnings)
    return handler
