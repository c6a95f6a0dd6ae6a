"""The receipt and the expiry notice as the buyer reads them, and what merchants and ops are told of payments: each in
their reader's language, amounts in the order's currency."""

from __future__ import annotations

from aiogram.utils.i18n import I18n
from babel.numbers import format_currency

from bot.app import LOCALES
from bot.domain.cart import HeldItem
from bot.domain.money import Money
from bot.domain.notices import OrderPaid, PaymentLate, PaymentMismatch, PaymentReceived, PaymentTimedOut
from bot.domain.payments import Receipt
from tests.unit.test_handlers_orders import notify

translations = I18n(path=LOCALES, default_locale="en", domain="messages")
SCARF = HeldItem(1, 7, 3, "A10", "Seidenschal", "", 2, Money(1990, "EUR"), frozenset({"*"}), None)


def german(message: str) -> str:
    return translations.gettext(message, locale="de")


async def test_the_receipt_lists_the_items_and_the_total_in_the_buyers_currency_and_language() -> None:
    receipt = Receipt(17, (SCARF,), Money(9627, "JPY"))
    delivered, [message] = await notify(PaymentReceived(1, "de", receipt))
    assert delivered
    assert german("Payment received, thank you! Order #{number} is paid.").format(number=17) in message.text
    assert "A10 ×2" in message.text and "Seidenschal" in message.text
    total = format_currency(9627, "JPY", locale="de")
    assert german("Total: {amount}").format(amount=total) in message.text


async def test_an_expired_order_tells_the_buyer_they_may_check_out_again() -> None:
    _, [message] = await notify(PaymentTimedOut(1, "en", 17))
    assert "Order #17 was not paid in time" in message.text
    assert "check out with a new payment link" in message.text


async def test_the_receipt_names_the_shop() -> None:
    receipt = Receipt(17, (SCARF,), Money(9627, "JPY"), shop="Kyoto <Silk>")
    _, [message] = await notify(PaymentReceived(1, "de", receipt))
    assert german("Shop: {shop}").format(shop="<b>Kyoto &lt;Silk&gt;</b>") in message.text


def italian(message: str) -> str:
    return translations.gettext(message, locale="it")


async def test_a_merchant_is_told_of_a_paid_order_in_their_language_with_buyer_items_and_total() -> None:
    delivered, [message] = await notify(OrderPaid(900, "it", 17, "Anna <3", Money(9627, "JPY"), 2))
    assert delivered and message.chat_id == 900
    assert italian("Order #{number} is paid.").format(number=17) in message.text
    assert italian("Buyer: {name}").format(name="Anna &lt;3") in message.text
    assert translations.gettext("{count} item", "{count} items", 2, locale="it").format(count=2) in message.text
    total = format_currency(9627, "JPY", locale="it")
    assert italian("Total: {amount}").format(amount=total) in message.text


async def test_ops_are_told_a_late_payment_awaits_a_refund_with_the_provider_reference() -> None:
    _, [message] = await notify(PaymentLate(901, "en", 17, Money(9627, "JPY"), "stripe", "pi_123"))
    assert "after it expired" in message.text and "flagged for a refund" in message.text
    assert "Provider: stripe" in message.text and "<code>pi_123</code>" in message.text


async def test_staff_are_told_a_mismatched_payment_was_not_applied() -> None:
    _, [message] = await notify(PaymentMismatch(901, "en", 17, Money(96, "EUR"), Money(9627, "JPY"), "sandbox", "x"))
    assert "does not match the order" in message.text and "It was not applied" in message.text
    assert format_currency(0.96, "EUR", locale="en") in message.text
