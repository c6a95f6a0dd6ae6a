"""The sandbox payment provider: a payment page served by the bot's own web app, whose Pay and Decline buttons send
the same kind of signed webhook a real provider sends (bot/adapters/web.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from bot.domain.money import Money
from bot.domain.payments import PaymentAttempt, PaymentEvent, PaymentEventKind, PaymentLink, PaymentRequest

NAME = "sandbox"
EVENT_TYPES = {"payment.succeeded": PaymentEventKind.PAID, "payment.failed": PaymentEventKind.FAILED}


class MalformedEvent(ValueError):
    """A webhook body that is not a sandbox event."""


class SandboxProvider:
    name = NAME

    def __init__(self, secret: str, public_url: str) -> None:
        self.secret = secret
        self.public_url = public_url.rstrip("/")

    def token(self, idempotency_key: str) -> str:
        # Derived from the idempotency key, so asking again for the same attempt gives the same page.
        return hmac.new(self.secret.encode(), idempotency_key.encode(), hashlib.sha256).hexdigest()[:32]

    async def create_link(self, request: PaymentRequest) -> PaymentLink:
        token = self.token(request.idempotency_key)
        return PaymentLink(reference=token, url=f"{self.public_url}/pay/{token}")

    async def expire(self, attempt: PaymentAttempt) -> None:
        """Nothing to call: the page reads the attempt, and a closed attempt's page takes no money."""


def event_body(token: str, succeeded: bool, amount: Money) -> bytes:
    """The webhook the page's buttons send. Its id names the attempt and the button, so a double tap is one event."""
    kind = "payment.succeeded" if succeeded else "payment.failed"
    body: dict[str, Any] = {
        "id": f"evt_{token}_{'paid' if succeeded else 'declined'}",
        "type": kind,
        "data": {
            "reference": token,
            "amount": amount.amount_minor,
            "currency": amount.currency,
            "payment": f"pay_{token}" if succeeded else "",
        },
    }
    return json.dumps(body, separators=(",", ":")).encode()


def parse_event(raw: bytes) -> PaymentEvent:
    """The event a verified webhook body reports; MalformedEvent for anything else, whatever the bytes are."""
    try:
        body = json.loads(raw)
        data = body["data"]
        kind = EVENT_TYPES[body["type"]]
        minor = data["amount"]
        # Minor units are a whole number: 29.8 is not 29, and Infinity is no amount (int() would raise OverflowError).
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise TypeError(f"amount {minor!r} is not a whole number of minor units")
        amount = Money(minor, str(data["currency"]))
        return PaymentEvent(
            provider=NAME,
            event_id=str(body["id"]),
            kind=kind,
            reference=str(data["reference"]),
            amount=amount,
            payment_id=str(data.get("payment") or ""),
        )
    except (ValueError, KeyError, TypeError, RecursionError) as exc:  # RecursionError: JSON nested too deep
        raise MalformedEvent(str(exc)) from None
