"""An order's life: the states it passes through and the only moves allowed between them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bot.domain.money import Money


class OrderStatus(StrEnum):
    CART = "cart"
    CHECKOUT = "checkout"
    AWAITING_PAYMENT = "awaiting_payment"
    PAID = "paid"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    SHIPPED = "shipped"


# A cart and a cart in checkout are "open": they hold stock under a timer, and a buyer has at most one.
OPEN_STATUSES = frozenset({OrderStatus.CART, OrderStatus.CHECKOUT})
# Orders whose units are taken off `sku.stock` but not sold yet.
RESERVING_STATUSES = OPEN_STATUSES | {OrderStatus.AWAITING_PAYMENT}

ALLOWED_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.CART: frozenset({OrderStatus.CHECKOUT, OrderStatus.CANCELLED, OrderStatus.EXPIRED}),
    OrderStatus.CHECKOUT: frozenset(
        {OrderStatus.CART, OrderStatus.AWAITING_PAYMENT, OrderStatus.CANCELLED, OrderStatus.EXPIRED}
    ),
    OrderStatus.AWAITING_PAYMENT: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED, OrderStatus.EXPIRED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.REFUNDED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.REFUNDED}),
    OrderStatus.CANCELLED: frozenset(),
    OrderStatus.EXPIRED: frozenset(),
    OrderStatus.REFUNDED: frozenset(),
}


class InvalidTransition(ValueError):
    """An order was asked to move where its current state does not lead."""

    def __init__(self, old: OrderStatus, new: OrderStatus) -> None:
        super().__init__(f"an order cannot go from {old} to {new}")
        self.old = old
        self.new = new


def check_transition(old: OrderStatus, new: OrderStatus) -> None:
    if new not in ALLOWED_TRANSITIONS[old]:
        raise InvalidTransition(old, new)


class EventKind(StrEnum):
    """What an `order_event` row records besides status changes."""

    STATUS = "status"
    HOLD_EXPIRED = "hold_expired"
    WAITLIST_OFFER = "waitlist_offer"
    WAITLIST_WITHDRAWN = "waitlist_withdrawn"
    PAYMENT_LATE = "payment_late"  # money arrived after the order expired: to refund
    PAYMENT_MISMATCH = "payment_mismatch"  # a payment whose amount or currency differ: not applied


@dataclass(frozen=True, slots=True)
class OrderEvent:
    order_id: int
    kind: EventKind
    from_status: OrderStatus | None
    to_status: OrderStatus | None
    detail: str
    at: datetime


@dataclass(frozen=True, slots=True)
class OrderSummary:
    """One line of /orders."""

    order_id: int
    status: OrderStatus
    total: Money
    created_at: datetime
    lines: int
    units: int = 0


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    order_id: int
    status: OrderStatus
    total: Money


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """A buyer's cart, possibly in checkout."""

    order_id: int
    buyer_id: int
    status: OrderStatus


@dataclass(frozen=True, slots=True)
class SkuRef:
    """An SKU on sale, with what ordering it needs to know about its product."""

    sku_id: int
    product_id: int
    code: str
    variant: str
    price: Money
    stock: int
    # The variant's name by language, where the catalogue translates it.
    names: dict[str, str] = field(default_factory=dict)

    def variant_in(self, language: str) -> str:
        return self.names.get(language) or self.names.get(language.split("_", 1)[0]) or self.variant


@dataclass(frozen=True, slots=True)
class DueReminder:
    order_id: int
    buyer_id: int
    language: str
    line_ids: tuple[int, ...]
    expires_at: datetime
    sku_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ExpiredHold:
    line_id: int
    order_id: int
    buyer_id: int
    language: str
    sku_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class WaitingEntry:
    entry_id: int
    buyer_id: int
    sku_id: int
    quantity: int
