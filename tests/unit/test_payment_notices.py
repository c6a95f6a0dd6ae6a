"""The receipt and the expiry notice as the buyer reads them: in their language, the total in their currency."""

from __future__ import annotations

from aiogram.utils.i18n import I18n
from babel.numbers import format_currency

from bot.app import LOCALES
from bot.domain.cart import HeldItem
from bot.domain.money import Money
from bot.domain.notices import PaymentReceived, PaymentTimedOut
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
