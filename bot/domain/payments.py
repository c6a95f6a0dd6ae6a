"""Payments: an order's attempts to be paid through a provider, and what providers report about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.cart import HeldItem
from bot.domain.money import Money
from bot.domain.orders import OrderStatus


class AttemptStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"
    # Money arrived for an order that had expired or was paid already: kept for a refund or manual handling.
    REFUND_DUE = "refund_due"


class PaymentEventKind(StrEnum):
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"


class Outcome(StrEnum):
    """What settling an event did; stored with the event."""

    PAID = "paid"
    EXPIRED = "expired"
    LATE = "late"  # paid, but the order was no longer awaiting payment: flagged for a refund
    MISMATCH = "mismatch"  # amount or currency differ from the order's: never applied
    IGNORED = "ignored"  # nothing to change (the attempt was closed already)
    DUPLICATE = "duplicate"  # the event was settled before (not stored again)
    UNKNOWN = "unknown"  # no attempt has that reference (not stored)


def idempotency_key(order_id: int, number: int) -> str:
    """The same for every retry of one attempt, so a provider never opens two sessions for it."""
    return f"order-{order_id}-attempt-{number}"


@dataclass(frozen=True, slots=True)
class PayableOrder:
    """An order as payments need it: whose, in what language, and what it costs in the buyer's currency."""

    order_id: int
    buyer_id: int
    language: str
    status: OrderStatus
    total: Money
    placed_at: datetime | None
    country: str | None = None  # where the order ships (else the buyer's country): local payment methods


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What a provider needs to open a payment session for one attempt."""

    order_id: int
    buyer_id: int
    number: int
    idempotency_key: str
    amount: Money
    language: str
    expires_at: datetime
    description: str
    country: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentLink:
    reference: str  # the provider's session id (the sandbox's page token)
    url: str


@dataclass(frozen=True, slots=True)
class PaymentAttempt:
    attempt_id: int
    order_id: int
    number: int
    provider: str
    idempotency_key: str
    amount: Money
    status: AttemptStatus
    reference: str | None
    url: str | None
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    """A provider's report, verified and parsed by its adapter; `event_id` is unique per provider."""

    provider: str
    event_id: str
    kind: PaymentEventKind
    reference: str
    amount: Money | None = None
    payment_id: str = ""


@dataclass(frozen=True, slots=True)
class Settlement:
    outcome: Outcome
    order_id: int | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a paid order's buyer is shown."""

    order_id: int
    items: tuple[HeldItem, ...]
    total: Money
    shop: str = ""  # the shop's name (SHOP_NAME)


@dataclass(frozen=True, slots=True)
class PaymentPage:
    """What a hosted payment page shows for one attempt."""

    attempt: PaymentAttempt
    order: PayableOrder
    items: tuple[HeldItem, ...]

    @property
    def takes_money(self) -> bool:
        return self.attempt.status is AttemptStatus.OPEN and self.order.status is OrderStatus.AWAITING_PAYMENT
