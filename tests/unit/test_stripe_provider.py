"""The Stripe provider against a strict Stripe-compatible server on loopback: Checkout Sessions form-encoded in
Stripe's bracket notation, one session per attempt whatever the retries, errors turned into one clear StripeError."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiohttp import web

from bot.adapters.stripe_payments import StripeError, StripeProvider, encode_form, session_params
from bot.domain.money import Money
from bot.domain.payments import AttemptStatus, PaymentAttempt, PaymentRequest
from bot.domain.stripe import AmountNotChargeable
from tests.stripe_server import SECRET_KEY, FakeStripe, fake_stripe

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LOCAL = {"NL": ["ideal"], "BE": ["bancontact"]}


def request(amount: Money = Money(2490, "EUR"), country: str | None = "NL", number: int = 1) -> PaymentRequest:
    return PaymentRequest(
        order_id=42,
        buyer_id=7,
        number=number,
        idempotency_key=f"order-42-attempt-{number}",
        amount=amount,
        language="nl",
        expires_at=datetime.now(UTC) + timedelta(minutes=30),
        description="Order #42",
        country=country,
    )


@pytest.fixture
async def stripe() -> AsyncIterator[FakeStripe]:
    async with fake_stripe() as server:
        yield server


def provider(stripe: FakeStripe, key: str = SECRET_KEY) -> StripeProvider:
    return StripeProvider(key, "https://shop.example", api_base=stripe.url, local_methods=LOCAL)


def test_the_form_uses_stripes_bracket_notation() -> None:
    params = {
        "line_items": [{"price_data": {"currency": "eur", "unit_amount": 500}, "quantity": 1}],
        "payment_method_types": ["card", "ideal"],
        "metadata": {"order_id": "42"},
        "mode": "payment",
        "skipped": None,
    }
    assert encode_form(params) == [
        ("line_items[0][price_data][currency]", "eur"),
        ("line_items[0][price_data][unit_amount]", "500"),
        ("line_items[0][quantity]", "1"),
        ("payment_method_types[]", "card"),
        ("payment_method_types[]", "ideal"),
        ("metadata[order_id]", "42"),
        ("mode", "payment"),
    ]


@pytest.mark.parametrize(
    ("wanted", "sent"),
    [
        pytest.param(NOW + timedelta(minutes=5), NOW + timedelta(minutes=31), id="raised to Stripe's 30 minutes"),
        pytest.param(NOW + timedelta(hours=48), NOW + timedelta(hours=24, seconds=-60), id="cut to 24 hours"),
        pytest.param(NOW + timedelta(hours=2), NOW + timedelta(hours=2), id="the payment timeout itself"),
    ],
)
def test_a_session_expires_with_the_payment_timeout_within_stripes_limits(wanted: datetime, sent: datetime) -> None:
    fields = session_params(replace(request(), expires_at=wanted), "https://shop.example", LOCAL, NOW)
    assert fields["expires_at"] == int(sent.timestamp())


async def test_a_dutch_buyer_paying_euros_gets_a_session_with_ideal_and_card(stripe: FakeStripe) -> None:
    link = await provider(stripe).create_link(request())
    [session] = stripe.created()
    assert link.reference == session["id"] and link.url == session["url"]
    assert session["currency"] == "eur" and session["amount_total"] == 2490
    assert session["payment_method_types"] == ["card", "ideal"]
    assert session["client_reference_id"] == "42"
    assert session["metadata"] == {"order_id": "42", "attempt_id": "order-42-attempt-1"}
    [(path, headers, _)] = stripe.requests
    assert path == "/v1/checkout/sessions"
    assert headers["Idempotency-Key"] == "order-42-attempt-1"


async def test_a_retried_or_double_tapped_attempt_gets_the_same_session(stripe: FakeStripe) -> None:
    first, second = await asyncio.gather(
        provider(stripe).create_link(request()), provider(stripe).create_link(request())
    )
    assert first == second
    assert len(stripe.created()) == 1
    third = await provider(stripe).create_link(request(number=2))
    assert third.reference != first.reference


async def test_an_amount_below_stripes_minimum_is_refused_before_calling_stripe(stripe: FakeStripe) -> None:
    with pytest.raises(AmountNotChargeable):
        await provider(stripe).create_link(request(Money(40, "EUR")))
    assert stripe.requests == []


async def test_a_refused_key_becomes_a_stripe_error_that_never_shows_the_key(stripe: FakeStripe) -> None:
    with pytest.raises(StripeError) as refused:
        await provider(stripe, key="sk_test_wrong_and_secret").create_link(request())
    assert "401" in str(refused.value)
    assert "sk_test_wrong_and_secret" not in str(refused.value)
    assert "sk_test_wrong_and_secret" not in repr(provider(stripe, key="sk_test_wrong_and_secret"))


async def test_an_outage_becomes_a_stripe_error(stripe: FakeStripe) -> None:
    stripe.fail_next = 503
    with pytest.raises(StripeError, match="503"):
        await provider(stripe).create_link(request())


async def test_a_stripe_that_does_not_answer_in_time_becomes_a_stripe_error() -> None:
    never = asyncio.Event()

    async def hang(request: web.Request) -> web.Response:
        await never.wait()
        return web.Response()

    app = web.Application()
    app.router.add_post("/v1/checkout/sessions", hang)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        slow = StripeProvider(SECRET_KEY, "https://shop.example", api_base=f"http://127.0.0.1:{port}", timeout=0.2)
        with pytest.raises(StripeError, match="did not answer"):
            await slow.create_link(request())
    finally:
        never.set()
        await runner.cleanup()


async def test_expiring_closes_the_session_so_its_link_takes_no_money(stripe: FakeStripe) -> None:
    link = await provider(stripe).create_link(request())
    attempt = PaymentAttempt(
        attempt_id=1,
        order_id=42,
        number=1,
        provider="stripe",
        idempotency_key="order-42-attempt-1",
        amount=Money(2490, "EUR"),
        status=AttemptStatus.OPEN,
        reference=link.reference,
        url=link.url,
        expires_at=NOW,
    )
    await provider(stripe).expire(attempt)
    assert stripe.sessions[link.reference]["status"] == "expired"
    await provider(stripe).expire(attempt)  # already expired: Stripe says so, and nothing breaks


@pytest.mark.parametrize(
    ("content", "content_type", "auth"),
    [
        pytest.param(b'{"mode": "payment"}', "application/json", f"Bearer {SECRET_KEY}", id="a JSON body"),
        pytest.param(b"mode=payment", "application/x-www-form-urlencoded", "Bearer sk_other", id="the wrong key"),
    ],
)
async def test_the_fake_stripe_refuses_requests_stripe_would_refuse(
    stripe: FakeStripe, content: bytes, content_type: str, auth: str
) -> None:
    headers = {"Authorization": auth, "Content-Type": content_type, "Idempotency-Key": "k"}
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{stripe.url}/v1/checkout/sessions", content=content, headers=headers)
    assert answer.status_code >= 400 and "error" in answer.json()


@pytest.mark.parametrize(
    ("change", "value"),
    [
        pytest.param("line_items[0][price_data][currency]", "EUR", id="an uppercase currency"),
        pytest.param("line_items[0][price_data][unit_amount]", "24.90", id="a decimal amount"),
        pytest.param("Idempotency-Key", "", id="no Idempotency-Key"),
    ],
)
async def test_the_fake_stripe_is_strict_about_the_form(stripe: FakeStripe, change: str, value: str) -> None:
    pairs = encode_form(session_params(request(), "https://shop.example", LOCAL, datetime.now(UTC)))
    headers = {"Authorization": f"Bearer {SECRET_KEY}", "Idempotency-Key": "order-1-attempt-1"}
    headers.pop(change, None)
    pairs = [(key, value if key == change else item) for key, item in pairs]
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{stripe.url}/v1/checkout/sessions", data=dict(pairs), headers=headers)
    assert answer.status_code == 400, answer.text
