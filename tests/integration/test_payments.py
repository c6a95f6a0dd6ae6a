"""Payments on SQLite and PostgreSQL: a link per order, provider events settled exactly once, unpaid orders expire
and give their units back (to the waitlist first); a webhook racing the timeout sweep ends in one outcome."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.checkout import ShippingDetails
from bot.domain.money import Money
from bot.domain.notices import (
    OrderPaid,
    PaymentLate,
    PaymentMismatch,
    PaymentReceived,
    PaymentTimedOut,
    WaitlistOffer,
)
from bot.domain.orders import EventKind, OrderStatus
from bot.domain.payments import Outcome, PaymentEvent, PaymentEventKind
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.orders_support import RecordingProvider, Shop, make_payments, open_shop, scalar, stock_of

TO_TOKYO = ShippingDetails(country="JP", name="Sei Shonagon", address="1-1 Chiyoda, Tokyo", phone="+81 3 1234 5678")


async def placed_order(shop: Shop, buyer_id: int = 2, sku: str = "A12 S", quantity: int = 2) -> int:
    await shop.cart.add(buyer_id, shop.skus[sku], quantity, "en")
    await shop.checkout.begin(buyer_id, "en")
    await shop.checkout.summary(buyer_id, TO_TOKYO, "en")
    return (await shop.checkout.confirm(buyer_id, TO_TOKYO, "en")).order_id


def paid(reference: str, amount: Money, event_id: str = "evt_1") -> PaymentEvent:
    return PaymentEvent("sandbox", event_id, PaymentEventKind.PAID, reference, amount, payment_id="pay_1")


async def test_a_link_is_made_once_per_order_and_reused(uow_factory: SqlUnitOfWorkFactory) -> None:
    shop = await open_shop(uow_factory)
    provider = RecordingProvider()
    payments = make_payments(shop, provider)
    order_id = await placed_order(shop)

    first = await payments.link_for(order_id)
    again = await payments.link_for(order_id)

    assert first.amount == Money(9627, "JPY")  # what the buyer confirmed, in their currency
    assert first.idempotency_key == f"order-{order_id}-attempt-1"
    assert again.url == first.url
    assert len(provider.requests) == 1


async def test_a_payment_settles_the_order_once_and_sends_a_receipt(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop = await open_shop(uow_factory)
    payments = make_payments(shop)
    order_id = await placed_order(shop)
    attempt = await payments.link_for(order_id)
    assert attempt.reference is not None

    settled = await payments.settle(paid(attempt.reference, attempt.amount))
    replayed = await payments.settle(paid(attempt.reference, attempt.amount))
    told_again = await payments.settle(paid(attempt.reference, attempt.amount, event_id="evt_2"))

    assert (settled.outcome, replayed.outcome, told_again.outcome) == (Outcome.PAID, Outcome.DUPLICATE, Outcome.IGNORED)
    assert await scalar(engine, "SELECT status FROM orders WHERE id = :id", id=order_id) == "paid"
    assert await scalar(engine, "SELECT count(*) FROM payment_event") == 2
    receipts = [notice for notice in shop.notifier.sent if isinstance(notice, PaymentReceived)]
    assert len(receipts) == 1
    assert receipts[0].receipt.total == Money(9627, "JPY")
    assert [item.code for item in receipts[0].receipt.items] == ["A12"]
    # Paid: the timeout no longer applies.
    assert await payments.expire_due(shop.clock.advance(60)) == 0


async def test_a_payment_of_another_amount_is_never_applied(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop = await open_shop(uow_factory)
    payments = make_payments(shop)
    order_id = await placed_order(shop)
    attempt = await payments.link_for(order_id)
    assert attempt.reference is not None

    wrong_amount = await payments.settle(paid(attempt.reference, Money(9626, "JPY")))
    wrong_currency = await payments.settle(paid(attempt.reference, Money(9627, "EUR"), event_id="evt_2"))

    assert wrong_amount.outcome is wrong_currency.outcome is Outcome.MISMATCH
    assert await scalar(engine, "SELECT status FROM orders WHERE id = :id", id=order_id) == "awaiting_payment"
    async with uow_factory() as unit:
        kinds = [event.kind for event in await unit.orders.events(order_id)]
    assert kinds.count(EventKind.PAYMENT_MISMATCH) == 2


async def test_an_event_for_no_known_session_is_refused(uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine) -> None:
    shop = await open_shop(uow_factory)
    payments = make_payments(shop)

    assert (await payments.settle(paid("ps_nobody", Money(100, "EUR")))).outcome is Outcome.UNKNOWN
    assert await scalar(engine, "SELECT count(*) FROM payment_event") == 0


async def test_an_unpaid_order_expires_after_the_timeout_and_its_units_go_to_the_waitlist_first(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop = await open_shop(uow_factory)
    provider = RecordingProvider()
    payments = make_payments(shop, provider, timeout_minutes=30)
    sku = shop.skus["A12 M"]
    order_id = await placed_order(shop, sku="A12 M", quantity=2)  # the last two units
    await shop.waitlist.join(4, sku, 1)
    attempt = await payments.link_for(order_id)

    assert await payments.expire_due(shop.clock.advance(29)) == 0
    assert await payments.expire_due(shop.clock.advance(2)) == 1
    assert await payments.expire_due(shop.clock.advance(1)) == 0

    assert await scalar(engine, "SELECT status FROM orders WHERE id = :id", id=order_id) == "expired"
    assert provider.expired == [attempt.reference]
    assert [type(notice) for notice in shop.notifier.sent] == [PaymentTimedOut, WaitlistOffer]
    assert shop.notifier.sent[1].buyer_id == 4
    assert await stock_of(engine, sku) == 1  # one went to the waiting buyer's cart, one is on sale

    # The buyer may check out again, with a fresh link.
    again = await placed_order(shop, sku="A12 S", quantity=1)
    fresh = await payments.link_for(again)
    assert fresh.reference != attempt.reference


async def test_a_declined_payment_expires_the_order(uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine) -> None:
    shop = await open_shop(uow_factory)
    payments = make_payments(shop)
    order_id = await placed_order(shop)
    attempt = await payments.link_for(order_id)
    assert attempt.reference is not None

    declined = PaymentEvent("sandbox", "evt_d", PaymentEventKind.FAILED, attempt.reference)
    assert (await payments.settle(declined)).outcome is Outcome.EXPIRED
    assert await scalar(engine, "SELECT status FROM orders WHERE id = :id", id=order_id) == "expired"
    assert await stock_of(engine, shop.skus["A12 S"]) == 3


async def test_a_payment_after_expiry_is_kept_and_flagged_for_refund(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop = await open_shop(uow_factory)
    payments = make_payments(shop)
    order_id = await placed_order(shop)
    attempt = await payments.link_for(order_id)
    assert attempt.reference is not None
    await payments.expire_due(shop.clock.advance(31))

    late = await payments.settle(paid(attempt.reference, attempt.amount))

    assert late.outcome is Outcome.LATE
    assert await scalar(engine, "SELECT status FROM orders WHERE id = :id", id=order_id) == "expired"
    assert await scalar(engine, "SELECT status FROM payment_attempt WHERE order_id = :id", id=order_id) == "refund_due"
    assert await scalar(engine, "SELECT outcome FROM payment_event") == "late"
    async with uow_factory() as unit:
        assert EventKind.PAYMENT_LATE in [event.kind for event in await unit.orders.events(order_id)]


async def test_a_webhook_racing_the_timeout_sweep_ends_in_one_outcome(
    uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine
) -> None:
    shop = await open_shop(uow_factory)
    payments = make_payments(shop)
    orders = [await placed_order(shop, buyer_id=buyer, sku="C3", quantity=1) for buyer in (1, 2, 3, 4)]
    attempts = [await payments.link_for(order_id) for order_id in orders]
    shop.clock.advance(31)  # every order is due, and every payment arrives in the same moment

    results = await asyncio.gather(
        payments.expire_due(),
        *(payments.settle(paid(a.reference or "", a.amount, event_id=f"evt_{a.order_id}")) for a in attempts),
    )

    outcomes = [settlement.outcome for settlement in results[1:]]
    for order_id, outcome in zip(orders, outcomes, strict=True):
        status = await scalar(engine, "SELECT status FROM orders WHERE id = :id", id=order_id)
        attempt = await scalar(engine, "SELECT status FROM payment_attempt WHERE order_id = :id", id=order_id)
        if outcome is Outcome.PAID:
            assert (status, attempt) == (OrderStatus.PAID.value, "paid")
        else:
            assert outcome is Outcome.LATE
            assert (status, attempt) == (OrderStatus.EXPIRED.value, "refund_due")
    expired = sum(outcome is Outcome.LATE for outcome in outcomes)
    assert results[0] == expired
    assert await stock_of(engine, shop.skus["C3"]) == expired  # units of expired orders back, paid ones sold


MERCHANT, OPS = 9001, 9002


def staff_told(shop: Shop) -> list[tuple[type, int, int]]:
    return [
        (type(notice), notice.recipient_id, notice.order_id)
        for notice in shop.notifier.sent
        if isinstance(notice, OrderPaid | PaymentLate | PaymentMismatch)
    ]


async def test_merchants_and_ops_are_told_of_a_payment_once_when_the_webhook_is_replayed(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    shop = await open_shop(uow_factory)
    payments = make_payments(shop, staff_ids=[MERCHANT, OPS])
    order_id = await placed_order(shop)
    attempt = await payments.link_for(order_id)
    assert attempt.reference is not None

    for event_id in ("evt_1", "evt_1", "evt_2"):
        await payments.settle(paid(attempt.reference, attempt.amount, event_id=event_id))

    assert staff_told(shop) == [(OrderPaid, MERCHANT, order_id), (OrderPaid, OPS, order_id)]
    told = next(notice for notice in shop.notifier.sent if isinstance(notice, OrderPaid))
    assert (told.total, told.items, told.language) == (Money(9627, "JPY"), 2, "en")
    receipt = next(notice for notice in shop.notifier.sent if isinstance(notice, PaymentReceived))
    assert receipt.receipt.shop == "livesell test shop"


async def test_a_late_payment_and_a_wrong_amount_are_each_reported_to_staff_once(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    shop = await open_shop(uow_factory)
    shop.notifier.unreachable.add(MERCHANT)  # blocked the bot: settling goes on, ops are still told
    payments = make_payments(shop, staff_ids=[MERCHANT, OPS])
    order_id = await placed_order(shop)
    attempt = await payments.link_for(order_id)
    assert attempt.reference is not None

    for _ in range(2):
        wrong = await payments.settle(paid(attempt.reference, Money(9626, "JPY"), event_id="evt_wrong"))
    await payments.expire_due(shop.clock.advance(31))
    for _ in range(2):
        late = await payments.settle(paid(attempt.reference, attempt.amount, event_id="evt_late"))

    assert (wrong.outcome, late.outcome) == (Outcome.DUPLICATE, Outcome.DUPLICATE)  # the replays
    assert staff_told(shop) == [(PaymentMismatch, OPS, order_id), (PaymentLate, OPS, order_id)]
    flagged = next(notice for notice in shop.notifier.sent if isinstance(notice, PaymentLate))
    assert flagged.reference == "pay_1" and flagged.amount == attempt.amount
