"""Stream reports over SQLite and PostgreSQL: the series computed from orders placed during a stream, the chart drawn
from them, and the after-stream report sent once however it ended and however many bot processes run."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from aiogram.utils.i18n import I18n
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.charts import MatplotlibCharts
from bot.app import LOCALES
from bot.domain.buyer import Buyer
from bot.domain.money import Money
from bot.domain.notices import StreamChart
from bot.domain.reports import ReportStatus
from bot.domain.stream_report import StreamReport
from bot.domain.streams import UnknownStream
from bot.services.pricing import Pricing
from bot.services.stream_reports import LATE_LIMIT, STALE_CLAIM, NoEndedStream, StreamReportService
from handlers.views.stream_reports import chart_labels
from storage.engine import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.orders_support import RATES, START, RecordingNotifier, Shop, StaticRates, open_shop
from tests.integration.test_streams import _place, make_streams, plan

MERCHANTS = (900, 901)
LIVE_AT = START + timedelta(hours=1, minutes=50)


@dataclass
class CountingPainter:
    """Draws a stand-in picture naming the stream and the language; counts what it drew."""

    drawn: list[tuple[int, str]] = field(default_factory=list)
    broken: bool = False

    async def draw(self, report: StreamReport, language: str) -> bytes:
        if self.broken:
            raise RuntimeError("no fonts at all")
        self.drawn.append((report.stream_id, language))
        return f"{report.stream_id}:{language}".encode()


def make_reports(
    uow: SqlUnitOfWorkFactory, painter: object = None, notifier: RecordingNotifier | None = None
) -> StreamReportService:
    return StreamReportService(
        uow,
        Pricing(StaticRates(), "EUR"),
        painter or CountingPainter(),  # type: ignore[arg-type]
        notifier or RecordingNotifier(),
        merchant_ids=MERCHANTS,
        staff_language="en",
    )


async def ended_stream_with_orders(uow: SqlUnitOfWorkFactory) -> tuple[Shop, int, list[int]]:
    """A stream live for five minutes: buyer 1 (English, ships to Germany) orders in its first minute, buyer 2
    (Japanese, lives in Japan, pays in yen) and buyer 3 (German, pays in dollars) in its third. The revenue in EUR,
    by minute."""
    shop = await open_shop(uow)
    async with uow() as unit:
        await unit.buyers.set_language(2, "ja")
        await unit.buyers.set_language(3, "de")
        await unit.commit()
    streams = make_streams(uow)
    stream = await streams.plan(plan(starts_in=2 * timedelta(hours=1)), START)
    await streams.go_live(stream.stream_id, LIVE_AT)
    shop.clock.now = LIVE_AT + timedelta(seconds=30)
    first = await _place(shop, 1, "A12 S", 2)
    shop.clock.now = LIVE_AT + timedelta(minutes=2, seconds=10)
    second = await _place(shop, 2, "B7")
    shop.clock.now = LIVE_AT + timedelta(minutes=2, seconds=50)
    dollars = await _place(shop, 3, "B7")
    await streams.end(stream.stream_id, LIVE_AT + timedelta(minutes=5))
    return shop, stream.stream_id, [in_euros(first), 0, in_euros(second) + in_euros(dollars), 0, 0]


def in_euros(paid: Money) -> int:
    """What the buyer paid in the shop's currency, at the rate their checkout locked."""
    return (
        paid.amount_minor
        if paid.currency == "EUR"
        else paid.convert(1 / RATES.rates[paid.currency], "EUR").amount_minor
    )


async def test_the_report_counts_each_minute_of_the_stream_and_who_bought(uow_factory: SqlUnitOfWorkFactory) -> None:
    _, stream_id, revenue = await ended_stream_with_orders(uow_factory)
    reports = make_reports(uow_factory)
    report = await reports.report(stream_id)
    assert [m.orders for m in report.minutes] == [1, 0, 2, 0, 0]
    assert [m.revenue_minor for m in report.minutes] == revenue
    assert report.totals == await make_streams(uow_factory).totals(stream_id)
    assert dict(report.countries) == {"DE": 2, "JP": 1}  # buyer 1 and 3 ship to Germany, buyer 2 lives in Japan
    assert dict(report.languages) == {"en": 1, "ja": 1, "de": 1}
    assert await reports.report() == report  # the last ended
    with pytest.raises(UnknownStream):
        await reports.report(stream_id + 1)


async def test_the_chart_drawn_from_the_database_carries_the_same_numbers(uow_factory: SqlUnitOfWorkFactory) -> None:
    _, stream_id, revenue = await ended_stream_with_orders(uow_factory)
    painter = MatplotlibCharts(chart_labels(I18n(path=LOCALES, default_locale="en", domain="messages")))
    report, picture = await make_reports(uow_factory, painter).chart(stream_id, "de")
    metadata = Image.open(io.BytesIO(picture)).text
    assert metadata["livesell:orders_per_minute"] == "1,0,2,0,0"
    assert metadata["livesell:revenue_minor_per_minute"] == ",".join(map(str, revenue))
    assert metadata["livesell:countries"] == "DE:2,JP:1"
    assert metadata["livesell:revenue_minor"] == str(report.totals.revenue_minor) == str(sum(revenue))


async def test_report_without_an_ended_stream_says_so(uow_factory: SqlUnitOfWorkFactory) -> None:
    await open_shop(uow_factory)
    with pytest.raises(NoEndedStream):
        await make_reports(uow_factory).report()


async def test_a_stream_ended_anywhere_is_reported_to_every_merchant_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    """Ended by a service with no report wired (as `livesell streams end` does): the bot's job finds it."""
    _, stream_id, _ = await ended_stream_with_orders(uow_factory)
    async with uow_factory() as unit:
        await unit.buyers.add(Buyer(telegram_id=901, language="ja"))
        await unit.commit()
    painter, notifier = CountingPainter(), RecordingNotifier()
    reports = make_reports(uow_factory, painter, notifier)
    now = LIVE_AT + timedelta(minutes=6)
    assert await reports.send_due(now) == 1
    assert sorted(painter.drawn) == [(stream_id, "en"), (stream_id, "ja")]  # once per language
    charts = [notice for notice in notifier.sent if isinstance(notice, StreamChart)]
    assert {(chart.recipient_id, chart.language, chart.picture) for chart in charts} == {
        (900, "en", f"{stream_id}:en".encode()),
        (901, "ja", f"{stream_id}:ja".encode()),
    }
    assert await reports.send_due(now + STALE_CLAIM * 2) == 0  # sent: never again
    assert await _run_status(uow_factory, stream_id) == ReportStatus.SENT


async def test_ending_in_chat_reports_at_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    await open_shop(uow_factory)
    notifier = RecordingNotifier()
    streams = make_streams(uow_factory, notifier=notifier)
    reports = make_reports(uow_factory, notifier=notifier)
    streams.on_ended(reports.send_due)
    stream = await streams.plan(plan(), START)
    await streams.go_live(stream.stream_id, LIVE_AT)
    await streams.end(stream.stream_id, LIVE_AT + timedelta(minutes=1))
    assert [n.recipient_id for n in notifier.sent if isinstance(n, StreamChart)] == list(MERCHANTS)


async def test_a_stream_that_ended_long_ago_is_not_reported_unasked(uow_factory: SqlUnitOfWorkFactory) -> None:
    await ended_stream_with_orders(uow_factory)
    painter = CountingPainter()
    assert await make_reports(uow_factory, painter).send_due(LIVE_AT + LATE_LIMIT + timedelta(minutes=6)) == 0
    assert painter.drawn == []


async def test_a_claim_left_by_a_crash_is_taken_again_and_a_failed_drawing_is_not(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    _, stream_id, _ = await ended_stream_with_orders(uow_factory)
    now = LIVE_AT + timedelta(minutes=6)
    async with uow_factory() as unit:  # a process claimed it and died
        assert await unit.reports.claim("stream", str(stream_id), now)
        await unit.commit()
    painter = CountingPainter(broken=True)
    reports = make_reports(uow_factory, painter)
    assert await reports.send_due(now + STALE_CLAIM / 2) == 0  # its claim is fresh: not ours
    assert await reports.send_due(now + STALE_CLAIM * 2) == 1  # stale: taken, and the drawing fails
    assert await _run_status(uow_factory, stream_id) == ReportStatus.FAILED
    painter.broken = False
    assert await reports.send_due(now + STALE_CLAIM * 4) == 0 and painter.drawn == []


async def test_two_processes_send_each_report_exactly_once(
    database_url: str, uow_factory: SqlUnitOfWorkFactory
) -> None:
    await open_shop(uow_factory)
    planner = make_streams(uow_factory)
    for minutes in range(10):
        stream = await planner.plan(plan(starts_in=timedelta(hours=2, minutes=minutes)), START)
        await planner.go_live(stream.stream_id, LIVE_AT)
        await planner.end(stream.stream_id, LIVE_AT + timedelta(minutes=minutes + 1))
    # Two bot processes (an engine each) on one database, each running its job five times at once.
    engines: list[AsyncEngine] = [make_engine(database_url) for _ in range(2)]
    notifiers = [RecordingNotifier(), RecordingNotifier()]
    try:
        services = [
            make_reports(SqlUnitOfWorkFactory(make_sessionmaker(engine)), notifier=notifier)
            for engine, notifier in zip(engines, notifiers, strict=True)
        ]
        now = LIVE_AT + timedelta(minutes=20)
        sent = sum(await asyncio.gather(*(service.send_due(now) for service in services for _ in range(5))))
    finally:
        for engine in engines:
            await engine.dispose()
    charts = [(n.recipient_id, n.report.stream_id) for notifier in notifiers for n in notifier.sent]
    assert sent == 10
    assert len(charts) == len(set(charts)) == 10 * len(MERCHANTS)


async def _run_status(uow: SqlUnitOfWorkFactory, stream_id: int) -> ReportStatus:
    async with uow() as unit:
        [(_, status, _)] = await unit.reports.claimed("stream", [str(stream_id)])
    return status
