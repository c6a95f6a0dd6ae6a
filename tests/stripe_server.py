"""A Stripe-compatible server on loopback for the tests: the two Checkout Session calls the bot makes, strict about
Stripe's request format (form-encoded bracket notation, Bearer key, Idempotency-Key, lowercase currencies, integer
amounts in Stripe's units), honouring idempotency keys as Stripe does, and able to post signed webhooks.

Written from Stripe's API reference, independently of bot/adapters/stripe_payments.py, so it checks that code."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.adapters.signatures import signature_header

SECRET_KEY = "sk_test_livesell_fake"
WEBHOOK_SECRET = "whsec_livesell_fake"
ZERO_DECIMAL = {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "vnd", "vuv", "xaf", "xof", "xpf"}
THREE_DECIMAL = {"bhd", "jod", "kwd", "omr", "tnd"}
WHOLE_HUNDREDS = {"huf", "isk", "twd", "ugx"}
METHODS = {"card", "ideal", "bancontact", "eps", "p24", "blik", "twint", "alipay", "wechat_pay"}
# The parameters a session may be created with, as Stripe spells them (bracket notation).
ALLOWED = re.compile(
    r"^(mode|success_url|cancel_url|client_reference_id|expires_at|locale|customer_email"
    r"|payment_method_types\[\d*\]|metadata\[[a-z_]+\]"
    r"|line_items\[\d+\]\[(quantity|price_data\]\[(currency|unit_amount|product_data\]\[name))\])$"
)
INTEGER = re.compile(r"^[0-9]+$")


class Refused(Exception):
    def __init__(self, status: int, message: str, param: str = "", kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.message, self.param, self.kind = status, message, param, kind

    def response(self) -> web.Response:
        error = {"type": self.kind, "message": self.message, **({"param": self.param} if self.param else {})}
        return web.json_response({"error": error}, status=self.status)


@dataclass
class FakeStripe:
    url: str = ""
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Every request as received: (path, headers, form pairs); refused ones too.
    requests: list[tuple[str, dict[str, str], list[tuple[str, str]]]] = field(default_factory=list)
    idempotent: dict[str, tuple[list[tuple[str, str]], dict[str, Any]]] = field(default_factory=dict)
    fail_next: int | None = None  # answer the next call with this status (a 5xx outage)

    def created(self) -> list[dict[str, Any]]:
        return list(self.sessions.values())

    async def _form(self, request: web.Request) -> list[tuple[str, str]]:
        if request.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
            raise Refused(401, "Invalid API Key provided.")
        if not request.can_read_body:
            return []
        if request.content_type != "application/x-www-form-urlencoded":
            raise Refused(400, f"Stripe takes form-encoded bodies, not {request.content_type}")
        posted = await request.post()
        return [(key, str(value)) for key, value in posted.items()]

    async def create_session(self, request: web.Request) -> web.Response:
        try:
            pairs = await self._form(request)
            self.requests.append((request.path, dict(request.headers), pairs))
            if self.fail_next is not None:
                status, self.fail_next = self.fail_next, None
                raise Refused(status, "An error occurred with our connection to Stripe.", kind="api_error")
            key = request.headers.get("Idempotency-Key")
            if not key:
                raise Refused(400, "this test server requires an Idempotency-Key on every create")
            if key in self.idempotent:
                earlier, answer = self.idempotent[key]
                if sorted(earlier) != sorted(pairs):
                    raise Refused(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters",
                        kind="idempotency_error",
                    )
                return web.json_response(answer)
            session = self._session(pairs)
            self.idempotent[key] = (pairs, session)
            self.sessions[session["id"]] = session
            return web.json_response(session)
        except Refused as refused:
            return refused.response()

    def _session(self, pairs: list[tuple[str, str]]) -> dict[str, Any]:
        form: dict[str, str] = {}
        methods: list[str] = []
        for key, value in pairs:
            if not ALLOWED.match(key):
                raise Refused(400, f"Received unknown parameter: {key}", key)
            if key.startswith("payment_method_types["):
                if value not in METHODS:
                    raise Refused(400, f"The payment method type provided: {value} is invalid.", key)
                methods.append(value)
            else:
                form[key] = value
        if form.get("mode") != "payment":
            raise Refused(400, "mode must be payment here", "mode")
        for url in ("success_url", "cancel_url"):
            if not form.get(url, "").startswith(("http://", "https://")):
                raise Refused(400, f"Not a valid URL: {url}", url)
        prefix = "line_items[0][price_data]"
        currency = form.get(f"{prefix}[currency]", "")
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise Refused(
                400, f"Invalid currency: {currency}. Stripe currencies are three lowercase letters", "currency"
            )
        amount_text = form.get(f"{prefix}[unit_amount]", "")
        quantity_text = form.get("line_items[0][quantity]", "")
        if not INTEGER.match(amount_text) or not INTEGER.match(quantity_text):
            raise Refused(400, "unit_amount and quantity must be integers", f"{prefix}[unit_amount]")
        amount = int(amount_text) * int(quantity_text)
        if (currency in THREE_DECIMAL and amount % 10) or (currency in WHOLE_HUNDREDS and amount % 100):
            raise Refused(400, f"Invalid amount for {currency}", f"{prefix}[unit_amount]")
        if not form.get(f"{prefix}[product_data][name]"):
            raise Refused(400, "Missing required param: product_data[name]", f"{prefix}[product_data][name]")
        expires_text = form.get("expires_at", "")
        now = int(time.time())
        if not INTEGER.match(expires_text) or not now + 30 * 60 <= int(expires_text) <= now + 24 * 3600:
            raise Refused(400, "expires_at must be 30 minutes to 24 hours from now", "expires_at")
        number = len(self.sessions) + 1
        session_id = f"cs_test_{number:04d}"
        return {
            "id": session_id,
            "object": "checkout.session",
            "url": f"{self.url}/c/pay/{session_id}",
            "mode": "payment",
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount,
            "currency": currency,
            "client_reference_id": form.get("client_reference_id"),
            "metadata": {key[9:-1]: value for key, value in form.items() if key.startswith("metadata[")},
            "payment_method_types": methods or ["card"],
            "expires_at": int(expires_text),
            "payment_intent": None,
        }

    async def expire_session(self, request: web.Request) -> web.Response:
        try:
            self.requests.append((request.path, dict(request.headers), await self._form(request)))
            session = self.sessions.get(request.match_info["id"])
            if session is None:
                raise Refused(404, "No such checkout.session", "session")
            if session["status"] != "open":
                raise Refused(400, f"Only open sessions can be expired; this one is {session['status']}")
            session["status"] = "expired"
            return web.json_response(session)
        except Refused as refused:
            return refused.response()

    def event(self, kind: str, session_id: str, *, event_id: str | None = None, **changes: Any) -> bytes:
        """A webhook body about a session (paid sessions complete with payment_status paid)."""
        session = dict(self.sessions[session_id])
        if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
            session.update(status="complete", payment_status="paid", payment_intent=f"pi_{session_id}")
        session.update(changes)
        body = {
            "id": event_id or f"evt_{kind.rsplit('.', 1)[1]}_{session_id}",
            "object": "event",
            "type": kind,
            "created": int(time.time()),
            "data": {"object": session},
        }
        return json.dumps(body).encode()

    async def post_webhook(
        self, endpoint: str, body: bytes, secret: str = WEBHOOK_SECRET, age: int = 0
    ) -> tuple[int, dict[str, Any]]:
        headers = {
            "Stripe-Signature": signature_header(secret, body, int(time.time()) - age),
            "Content-Type": "application/json; charset=utf-8",
        }
        async with aiohttp.ClientSession() as http, http.post(endpoint, data=body, headers=headers) as answer:
            return answer.status, await answer.json()


@asynccontextmanager
async def fake_stripe() -> AsyncIterator[FakeStripe]:
    stripe = FakeStripe()
    app = web.Application()
    app.router.add_post("/v1/checkout/sessions", stripe.create_session)
    app.router.add_post("/v1/checkout/sessions/{id}/expire", stripe.expire_session)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    stripe.url = f"http://127.0.0.1:{port}"
    try:
        yield stripe
    finally:
        await runner.cleanup()
