"""PaymentService with in-memory fakes: links reused, events settled once, amounts checked, late money kept, unpaid
orders expired with their units back and the provider's session closed."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self

import pytest

from bot.domain.buyer import Buyer
from bot.domain.cart import HeldItem
from bot.domain.money import Money
from bot.domain.notices import (
    Notice,
    OrderPaid,
    PaymentLate,
    PaymentMismatch,
    PaymentReceived,
    PaymentTimedOut,
    recipient_of,
)
from bot.domain.orders import EventKind, OrderStatus
from bot.domain.payments import (
    AttemptStatus,
    Outcome,
    PayableOrder,
    PaymentAttempt,
    PaymentEvent,
    PaymentEventKind,
    PaymentLink,
    PaymentRequest,
    idempotency_key,
)
from bot.domain.roles import Role, RoleGrant
from bot.services.payments import NotAwaitingPayment, PaymentService

START = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
SCARF = HeldItem(1, 7, 3, "A10", "Silk scarf", "", 2, Money(1990, "EUR"), frozenset({"*"}), None)


@dataclass
class World:
    orders: dict[int, PayableOrder] = field(default_factory=dict)
    attempts: dict[int, PaymentAttempt] = field(default_factory=dict)
    events: dict[tuple[str, str], str] = field(default_factory=dict)
    told: set[tuple[str, str]] = field(default_factory=set)
    received_at: dict[tuple[str, str], datetime] = field(default_factory=dict)
    order_events: list[tuple[int, EventKind]] = field(default_factory=list)
    stock: dict[int, int] = field(default_factory=dict)
    buyers: dict[int, Buyer] = field(default_factory=dict)
    grants: list[RoleGrant] = field(default_factory=list)


class FakeUnit:
    """One transaction over a copy of the world; commit publishes it. Plays every repository the service uses."""

    def __init__(self, shop: FakeShop) -> None:
        self.shop = shop

    async def __aenter__(self) -> Self:
        self.world = copy.deepcopy(self.shop.world)
        self.orders = self.stock = self.payments = self.buyers = self.roles = self
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """What was not committed is dropped with the copy."""

    async def commit(self) -> None:
        self.shop.world = copy.deepcopy(self.world)

    # orders
    async def set_status(
        self, order_id: int, old: OrderStatus, new: OrderStatus, now: datetime, detail: str = ""
    ) -> bool:
        order = self.world.orders[order_id]
        if order.status is not old:
            return False
        self.world.orders[order_id] = replace(order, status=new)
        return True

    async def record(self, order_id: int, kind: EventKind, now: datetime, detail: str = "") -> None:
        self.world.order_events.append((order_id, kind))

    async def items(self, order_id: int, language: str) -> Sequence[HeldItem]:
        return [SCARF]

    # stock
    async def release(self, sku_id: int, quantity: int) -> None:
        self.world.stock[sku_id] = self.world.stock.get(sku_id, 0) + quantity

    # buyers
    async def get(self, telegram_id: int) -> Buyer | None:
        return self.world.buyers.get(telegram_id)

    # payments
    async def payable(self, order_id: int) -> PayableOrder | None:
        return self.world.orders.get(order_id)

    async def open_attempt(self, order_id: int) -> PaymentAttempt | None:
        return next(
            (a for a in self.world.attempts.values() if a.order_id == order_id and a.status is AttemptStatus.OPEN),
            None,
        )

    async def add_attempt(
        self, order_id: int, provider: str, amount: Money, expires_at: datetime, now: datetime
    ) -> PaymentAttempt | None:
        if await self.open_attempt(order_id) is not None:
            return None
        number = 1 + sum(a.order_id == order_id for a in self.world.attempts.values())
        attempt_id = len(self.world.attempts) + 1
        attempt = PaymentAttempt(
            attempt_id, order_id, number, provider, idempotency_key(order_id, number), amount,
            AttemptStatus.OPEN, None, None, expires_at,
        )  # fmt: skip
        self.world.attempts[attempt_id] = attempt
        return attempt

    async def set_link(self, attempt_id: int, reference: str, url: str) -> None:
        self.world.attempts[attempt_id] = replace(self.world.attempts[attempt_id], reference=reference, url=url)

    async def by_reference(self, provider: str, reference: str) -> PaymentAttempt | None:
        return next((a for a in self.world.attempts.values() if a.reference == reference), None)

    async def close_attempt(self, attempt_id: int, status: AttemptStatus, now: datetime, payment_id: str = "") -> bool:
        if self.world.attempts[attempt_id].status is not AttemptStatus.OPEN:
            return False
        self.world.attempts[attempt_id] = replace(self.world.attempts[attempt_id], status=status)
        return True

    async def flag_refund(self, attempt_id: int, now: datetime, payment_id: str) -> None:
        self.world.attempts[attempt_id] = replace(self.world.attempts[attempt_id], status=AttemptStatus.REFUND_DUE)

    async def record_event(self, event: PaymentEvent, order_id: int | None, now: datetime) -> bool:
        key = (event.provider, event.event_id)
        if key in self.world.events:
            return False
        self.world.events[key] = ""
        self.world.received_at[key] = now
        return True

    async def set_outcome(self, event: PaymentEvent, outcome: str, detail: str = "") -> None:
        self.world.events[(event.provider, event.event_id)] = outcome

    async def claim_untold_receipt(self, event: PaymentEvent, received_before: datetime) -> bool:
        key = (event.provider, event.event_id)
        untold = self.world.events.get(key) == "paid" and key not in self.world.told
        if untold and self.world.received_at[key] < received_before:
            self.world.told.add(key)
            return True
        return False

    async def mark_told(self, event: PaymentEvent) -> None:
        self.world.told.add((event.provider, event.event_id))

    # roles
    async def grants(self) -> Sequence[RoleGrant]:
        return list(self.world.grants)

    async def due(self, placed_before: datetime, limit: int) -> Sequence[int]:
        return [
            order.order_id
            for order in self.world.orders.values()
            if order.status is OrderStatus.AWAITING_PAYMENT and order.placed_at and order.placed_at <= placed_before
        ]


class FakeShop:
    def __init__(self) -> None:
        self.world = World()

    def __call__(self) -> FakeUnit:
        return FakeUnit(self)


@dataclass
class FakeProvider:
    name: str = "sandbox"
    sessions: dict[str, str] = field(default_factory=dict)
    expired: list[str] = field(default_factory=list)

    async def create_link(self, request: PaymentRequest) -> PaymentLink:
        reference = self.sessions.setdefault(request.idempotency_key, f"ps_{len(self.sessions) + 1}")
        return PaymentLink(reference, f"https://pay.example/{reference}")

    async def expire(self, attempt: PaymentAttempt) -> None:
        self.expired.append(attempt.reference or "")


@dataclass
class Told:
    sent: list[Notice] = field(default_factory=list)

    async def send(self, notice: Notice) -> bool:
        self.sent.append(notice)
        return True


class NoWaitlist:
    offered = 0

    async def offer_restocked(self, sku_ids: list[int] | None = None, now: datetime | None = None) -> int:
        self.offered += 1
        return 0


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


def make(status: OrderStatus = OrderStatus.AWAITING_PAYMENT) -> tuple[PaymentService, FakeShop, FakeProvider, Told]:
    shop, provider, told = FakeShop(), FakeProvider(), Told()
    shop.world.orders[1] = PayableOrder(1, 42, "de", status, Money(9627, "JPY"), START)
    service = PaymentService(shop, provider, told, NoWaitlist(), timeout_minutes=30, clock=Clock())  # type: ignore[arg-type]
    return service, shop, provider, told


def paid(reference: str, amount: Money = Money(9627, "JPY"), event_id: str = "evt_1") -> PaymentEvent:
    return PaymentEvent("sandbox", event_id, PaymentEventKind.PAID, reference, amount, "pay_1")


async def test_link_for_opens_one_attempt_and_reuses_it() -> None:
    service, _shop, provider, _ = make()
    first = await service.link_for(1)
    again = await service.link_for(1)
    assert first == again
    assert first.amount == Money(9627, "JPY") and first.idempotency_key == "order-1-attempt-1"
    assert first.expires_at == START + timedelta(minutes=30)
    assert len(provider.sessions) == 1


async def test_no_link_for_an_order_that_is_not_awaiting_payment() -> None:
    service, *_ = make(OrderStatus.PAID)
    try:
        await service.link_for(1)
    except NotAwaitingPayment as refused:
        assert refused.order_id == 1
    else:
        raise AssertionError("a paid order got a payment link")


async def test_a_payment_is_settled_once_with_one_receipt() -> None:
    service, shop, _, told = make()
    attempt = await service.link_for(1)
    assert attempt.reference is not None
    outcomes = [(await service.settle(paid(attempt.reference))).outcome for _ in range(3)]
    assert outcomes == [Outcome.PAID, Outcome.DUPLICATE, Outcome.DUPLICATE]
    assert shop.world.orders[1].status is OrderStatus.PAID
    [receipt] = told.sent
    assert isinstance(receipt, PaymentReceived) and receipt.language == "de" and receipt.receipt.total.currency == "JPY"


class DiesBeforeTheReceipt(Told):
    """The process is killed after the payment's commit, before its receipt is out."""

    async def send(self, notice: Notice) -> bool:
        raise SystemExit("SIGKILL")


async def test_a_payment_whose_receipt_a_crash_stopped_gets_it_from_the_providers_retry_once() -> None:
    dying, shop, provider, _ = make()
    attempt = await dying.link_for(1)
    assert attempt.reference is not None
    dying.notifier = DiesBeforeTheReceipt()
    with pytest.raises(SystemExit):
        await dying.settle(paid(attempt.reference))
    assert shop.world.orders[1].status is OrderStatus.PAID  # committed, receipt not sent, webhook not answered

    told, clock = Told(), Clock()
    restarted = PaymentService(shop, provider, told, NoWaitlist(), clock=clock, receipt_retry_seconds=60)  # type: ignore[arg-type]
    # A replay within a minute of the first delivery: that one may still be sending the receipt; nothing is sent.
    clock.now = START + timedelta(seconds=59)
    assert (await restarted.settle(paid(attempt.reference))).outcome is Outcome.DUPLICATE
    assert told.sent == []
    # Later, the receipt is taken over once, however many replays come.
    clock.now = START + timedelta(seconds=61)
    outcomes = [(await restarted.settle(paid(attempt.reference))).outcome for _ in range(3)]
    assert outcomes == [Outcome.DUPLICATE] * 3
    [receipt] = told.sent
    assert isinstance(receipt, PaymentReceived) and receipt.receipt.order_id == 1


class SlowToTell(Told):
    """Sending takes until `released`; `sending` is set when the first send began."""

    def __init__(self) -> None:
        super().__init__()
        self.sending, self.released = asyncio.Event(), asyncio.Event()

    async def send(self, notice: Notice) -> bool:
        self.sending.set()
        await self.released.wait()
        return await super().send(notice)


async def test_replays_while_the_first_delivery_is_still_sending_the_receipt_send_no_second_one() -> None:
    service, _shop, _, _ = make()
    told = service.notifier = SlowToTell()
    attempt = await service.link_for(1)
    assert attempt.reference is not None
    first = asyncio.create_task(service.settle(paid(attempt.reference)))
    await told.sending.wait()
    replays = [service.settle(paid(attempt.reference)) for _ in range(3)]
    outcomes = [settled.outcome for settled in await asyncio.wait_for(asyncio.gather(*replays), 5)]
    assert outcomes == [Outcome.DUPLICATE] * 3
    told.released.set()
    assert (await first).outcome is Outcome.PAID
    assert [type(notice) for notice in told.sent] == [PaymentReceived]


async def test_a_wrong_amount_or_currency_is_flagged_and_not_applied() -> None:
    service, shop, _, told = make()
    attempt = await service.link_for(1)
    assert attempt.reference is not None
    assert (await service.settle(paid(attempt.reference, Money(9627, "EUR")))).outcome is Outcome.MISMATCH
    assert shop.world.orders[1].status is OrderStatus.AWAITING_PAYMENT
    assert shop.world.order_events == [(1, EventKind.PAYMENT_MISMATCH)]
    assert told.sent == []


async def test_money_for_an_expired_order_is_flagged_for_refund() -> None:
    service, shop, provider, told = make()
    attempt = await service.link_for(1)
    assert attempt.reference is not None
    assert await service.expire_due(START + timedelta(minutes=31)) == 1
    assert provider.expired == [attempt.reference]
    assert (await service.settle(paid(attempt.reference))).outcome is Outcome.LATE
    assert shop.world.orders[1].status is OrderStatus.EXPIRED
    assert shop.world.attempts[attempt.attempt_id].status is AttemptStatus.REFUND_DUE
    assert (1, EventKind.PAYMENT_LATE) in shop.world.order_events
    assert [type(notice) for notice in told.sent] == [PaymentTimedOut]


async def test_the_timeout_expires_only_what_is_due_and_gives_the_units_back() -> None:
    service, shop, _, _told = make()
    assert await service.expire_due(START + timedelta(minutes=29)) == 0
    assert await service.expire_due(START + timedelta(minutes=30)) == 1
    assert shop.world.stock == {SCARF.sku_id: SCARF.quantity}
    assert await service.expire_due(START + timedelta(minutes=60)) == 0


async def test_a_declined_payment_expires_the_order_and_a_later_one_changes_nothing() -> None:
    service, shop, _, _told = make()
    attempt = await service.link_for(1)
    assert attempt.reference is not None
    declined = PaymentEvent("sandbox", "evt_d", PaymentEventKind.FAILED, attempt.reference)
    assert (await service.settle(declined)).outcome is Outcome.EXPIRED
    again = PaymentEvent("sandbox", "evt_e", PaymentEventKind.EXPIRED, attempt.reference)
    assert (await service.settle(again)).outcome is Outcome.IGNORED
    assert shop.world.stock == {SCARF.sku_id: SCARF.quantity}


async def test_an_event_for_an_unknown_session_is_not_recorded() -> None:
    service, shop, *_ = make()
    assert (await service.settle(paid("ps_nobody"))).outcome is Outcome.UNKNOWN
    assert shop.world.events == {}


MERCHANT, OPS = 501, 502


@dataclass
class Unreachable(Told):
    """Delivers to everyone but `blocked` (returns False) and `gone` (raises, as a chat Telegram cannot find)."""

    blocked: frozenset[int] = frozenset()
    gone: frozenset[int] = frozenset()

    async def send(self, notice: Notice) -> bool:
        if recipient_of(notice) in self.gone:
            raise RuntimeError("Bad Request: chat not found")
        if recipient_of(notice) in self.blocked:
            return False
        return await super().send(notice)


def make_with_staff(told: Told | None = None) -> tuple[PaymentService, FakeShop, Told]:
    shop, told = FakeShop(), told or Told()
    shop.world.orders[1] = PayableOrder(1, 42, "de", OrderStatus.AWAITING_PAYMENT, Money(9627, "JPY"), START)
    shop.world.buyers[42] = Buyer(42, "de", name="Anna")
    shop.world.buyers[OPS] = Buyer(OPS, "fr")  # wrote to the bot once: their language is known
    service = PaymentService(
        shop,  # type: ignore[arg-type]
        FakeProvider(),
        told,
        NoWaitlist(),  # type: ignore[arg-type]
        clock=Clock(),
        shop_name="Kyoto Silk",
        staff_ids=[MERCHANT, OPS, MERCHANT],
        staff_language="it",
    )
    return service, shop, told


async def test_a_paid_order_tells_the_buyer_then_each_merchant_and_ops_once_in_their_language() -> None:
    service, _shop, told = make_with_staff()
    attempt = await service.link_for(1)
    assert attempt.reference is not None
    await service.settle(paid(attempt.reference))
    await service.settle(paid(attempt.reference))  # replayed: nobody is told again
    receipt, *staff = told.sent
    assert isinstance(receipt, PaymentReceived) and receipt.receipt.shop == "Kyoto Silk"
    assert staff == [
        OrderPaid(MERCHANT, "it", 1, "Anna", Money(9627, "JPY"), SCARF.quantity),
        OrderPaid(OPS, "fr", 1, "Anna", Money(9627, "JPY"), SCARF.quantity),
    ]


async def test_a_late_payment_tells_staff_it_awaits_a_refund_with_the_provider_reference() -> None:
    service, _shop, told = make_with_staff()
    attempt = await service.link_for(1)
    assert attempt.reference is not None
    await service.expire_due(START + timedelta(minutes=31))
    assert (await service.settle(paid(attempt.reference))).outcome is Outcome.LATE
    late = [notice for notice in told.sent if isinstance(notice, PaymentLate)]
    assert [(n.recipient_id, n.language, n.reference, n.amount) for n in late] == [
        (MERCHANT, "it", "pay_1", Money(9627, "JPY")),
        (OPS, "fr", "pay_1", Money(9627, "JPY")),
    ]
    assert not any(isinstance(notice, PaymentReceived) for notice in told.sent)


async def test_a_mismatched_payment_tells_staff_only_and_says_what_was_paid_and_due() -> None:
    service, _shop, told = make_with_staff()
    attempt = await service.link_for(1)
    assert attempt.reference is not None
    assert (await service.settle(paid(attempt.reference, Money(9627, "EUR")))).outcome is Outcome.MISMATCH
    assert told.sent == [
        PaymentMismatch(MERCHANT, "it", 1, Money(9627, "EUR"), Money(9627, "JPY"), "sandbox", "pay_1"),
        PaymentMismatch(OPS, "fr", 1, Money(9627, "EUR"), Money(9627, "JPY"), "sandbox", "pay_1"),
    ]


async def test_a_merchant_who_blocked_or_never_started_the_bot_does_not_stop_settling(
    caplog: pytest.LogCaptureFixture,
) -> None:
    service, shop, told = make_with_staff(Unreachable(blocked=frozenset({MERCHANT}), gone=frozenset({OPS})))
    attempt = await service.link_for(1)
    assert attempt.reference is not None
    assert (await service.settle(paid(attempt.reference))).outcome is Outcome.PAID
    assert shop.world.orders[1].status is OrderStatus.PAID
    [receipt] = told.sent
    assert isinstance(receipt, PaymentReceived) and receipt.buyer_id == 42
    assert sum("could not tell" in record.getMessage() for record in caplog.records) == 2


async def test_without_merchants_or_ops_a_payment_tells_only_the_buyer() -> None:
    service, _shop, _provider, told = make()
    attempt = await service.link_for(1)
    assert attempt.reference is not None
    await service.settle(paid(attempt.reference))
    assert [type(notice) for notice in told.sent] == [PaymentReceived]


async def test_people_granted_a_role_in_chat_are_told_of_a_paid_order_once_like_those_in_settings() -> None:
    service, shop, told = make_with_staff()
    granted_ops, granted_merchant = 555, 777
    shop.world.buyers[granted_ops] = Buyer(granted_ops, "ja")
    shop.world.grants = [
        RoleGrant(granted_ops, Role.OPS, MERCHANT, START),
        RoleGrant(granted_merchant, Role.MERCHANT, MERCHANT, START),
        RoleGrant(OPS, Role.MERCHANT, MERCHANT, START),  # in settings already: told once
    ]
    attempt = await service.link_for(1)
    assert attempt.reference is not None
    await service.settle(paid(attempt.reference))
    _receipt, *staff = told.sent
    assert [(n.recipient_id, n.language) for n in staff if isinstance(n, OrderPaid)] == [
        (MERCHANT, "it"),
        (OPS, "fr"),
        (granted_ops, "ja"),
        (granted_merchant, "it"),
    ]
