"""Stripe's checkout.session.* webhooks read as payment events: paid only when payment_status is paid, amounts back
in ISO minor units, other event types acknowledged and left alone."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.adapters.stripe_payments import MalformedEvent, parse_event
from bot.domain.money import Money
from bot.domain.payments import PaymentEventKind


def body(kind: str, **session: Any) -> bytes:
    fields = {"id": "cs_test_1", "amount_total": 2980, "currency": "eur", "payment_status": "paid", **session}
    return json.dumps({"id": "evt_1", "type": kind, "data": {"object": fields}}).encode()


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("checkout.session.completed", PaymentEventKind.PAID),
        ("checkout.session.async_payment_succeeded", PaymentEventKind.PAID),
        ("checkout.session.async_payment_failed", PaymentEventKind.FAILED),
        ("checkout.session.expired", PaymentEventKind.EXPIRED),
    ],
)
def test_the_four_checkout_events_become_payment_events(kind: str, expected: PaymentEventKind) -> None:
    event = parse_event(body(kind, payment_intent="pi_1"))
    assert event is not None
    assert (event.provider, event.event_id, event.kind, event.reference) == ("stripe", "evt_1", expected, "cs_test_1")
    assert event.amount == Money(2980, "EUR") and event.payment_id == "pi_1"


def test_a_completed_session_whose_money_has_not_arrived_is_not_paid() -> None:
    assert parse_event(body("checkout.session.completed", payment_status="unpaid")) is None


def test_other_event_types_are_acknowledged_and_ignored() -> None:
    assert parse_event(body("payment_intent.created")) is None


def test_amounts_come_back_from_stripes_units() -> None:
    event = parse_event(body("checkout.session.completed", amount_total=500000, currency="isk"))
    assert event is not None and event.amount == Money(5000, "ISK")


def test_an_amount_that_is_no_whole_iso_amount_matches_no_order() -> None:
    event = parse_event(body("checkout.session.completed", amount_total=500050, currency="isk"))
    assert event is not None and event.amount is None


@pytest.mark.parametrize(
    "raw", [b"not json", b'{"id": "evt_1"}', b'{"id": "e", "type": "checkout.session.expired", "data": {"object": []}}']
)
def test_a_body_that_is_no_stripe_event_is_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedEvent):
        parse_event(raw)
