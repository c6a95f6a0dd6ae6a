"""The Stripe provider: one Checkout Session per order attempt, over Stripe's HTTP API as its reference specifies it
(form-encoded bodies in bracket notation, Bearer secret key, an Idempotency-Key per attempt), and the parsing of its
`checkout.session.*` webhooks into PaymentEvents. Amount rules live in bot/domain/stripe.py."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.domain.money import Money
from bot.domain.payments import PaymentAttempt, PaymentEvent, PaymentEventKind, PaymentLink, PaymentRequest
from bot.domain.stripe import from_stripe, payment_methods, to_stripe

log = logging.getLogger(__name__)
NAME = "stripe"
SIGNATURE_HEADER = "Stripe-Signature"
DEFAULT_API_BASE = "https://api.stripe.com"
# Stripe takes an `expires_at` from 30 minutes to 24 hours after the session is created; the margins absorb the
# time between our clock and Stripe's. The payment sweep expires the session itself at the order's timeout.
SHORTEST_SESSION = timedelta(minutes=30, seconds=60)
LONGEST_SESSION = timedelta(hours=24, seconds=-60)

Form = list[tuple[str, str]]


class StripeError(Exception):
    """Stripe refused a request, failed, or could not be reached; the message says which, never the key."""


class MalformedEvent(ValueError):
    """A webhook body that is not a Stripe event."""


def encode_form(params: Mapping[str, Any], prefix: str = "") -> Form:
    """Stripe's form encoding: nested objects as `a[b][c]`, lists of objects as `a[0][b]`, lists of values as
    `a[]`; booleans as true/false. Pairs, in order, for urlencode."""
    pairs: Form = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else str(key)
        pairs.extend(_encode_value(name, value))
    return pairs


def _encode_value(name: str, value: Any) -> Form:
    if value is None:
        return []
    if isinstance(value, Mapping):
        return encode_form(value, name)
    if isinstance(value, list | tuple):
        pairs: Form = []
        for index, item in enumerate(value):
            if isinstance(item, Mapping):
                pairs.extend(encode_form(item, f"{name}[{index}]"))
            else:
                pairs.extend(_encode_value(f"{name}[]", item))
        return pairs
    if isinstance(value, bool):
        return [(name, "true" if value else "false")]
    return [(name, str(value))]


def session_params(
    request: PaymentRequest,
    public_url: str,
    local_methods: Mapping[str, Iterable[str]],
    now: datetime,
) -> dict[str, Any]:
    """The Checkout Session for one attempt (AmountNotChargeable when Stripe would refuse the amount)."""
    amount, currency = to_stripe(request.amount)
    expires_at = min(max(request.expires_at, now + SHORTEST_SESSION), now + LONGEST_SESSION)
    return {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": currency,
                    "unit_amount": amount,
                    "product_data": {"name": request.description},
                },
                "quantity": 1,
            }
        ],
        "payment_method_types": list(payment_methods(request.country, currency, local_methods)),
        # The page the buyer comes back to speaks their language (the chat's catalogues): it says so in `lang`.
        "success_url": f"{public_url}/stripe/return/paid?{urlencode({'lang': request.language})}",
        "cancel_url": f"{public_url}/stripe/return/cancelled?{urlencode({'lang': request.language})}",
        "client_reference_id": str(request.order_id),
        "metadata": {"order_id": str(request.order_id), "attempt_id": request.idempotency_key},
        "expires_at": int(expires_at.timestamp()),
        "locale": request.language if request.language in STRIPE_LOCALES else "auto",
    }


# The languages Checkout's page speaks (Stripe's `locale`); for any other, Stripe picks from the browser.
STRIPE_LOCALES = frozenset(
    "bg cs da de el en es et fi fil fr hr hu id it ja ko lt lv ms mt nb nl pl pt ro ru sk sl sv th tr vi zh".split()  # noqa: SIM905
)


class StripeProvider:
    name = NAME

    def __init__(
        self,
        secret_key: str,
        public_url: str,
        api_base: str = DEFAULT_API_BASE,
        local_methods: Mapping[str, Iterable[str]] | None = None,
        timeout: float = 20.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._secret_key = secret_key
        self.public_url = public_url.rstrip("/")
        self.api_base = api_base.rstrip("/")
        self.local_methods = dict(local_methods or {})
        self.timeout = timeout
        self.clock = clock

    def __repr__(self) -> str:  # the key never reaches a log line through a repr
        return f"StripeProvider(api_base={self.api_base!r})"

    async def create_link(self, request: PaymentRequest) -> PaymentLink:
        params = session_params(request, self.public_url, self.local_methods, self.clock())
        # The attempt's own key: a retried or double-tapped request gets the same session back from Stripe.
        session = await self._post("/v1/checkout/sessions", params, idempotency_key=request.idempotency_key)
        try:
            return PaymentLink(reference=str(session["id"]), url=str(session["url"]))
        except KeyError:
            raise StripeError("Stripe answered a Checkout Session without an id or url") from None

    async def expire(self, attempt: PaymentAttempt) -> None:
        if not attempt.reference:
            return
        try:
            await self._post(f"/v1/checkout/sessions/{attempt.reference}/expire", {})
        except StripeError as refused:
            # Already expired or completed: it takes no money through this link any more either way.
            log.warning("expiring Stripe session %s: %s", attempt.reference, refused)

    async def _post(self, path: str, params: Mapping[str, Any], idempotency_key: str | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self._secret_key}", "Content-Type": "application/x-www-form-urlencoded"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            async with httpx.AsyncClient(base_url=self.api_base, timeout=self.timeout) as client:
                response = await client.post(path, content=urlencode(encode_form(params)), headers=headers)
        except httpx.TimeoutException:
            raise StripeError(f"Stripe did not answer POST {path} within {self.timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise StripeError(f"Stripe could not be reached for POST {path}: {type(exc).__name__}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400 or not isinstance(body, dict):
            raise StripeError(f"Stripe answered POST {path} with {response.status_code}: {describe_error(body)}")
        return body


def describe_error(body: object) -> str:
    """One line from Stripe's error object ({"error": {"type", "code", "message", "param"}})."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "no error object"
    parts = [str(error.get(key)) for key in ("type", "code", "param") if error.get(key)]
    message = str(error.get("message") or "")
    return f"{' '.join(parts)}: {message}".strip(": ")


EVENT_KINDS = {
    "checkout.session.completed": PaymentEventKind.PAID,  # paid only when its payment_status says so
    "checkout.session.async_payment_succeeded": PaymentEventKind.PAID,
    "checkout.session.async_payment_failed": PaymentEventKind.FAILED,
    "checkout.session.expired": PaymentEventKind.EXPIRED,
}


def parse_event(raw: bytes) -> PaymentEvent | None:
    """The PaymentEvent a verified Stripe webhook reports; None for an event that changes nothing here (another
    type, or a completed session whose money has not arrived yet: its async_payment_* event follows)."""
    try:
        body = json.loads(raw)
        kind_name = str(body["type"])
        event_id = str(body["id"])
        session = body["data"]["object"]
    except (ValueError, KeyError, TypeError, RecursionError) as exc:  # RecursionError: JSON nested too deep
        raise MalformedEvent(str(exc)) from None
    kind = EVENT_KINDS.get(kind_name)
    if kind is None:
        return None
    if not isinstance(session, dict) or not session.get("id"):
        raise MalformedEvent("the event names no Checkout Session")
    if kind_name == "checkout.session.completed" and session.get("payment_status") != "paid":
        return None
    amount: Money | None
    minor = session.get("amount_total")
    try:
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise TypeError(minor)  # Stripe's amounts are integers: 29.8 is not 29, Infinity no amount at all
        amount = from_stripe(minor, str(session.get("currency")))
    except (TypeError, ValueError):
        # No amount, or none that is a whole ISO amount (AmountNotChargeable is a ValueError): it matches no order.
        amount = None
    payment = session.get("payment_intent")
    return PaymentEvent(
        provider=NAME,
        event_id=event_id,
        kind=kind,
        reference=str(session["id"]),
        amount=amount,
        payment_id=str(payment) if isinstance(payment, str) else "",
    )
