"""The sandbox payment page speaks the buyer's language, as the chat does, and says plainly when it takes no money."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest
from aiogram.utils.i18n import I18n
from aiohttp.test_utils import TestClient, TestServer

from bot.adapters.web import make_web_app, render_page
from bot.domain.cart import HeldItem
from bot.domain.money import Money
from bot.domain.orders import OrderStatus
from bot.domain.payments import AttemptStatus, PayableOrder, PaymentAttempt, PaymentPage
from bot.services.payments import PaymentService

LOCALES = Path(__file__).resolve().parents[2] / "locales"
translations = I18n(path=LOCALES, default_locale="en", domain="messages")
NOW = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)


def page(language: str, status: OrderStatus = OrderStatus.AWAITING_PAYMENT) -> PaymentPage:
    total = Money(12_345, "EUR")
    attempt = PaymentAttempt(7, 42, 1, "sandbox", "order-42-attempt-1", total, AttemptStatus.OPEN, "s_1", None, NOW)
    order = PayableOrder(42, 1, language, status, total, NOW)
    item = HeldItem(1, 2, 3, "A12", "Seidentuch <Ivory>", "Elfenbein", 1, total, frozenset({"DE"}), None)
    return PaymentPage(attempt, order, (item,))


@pytest.mark.parametrize("language", ["de", "fr", "ru", "zh"])
def test_the_payment_page_speaks_the_buyers_language(language: str) -> None:
    shown = render_page(page(language))
    for message in ("Pay", "Decline", "Sandbox payments: no money moves."):
        translated = translations.gettext(message, locale=language)
        assert translated != message and translated in shown
    assert translations.gettext("Order #{order_id}", locale=language).format(order_id=42) in shown
    assert f'lang="{language}"' in shown
    assert Money(12_345, "EUR").format(language) in shown
    assert "&lt;Ivory&gt;" in shown  # the catalogue's text is escaped


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (OrderStatus.PAID, "Paid: the receipt is in your chat."),
        (OrderStatus.EXPIRED, "This payment is closed: the order can no longer be paid here."),
    ],
)
def test_a_page_that_takes_no_money_says_why_without_buttons(status: OrderStatus, message: str) -> None:
    shown = render_page(page("de", status))
    assert translations.gettext(message, locale="de") in shown
    assert f"data-status={status.value}" in shown
    assert "<button" not in shown


@pytest.mark.parametrize(
    ("query", "outcome", "message", "language"),
    [
        ("?lang=de", "paid", "Thank you: your receipt arrives in the chat.", "de"),
        (
            "?lang=fr",
            "cancelled",
            "The payment was cancelled. The link in the chat works until the order expires.",
            "fr",
        ),
        ("?lang=../../etc", "paid", "Thank you: your receipt arrives in the chat.", "en"),  # anyone's to write
        ("", "paid", "Thank you: your receipt arrives in the chat.", "en"),
    ],
)
async def test_the_stripe_return_page_speaks_the_language_the_session_names(
    query: str, outcome: str, message: str, language: str
) -> None:
    app = make_web_app(cast(PaymentService, None), None, "sandbox-secret", stripe_secret="whsec_test")
    async with TestClient(TestServer(app)) as client:
        answer = await client.get(f"/stripe/return/{outcome}{query}")
        shown = await answer.text()
    assert answer.status == 200
    assert f'lang="{language}"' in shown
    assert html.escape(translations.gettext(message, locale=language)) in shown
