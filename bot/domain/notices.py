"""What the core tells a buyer outside a reply; the chat layer renders each in the buyer's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.buyer import Role
from bot.domain.cart import Cart, CartLine
from bot.domain.money import Money
from bot.domain.payments import Receipt
from bot.domain.stream_report import StreamReport
from bot.domain.streams import AnnouncementKind, StreamTotals


@dataclass(frozen=True, slots=True)
class HoldEndingSoon:
    """The holds of the lines for `ending` (SKU ids) end soon; the rest of the cart may be held longer."""

    buyer_id: int
    language: str
    expires_at: datetime
    cart: Cart
    ending: frozenset[int] = frozenset()

    @property
    def ending_lines(self) -> tuple[CartLine, ...]:
        return tuple(line for line in self.cart.lines if line.sku_id in self.ending) or self.cart.lines


@dataclass(frozen=True, slots=True)
class HoldExpired:
    """These lines' holds ended and their units went back on sale."""

    buyer_id: int
    language: str
    lines: tuple[CartLine, ...]


@dataclass(frozen=True, slots=True)
class WaitlistOffer:
    """Units the buyer waited for are now in their cart, held until `expires_at`."""

    buyer_id: int
    language: str
    line: CartLine
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PaymentReceived:
    """The order is paid: the buyer's receipt."""

    buyer_id: int
    language: str
    receipt: Receipt


@dataclass(frozen=True, slots=True)
class PaymentTimedOut:
    """The order was not paid in time (or the payment failed): it expired and its units went back on sale."""

    buyer_id: int
    language: str
    order_id: int


@dataclass(frozen=True, slots=True)
class OrderPaid:
    """For a merchant or ops (`recipient_id`, in their language): an order was paid."""

    recipient_id: int
    language: str
    order_id: int
    buyer_name: str
    total: Money
    items: int  # units in the order


@dataclass(frozen=True, slots=True)
class PaymentLate:
    """For a merchant or ops: money arrived for an order that had already expired (or was paid by another attempt);
    it is kept and flagged for a refund or manual handling."""

    recipient_id: int
    language: str
    order_id: int
    amount: Money | None
    provider: str
    reference: str  # the provider's payment id, else its session reference


@dataclass(frozen=True, slots=True)
class PaymentMismatch:
    """For a merchant or ops: a payment's amount or currency differs from the order; it was not applied."""

    recipient_id: int
    language: str
    order_id: int
    paid: Money | None
    due: Money
    provider: str
    reference: str


@dataclass(frozen=True, slots=True)
class AnnouncementMissed:
    """For a merchant: an announcement fell due while no bot ran and was found later than the grace period allows;
    it was not sent."""

    recipient_id: int
    language: str
    stream_id: int
    title: str
    kind: AnnouncementKind
    offset_seconds: int
    due_at: datetime
    timezone: str = "UTC"  # the stream's: the merchant planned in it


@dataclass(frozen=True, slots=True)
class AnnouncementReport:
    """For a merchant: an announcement went out to the subscribers."""

    recipient_id: int
    language: str
    stream_id: int
    title: str
    kind: AnnouncementKind
    offset_seconds: int
    delivered: int
    blocked: int
    failed: int
    took: timedelta


@dataclass(frozen=True, slots=True)
class StreamEnded:
    """For a merchant: a stream ended; how it sold."""

    recipient_id: int
    language: str
    stream_id: int
    title: str
    totals: StreamTotals


@dataclass(frozen=True, slots=True)
class StreamChart:
    """For a merchant (or whoever asked with /report): a stream's report drawn as a PNG, its texts in `language`."""

    recipient_id: int
    language: str
    report: StreamReport
    picture: bytes


@dataclass(frozen=True, slots=True)
class BroadcastFinished:
    """For a merchant: a message they broadcast went out (delivered, blocked the bot, failed, and how long it took)."""

    recipient_id: int
    language: str
    broadcast_id: int
    delivered: int
    blocked: int
    failed: int
    took: timedelta


@dataclass(frozen=True, slots=True)
class QuestionForStaff:
    """For a merchant or the support chat (`recipient_id`, in `language`): a buyer's question the bot could not
    answer; a reply to it goes back to the buyer."""

    recipient_id: int
    language: str
    buyer_name: str
    buyer_language: str
    question: str


@dataclass(frozen=True, slots=True)
class ShopAnswered:
    """For a buyer: the shop's reply to the question they asked (translated into their language when a language
    model could)."""

    buyer_id: int
    language: str
    question: str
    text: str


@dataclass(frozen=True, slots=True)
class RoleChanged:
    """For the person a merchant granted a role to (or revoked it from): what they may do now."""

    recipient_id: int
    language: str
    role: Role
    granted: bool


StreamNotice = AnnouncementMissed | AnnouncementReport | StreamEnded | StreamChart
StaffNotice = OrderPaid | PaymentLate | PaymentMismatch
BuyerNotice = HoldEndingSoon | HoldExpired | WaitlistOffer | PaymentReceived | PaymentTimedOut | ShopAnswered
Notice = BuyerNotice | StaffNotice | StreamNotice | BroadcastFinished | QuestionForStaff | RoleChanged


def recipient_of(notice: Notice) -> int:
    """Whom a notice goes to: the buyer, or the merchant or ops person it names."""
    if isinstance(notice, StaffNotice | StreamNotice | BroadcastFinished | QuestionForStaff | RoleChanged):
        return notice.recipient_id
    return notice.buyer_id
