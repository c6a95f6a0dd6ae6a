"""The daily report on SQLite and PostgreSQL: yesterday's orders (in the shop's zone) counted per status and currency,
sent once however many bot processes race for it, not before the report time, and not without an ops chat."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.daily_report import DailyReport, StatusTotal
from bot.domain.export import ExportFormat
from bot.domain.money import Money
from bot.services.daily_report import DailyReportService
from storage.engine import make_engine, make_sessionmaker
from storage.tables import buyers, orders, report_runs
from storage.uow import SqlUnitOfWorkFactory
from tests.unit.fake_export import FakeExportService, FakeOrder

ZONE = "Europe/Berlin"
AT = time(8, 0)
OPS_CHAT = -100500
DAY = date(2026, 12, 7)
# 09:00 in Berlin on the 8th: the report of the 7th is due.
DUE = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)


@dataclass
class RecordingSender:
    sent: list[tuple[int, DailyReport, list[str]]] = field(default_factory=list)

    async def send(self, chat_id: int, report: DailyReport) -> None:
        await asyncio.sleep(0)  # another process's claim may run meanwhile
        self.sent.append((chat_id, report, [path.read_text() for path in report.files]))


async def add_orders(engine: AsyncEngine) -> None:
    """Orders around the 7th in Berlin: 23:30 UTC on the 6th is already the 7th there, 23:30 UTC on the 7th the 8th."""
    rows = [
        ("paid", "EUR", 3990, datetime(2026, 12, 6, 23, 30, tzinfo=UTC)),
        ("paid", "EUR", 1000, datetime(2026, 12, 7, 12, 0, tzinfo=UTC)),
        ("awaiting_payment", "EUR", 2500, datetime(2026, 12, 7, 13, 0, tzinfo=UTC)),
        ("paid", "JPY", 3000, datetime(2026, 12, 7, 14, 0, tzinfo=UTC)),
        ("expired", "USD", 1250, datetime(2026, 12, 7, 15, 0, tzinfo=UTC)),
        ("cart", "EUR", 999, datetime(2026, 12, 7, 16, 0, tzinfo=UTC)),  # an open cart is no order
        ("paid", "EUR", 7000, datetime(2026, 12, 6, 22, 30, tzinfo=UTC)),  # the 6th in Berlin
        ("paid", "EUR", 7000, datetime(2026, 12, 7, 23, 30, tzinfo=UTC)),  # the 8th in Berlin
    ]
    async with engine.begin() as connection:
        await connection.execute(sa.insert(buyers).values(telegram_id=1, language="en", created_at=DUE))
        for status, currency, total, created in rows:
            await connection.execute(
                sa.insert(orders).values(
                    buyer_id=1,
                    status=status,
                    currency=currency,
                    total_minor=total,
                    created_at=created,
                    updated_at=created,
                )
            )


def service(uow: SqlUnitOfWorkFactory, sender: RecordingSender, chat_id: int | None = OPS_CHAT) -> DailyReportService:
    export = FakeExportService(orders=[FakeOrder(1, DAY), FakeOrder(2, DAY)])
    return DailyReportService(
        uow,
        export,
        sender,
        chat_id=chat_id,
        timezone=ZONE,
        at=AT,
        fmt=ExportFormat.CSV,  # type: ignore[arg-type]
    )


async def test_yesterdays_orders_in_the_shops_zone_per_currency_and_status(
    engine: AsyncEngine, uow_factory: SqlUnitOfWorkFactory
) -> None:
    await add_orders(engine)
    sender = RecordingSender()

    report = await service(uow_factory, sender).run_due(DUE)

    assert report is not None and report.day == DAY
    assert list(report.totals) == [
        StatusTotal("awaiting_payment", 1, Money(2500, "EUR")),
        StatusTotal("paid", 2, Money(4990, "EUR")),
        StatusTotal("paid", 1, Money(3000, "JPY")),
        StatusTotal("expired", 1, Money(1250, "USD")),
    ]
    [(chat_id, sent, contents)] = sender.sent
    assert chat_id == OPS_CHAT and sent == report
    assert contents == ["order_id,status\n1,paid\n2,paid\n"]
    assert [path.name for path in report.files] == ["orders-2026-12-07.csv"]
    assert not any(path.exists() for path in report.files)  # removed once sent
    async with engine.connect() as connection:
        run = (await connection.execute(sa.select(report_runs))).one()
    assert (run.kind, run.period, run.status, run.detail) == ("daily", "2026-12-07", "sent", "5 orders")


async def test_not_before_the_report_time_nor_twice_nor_without_an_ops_chat(uow_factory: SqlUnitOfWorkFactory) -> None:
    sender = RecordingSender()
    assert await service(uow_factory, sender).run_due(datetime(2026, 12, 8, 6, 59, tzinfo=UTC)) is None
    assert await service(uow_factory, sender, chat_id=None).run_due(DUE) is None
    assert sender.sent == []

    first = await service(uow_factory, sender).run_due(DUE)
    assert first is not None and first.totals == [] and first.files == ()  # a day without orders: said so, no file
    assert await service(uow_factory, sender).run_due(datetime(2026, 12, 8, 20, 0, tzinfo=UTC)) is None
    assert len(sender.sent) == 1


@pytest.mark.timeout(120)
async def test_processes_racing_for_the_report_send_it_once(database_url: str) -> None:
    # Each "process" its own engine and unit-of-work factory: only the database can decide between them.
    engines = [make_engine(database_url) for _ in range(6)]
    try:
        sender = RecordingSender()
        services = [service(SqlUnitOfWorkFactory(make_sessionmaker(engine)), sender) for engine in engines]
        for _ in range(3):  # and again, as the scheduler asks every half minute
            results = await asyncio.gather(*(each.run_due(DUE) for each in services))
            assert sum(result is not None for result in results) <= 1
        assert len(sender.sent) == 1
        async with engines[0].connect() as connection:
            assert (await connection.execute(sa.select(sa.func.count()).select_from(report_runs))).scalar_one() == 1
    finally:
        for engine in engines:
            await engine.dispose()
