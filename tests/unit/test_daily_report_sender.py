"""The daily report as the ops chat reads it: the day's orders per currency and status in the shop's language, then
the file(s) as documents."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from aiogram.methods import SendDocument, SendMessage
from aiogram.utils.i18n import I18n

from bot.app import LOCALES
from bot.domain.daily_report import DailyReport, StatusTotal
from bot.domain.money import Money
from handlers.documents import TelegramDailyReportSender
from tests.unit.telegram import make_bot

OPS_CHAT = -100500
TOTALS = (
    StatusTotal("awaiting_payment", 1, Money(2500, "EUR")),
    StatusTotal("paid", 2, Money(4990, "EUR")),
    StatusTotal("paid", 1, Money(3000, "JPY")),
)


def sender() -> tuple[TelegramDailyReportSender, list[object]]:
    bot, session = make_bot()
    return TelegramDailyReportSender(I18n(path=LOCALES, default_locale="en", domain="messages"), bot), session.requests


async def test_totals_per_currency_and_status_then_the_file(tmp_path: Path) -> None:
    report_file = tmp_path / "orders-2026-12-07.csv"
    report_file.write_text("order_id\n1\n")
    daily, requests = sender()

    await daily.send(OPS_CHAT, DailyReport(date(2026, 12, 7), "Europe/Berlin", "en", TOTALS, (report_file,)))

    message, document = requests
    assert isinstance(message, SendMessage) and isinstance(document, SendDocument)
    assert message.chat_id == document.chat_id == OPS_CHAT
    assert message.text.splitlines() == [
        "📊 Orders of 2026-12-07 (Europe/Berlin): 4",
        "",
        "<b>EUR</b>",
        f"• awaiting payment: 1 · {Money(2500, 'EUR').format('en')}",
        f"• paid: 2 · {Money(4990, 'EUR').format('en')}",
        "",
        "<b>JPY</b>",
        f"• paid: 1 · {Money(3000, 'JPY').format('en')}",
    ]
    assert document.caption == "Orders of 2026-12-07"


async def test_in_the_shops_language_and_a_day_without_orders_has_no_file() -> None:
    daily, requests = sender()
    await daily.send(OPS_CHAT, DailyReport(date(2026, 12, 7), "Europe/Berlin", "de", ()))
    [message] = requests
    assert isinstance(message, SendMessage)
    assert "Bestellungen vom 2026-12-07" in message.text and "keine Bestellungen" in message.text


async def test_amounts_are_formatted_for_the_reports_language() -> None:
    daily, requests = sender()
    await daily.send(OPS_CHAT, DailyReport(date(2026, 12, 7), "Europe/Berlin", "de", TOTALS))
    [message] = requests
    assert isinstance(message, SendMessage)
    assert f"• bezahlt: 2 · {Money(4990, 'EUR').format('de')}" in message.text
