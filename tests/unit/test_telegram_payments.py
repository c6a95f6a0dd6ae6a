"""Telegram Payments through the real routers and a recording bot: the invoice link, the pre-checkout re-check
(refused for an expired order or a changed amount) and the successful payment settled once."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from aiogram.methods import AnswerPreCheckoutQuery, CreateInvoiceLink
from aiogram.types import Chat, Message, PreCheckoutQuery, SuccessfulPayment, Update, User

from bot.adapters.telegram_payments import TelegramInvoiceProvider
from bot.domain.invoices import InvoicePricing
from bot.domain.money import Money
from bot.domain.notices import PaymentReceived
from bot.domain.orders import EventKind, OrderStatus
from bot.domain.payments import AttemptStatus, PayableOrder
from bot.services.invoices import InvoiceService
from bot.services.payments import PaymentService
from tests.unit.chat import ChatHarness, make_chat
from tests.unit.test_payment_service import START, Clock, FakeShop, NoWaitlist, Told

BUYER = User(id=42, is_bot=False, first_name="Yuki", language_code="de")
YEN = Money(9627, "JPY")
_ids = itertools.count(1)


class Setup:
    def __init__(self, pricing: InvoicePricing | None = None, token: str | None = "284685063:TEST:token") -> None:
        self.shop, self.told, self.clock = FakeShop(), Told(), Clock()
        self.shop.world.orders[1] = PayableOrder(1, BUYER.id, "de", OrderStatus.AWAITING_PAYMENT, YEN, START)
        self.pricing = pricing or InvoicePricing()
        self.provider = TelegramInvoiceProvider(token, self.pricing)
        self.payments = PaymentService(
            self.shop,
            self.provider,
            self.told,
            NoWaitlist(),
            timeout_minutes=30,
            clock=self.clock,  # type: ignore[arg-type]
        )
        invoices = InvoiceService(self.shop, self.payments, self.pricing, clock=self.clock)  # type: ignore[arg-type]
        self.chat: ChatHarness = make_chat(invoices=invoices)
        self.provider.attach(self.chat.bot)

    async def pre_checkout(self, payload: str, amount: Money) -> AnswerPreCheckoutQuery:
        query = PreCheckoutQuery(
            id=f"pcq{next(_ids)}",
            from_user=BUYER,
            currency=amount.currency,
            total_amount=amount.amount_minor,
            invoice_payload=payload,
        )
        await self.chat.dispatcher.feed_update(self.chat.bot, Update(update_id=next(_ids), pre_checkout_query=query))
        return self.chat.session.sent(AnswerPreCheckoutQuery)[-1]

    async def successful_payment(self, payload: str, amount: Money, charge_id: str = "tg_charge_1") -> None:
        payment = SuccessfulPayment(
            currency=amount.currency,
            total_amount=amount.amount_minor,
            invoice_payload=payload,
            telegram_payment_charge_id=charge_id,
            provider_payment_charge_id=f"prov_{charge_id}",
        )
        message = Message(
            message_id=next(_ids),
            date=datetime.now(UTC),
            chat=Chat(id=BUYER.id, type="private"),
            from_user=BUYER,
            successful_payment=payment,
        )
        await self.chat.dispatcher.feed_update(self.chat.bot, Update(update_id=next(_ids), message=message))


async def test_the_invoice_link_carries_order_and_attempt_and_charges_the_order_total() -> None:
    setup = Setup()
    attempt = await setup.payments.link_for(1)
    [request] = setup.chat.session.sent(CreateInvoiceLink)
    assert request.payload == "order-1-attempt-1" == attempt.reference
    assert request.currency == "JPY" and [price.amount for price in request.prices] == [9627]
    assert request.provider_token == "284685063:TEST:token"
    assert attempt.url is not None and attempt.url.startswith("https://t.me/$invoice")


async def test_pre_checkout_is_answered_ok_for_an_open_order_at_its_price() -> None:
    setup = Setup()
    attempt = await setup.payments.link_for(1)
    answer = await setup.pre_checkout(attempt.idempotency_key, YEN)
    assert answer.ok is True and answer.pre_checkout_query_id.startswith("pcq")


async def test_pre_checkout_refuses_an_order_whose_time_ran_out_before_the_sweep() -> None:
    setup = Setup()
    attempt = await setup.payments.link_for(1)
    setup.clock.now = START + timedelta(minutes=31)
    answer = await setup.pre_checkout(attempt.idempotency_key, YEN)
    assert answer.ok is False and answer.error_message and "#1" in answer.error_message


async def test_pre_checkout_refuses_an_expired_order_in_the_buyers_language() -> None:
    setup = Setup()
    attempt = await setup.payments.link_for(1)
    await setup.payments.expire_due(START + timedelta(minutes=31))
    answer = await setup.pre_checkout(attempt.idempotency_key, YEN)
    english = "Order #1 can no longer be paid: it was paid already or it expired. You can order again."
    assert answer.ok is False and answer.error_message and answer.error_message != english


async def test_pre_checkout_refuses_a_changed_amount_or_currency() -> None:
    setup = Setup()
    attempt = await setup.payments.link_for(1)
    for amount in (Money(9000, "JPY"), Money(9627, "EUR")):
        answer = await setup.pre_checkout(attempt.idempotency_key, amount)
        assert answer.ok is False


async def test_pre_checkout_refuses_an_unknown_invoice() -> None:
    setup = Setup()
    answer = await setup.pre_checkout("order-9-attempt-1", YEN)
    assert answer.ok is False


async def test_a_successful_payment_settles_the_order_once_with_one_receipt() -> None:
    setup = Setup()
    attempt = await setup.payments.link_for(1)
    await setup.successful_payment(attempt.idempotency_key, YEN)
    await setup.successful_payment(attempt.idempotency_key, YEN)  # Telegram delivered it twice
    assert setup.shop.world.orders[1].status is OrderStatus.PAID
    assert setup.shop.world.attempts[attempt.attempt_id].status is AttemptStatus.PAID
    assert setup.shop.world.events == {("telegram", "tg_charge_1"): "paid"}
    [receipt] = setup.told.sent
    assert isinstance(receipt, PaymentReceived) and receipt.receipt.total == YEN


async def test_a_successful_payment_of_another_amount_is_flagged_not_applied() -> None:
    setup = Setup()
    attempt = await setup.payments.link_for(1)
    await setup.successful_payment(attempt.idempotency_key, Money(100, "JPY"))
    assert setup.shop.world.orders[1].status is OrderStatus.AWAITING_PAYMENT
    assert setup.shop.world.order_events == [(1, EventKind.PAYMENT_MISMATCH)]
    assert setup.told.sent == []


async def test_a_payment_after_expiry_is_kept_for_a_refund() -> None:
    setup = Setup()
    attempt = await setup.payments.link_for(1)
    await setup.payments.expire_due(START + timedelta(minutes=31))
    await setup.successful_payment(attempt.idempotency_key, YEN)
    assert setup.shop.world.attempts[attempt.attempt_id].status is AttemptStatus.REFUND_DUE
    assert (1, EventKind.PAYMENT_LATE) in setup.shop.world.order_events


async def test_stars_invoices_charge_whole_stars_at_the_shops_rate_and_settle_the_order() -> None:
    setup = Setup(InvoicePricing({"JPY": Decimal("0.3")}), token=None)
    attempt = await setup.payments.link_for(1)
    [request] = setup.chat.session.sent(CreateInvoiceLink)
    stars = Money(2889, "XTR")  # 9627 yen at 0.3 stars a yen, rounded up
    assert request.currency == "XTR" and [price.amount for price in request.prices] == [2889]
    assert request.provider_token is None
    assert (await setup.pre_checkout(attempt.idempotency_key, stars)).ok is True
    await setup.successful_payment(attempt.idempotency_key, stars)
    assert setup.shop.world.orders[1].status is OrderStatus.PAID
