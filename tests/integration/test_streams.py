"""Streams over SQLite and PostgreSQL: planning, reminders that move with the start, going live and ending with the
totals, and due announcements claimed exactly once however many bot processes run."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.broadcasts import Audience, BroadcastKind, BroadcastReport
from bot.domain.checkout import ShippingDetails
from bot.domain.money import Money
from bot.domain.notices import AnnouncementMissed, AnnouncementReport, StreamEnded
from bot.domain.streams import (
    AnnouncementKind,
    AnnouncementStatus,
    StartInPast,
    StreamNotLive,
    StreamNotScheduled,
    StreamPlan,
    StreamStatus,
    UnknownProducts,
    UnknownStream,
    parse_offsets,
)
from bot.services.pricing import Pricing
from bot.services.streams import StreamService
from storage.engine import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.orders_support import RATES, START, RecordingNotifier, Shop, StaticRates, open_shop

HOUR = timedelta(hours=1)
MERCHANT = 900
TO_BERLIN = ShippingDetails("DE", "Ann Weber", "Unter den Linden 1, 10117 Berlin", "+49 30 1234567")


@dataclass
class RecordingOpener:
    """A broadcaster that records what it was asked to open: idempotent per (kind, reference), as the real one."""

    opened: list[tuple[BroadcastKind, int, Audience]] = field(default_factory=list)
    ids: dict[tuple[BroadcastKind, int], int] = field(default_factory=dict)

    async def open(self, kind: BroadcastKind, reference: int, audience: Audience, created_by: int | None = None) -> int:
        self.opened.append((kind, reference, audience))
        return self.ids.setdefault((kind, reference), len(self.ids) + 1)


def make_streams(
    uow: SqlUnitOfWorkFactory,
    opener: RecordingOpener | None = None,
    notifier: RecordingNotifier | None = None,
    grace: timedelta = timedelta(minutes=30),
) -> StreamService:
    return StreamService(
        uow,
        Pricing(StaticRates(), "EUR"),
        notifier or RecordingNotifier(),
        opener,
        offsets=parse_offsets("24h,1h,0"),
        grace=grace,
        shop_timezone="Europe/Berlin",
        merchant_ids=[MERCHANT],
        staff_language="de",
    )


def plan(starts_in: timedelta = 48 * HOUR, codes: tuple[str, ...] = ("a12", "B7"), **kwargs: object) -> StreamPlan:
    return StreamPlan(
        title="Autumn scarves",
        starts_at=START + starts_in,
        duration=HOUR,
        product_codes=codes,
        timezone="Europe/Berlin",
        **kwargs,  # type: ignore[arg-type]
    )


async def test_a_planned_stream_keeps_its_products_and_gets_its_reminders(uow_factory: SqlUnitOfWorkFactory) -> None:
    await open_shop(uow_factory)
    streams = make_streams(uow_factory)
    stream = await streams.plan(plan(titles={"de": "Herbstschals"}, link="https://example.com/live"), START)

    assert stream.status is StreamStatus.SCHEDULED
    assert stream.product_codes == ("A12", "B7")  # matched whatever the case, stored as the catalogue spells them
    assert stream.title_in("de") == "Herbstschals"
    assert stream.link == "https://example.com/live"
    assert await streams.get(stream.stream_id) == stream
    reminders = await streams.announcements(stream.stream_id)
    assert [(a.offset_seconds, a.due_at, a.status) for a in reminders] == [
        (86400, stream.starts_at - 24 * HOUR, AnnouncementStatus.PENDING),
        (3600, stream.starts_at - HOUR, AnnouncementStatus.PENDING),
        (0, stream.starts_at, AnnouncementStatus.PENDING),
    ]


async def test_a_plan_made_late_gets_only_the_reminders_still_ahead(uow_factory: SqlUnitOfWorkFactory) -> None:
    await open_shop(uow_factory)
    streams = make_streams(uow_factory)
    stream = await streams.plan(plan(starts_in=30 * timedelta(minutes=1)), START)
    assert [a.offset_seconds for a in await streams.announcements(stream.stream_id)] == [0]


async def test_unknown_codes_and_a_start_in_the_past_are_refused(uow_factory: SqlUnitOfWorkFactory) -> None:
    await open_shop(uow_factory)
    streams = make_streams(uow_factory)
    with pytest.raises(UnknownProducts) as unknown:
        await streams.plan(plan(codes=("A12", "zz9", "Q1")), START)
    assert unknown.value.codes == ("ZZ9", "Q1")
    with pytest.raises(StartInPast):
        await streams.plan(plan(starts_in=-HOUR), START)
    assert await streams.upcoming(START, include_ended=True) == []


async def test_rescheduling_moves_every_reminder_not_yet_out(uow_factory: SqlUnitOfWorkFactory) -> None:
    await open_shop(uow_factory)
    opener = RecordingOpener()
    streams = make_streams(uow_factory, opener)
    stream = await streams.plan(plan(starts_in=48 * HOUR), START)
    now = START + 24 * HOUR  # the 24-hour reminder is due
    assert await streams.announce_due(now) == 1

    later = await streams.reschedule(stream.stream_id, START + 72 * HOUR, now)
    assert later.starts_at == START + 72 * HOUR
    by_offset = {a.offset_seconds: a for a in await streams.announcements(stream.stream_id)}
    assert by_offset[86400].status is AnnouncementStatus.SENDING  # out already: it stays as it went
    assert by_offset[3600].due_at == START + 71 * HOUR
    assert by_offset[0].due_at == START + 72 * HOUR

    # Moved nearer, the hour-before reminder would be in the past: it is cancelled, not sent late.
    sooner = await streams.reschedule(stream.stream_id, now + timedelta(minutes=30), now)
    by_offset = {a.offset_seconds: a for a in await streams.announcements(stream.stream_id)}
    assert by_offset[3600].status is AnnouncementStatus.CANCELLED
    assert (by_offset[0].status, by_offset[0].due_at) == (AnnouncementStatus.PENDING, sooner.starts_at)

    # Moved away again, it is pending again.
    await streams.reschedule(stream.stream_id, now + 5 * HOUR, now)
    by_offset = {a.offset_seconds: a for a in await streams.announcements(stream.stream_id)}
    assert (by_offset[3600].status, by_offset[3600].due_at) == (AnnouncementStatus.PENDING, now + 4 * HOUR)

    with pytest.raises(StartInPast):
        await streams.reschedule(stream.stream_id, now - HOUR, now)
    with pytest.raises(UnknownStream):
        await streams.reschedule(999, now + HOUR, now)


async def test_cancelling_cancels_the_pending_reminders(uow_factory: SqlUnitOfWorkFactory) -> None:
    await open_shop(uow_factory)
    opener = RecordingOpener()
    streams = make_streams(uow_factory, opener)
    stream = await streams.plan(plan(), START)
    cancelled = await streams.cancel(stream.stream_id, START)
    assert cancelled.status is StreamStatus.CANCELLED
    assert {a.status for a in await streams.announcements(stream.stream_id)} == {AnnouncementStatus.CANCELLED}
    assert await streams.announce_due(START + 72 * HOUR) == 0
    assert opener.opened == []
    assert await streams.upcoming(START) == []
    with pytest.raises(StreamNotScheduled):
        await streams.go_live(stream.stream_id, START)


async def test_due_announcements_open_one_broadcast_each_to_subscribers_and_the_streams_chat(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    await open_shop(uow_factory)
    opener = RecordingOpener()
    streams = make_streams(uow_factory, opener)
    stream = await streams.plan(plan(chat_id=-100123), START)
    assert await streams.announce_due(START) == 0
    assert await streams.announce_due(START + 24 * HOUR) == 1
    assert await streams.announce_due(START + 24 * HOUR) == 0  # claimed already
    reminder = (await streams.announcements(stream.stream_id))[0]
    assert opener.opened == [
        (BroadcastKind.ANNOUNCEMENT, reminder.announcement_id, Audience(subscribers=True, chats=(-100123,)))
    ]
    # Its broadcast runs (minutes, for thousands of subscribers): it is not opened again meanwhile.
    await streams.announce_due(START + 24 * HOUR + timedelta(minutes=10))
    assert len(opener.opened) == 1


async def test_without_a_broadcaster_announcements_stay_due(uow_factory: SqlUnitOfWorkFactory) -> None:
    await open_shop(uow_factory)
    streams = make_streams(uow_factory, opener=None)
    stream = await streams.plan(plan(), START)
    assert await streams.announce_due(START + 24 * HOUR) == 0
    assert (await streams.announcements(stream.stream_id))[0].status is AnnouncementStatus.PENDING


async def test_one_found_later_than_the_grace_is_missed_and_the_merchant_told(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    await open_shop(uow_factory)
    opener, notifier = RecordingOpener(), RecordingNotifier()
    streams = make_streams(uow_factory, opener, notifier)
    stream = await streams.plan(plan(), START)
    # The bot was down from before the 24-hour reminder until 40 minutes after it (the grace is 30).
    assert await streams.announce_due(START + 24 * HOUR + timedelta(minutes=40)) == 1
    reminders = await streams.announcements(stream.stream_id)
    assert reminders[0].status is AnnouncementStatus.MISSED
    assert opener.opened == []
    assert notifier.sent == [
        AnnouncementMissed(
            MERCHANT,
            "de",
            stream.stream_id,
            "Autumn scarves",
            AnnouncementKind.REMINDER,
            86400,
            reminders[0].due_at,
            "Europe/Berlin",
        )
    ]
    # Within the grace, one is sent late.
    assert await streams.announce_due(stream.starts_at - HOUR + timedelta(minutes=20)) == 1
    assert [reference for _, reference, _ in opener.opened] == [reminders[1].announcement_id]


async def test_a_finished_broadcast_marks_the_announcement_sent_and_reports_once(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    await open_shop(uow_factory)
    opener, notifier = RecordingOpener(), RecordingNotifier()
    streams = make_streams(uow_factory, opener, notifier)
    stream = await streams.plan(plan(), START)
    await streams.announce_due(START + 24 * HOUR)
    reminder = (await streams.announcements(stream.stream_id))[0]
    report = BroadcastReport(
        broadcast_id=1,
        kind=BroadcastKind.ANNOUNCEMENT,
        reference=reminder.announcement_id,
        delivered=20,  # 2 of them unconfirmed: a crash came between their send and its record
        blocked=1,
        failed=1,
        started_at=START + 24 * HOUR,
        finished_at=START + 24 * HOUR + timedelta(seconds=3),
        unconfirmed=2,
    )
    await streams.on_broadcast_finished(report)
    await streams.on_broadcast_finished(report)  # told twice (a resumed broadcast): reported once
    assert (await streams.announcements(stream.stream_id))[0].status is AnnouncementStatus.SENT
    assert notifier.sent == [
        AnnouncementReport(
            MERCHANT,
            "de",
            stream.stream_id,
            "Autumn scarves",
            AnnouncementKind.REMINDER,
            86400,
            delivered=20,
            blocked=1,
            failed=1,
            took=timedelta(seconds=3),
        )
    ]


async def test_a_claim_left_by_a_crash_is_opened_again(uow_factory: SqlUnitOfWorkFactory) -> None:
    await open_shop(uow_factory)
    stream = await make_streams(uow_factory, RecordingOpener()).plan(plan(), START)
    now = START + 24 * HOUR
    async with uow_factory() as uow:  # a process claimed it and died before opening its broadcast
        assert len(await uow.streams.claim_due(now, 10)) == 1
        await uow.commit()
    opener = RecordingOpener()
    restarted = make_streams(uow_factory, opener)
    assert await restarted.announce_due(now + timedelta(seconds=5)) == 0
    assert opener.opened == []
    await restarted.announce_due(now + timedelta(minutes=3))
    reminder = (await restarted.announcements(stream.stream_id))[0]
    assert [reference for _, reference, _ in opener.opened] == [reminder.announcement_id]


async def test_going_live_announces_at_once_ties_orders_and_ending_tells_the_totals(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    shop = await open_shop(uow_factory)
    opener, notifier = RecordingOpener(), RecordingNotifier()
    streams = make_streams(uow_factory, opener, notifier)
    stream = await streams.plan(plan(starts_in=2 * HOUR), START)
    await _place(shop, 4, "B7")  # before the stream: not its order

    live_at = START + 2 * HOUR - timedelta(minutes=10)
    live = await streams.go_live(stream.stream_id, live_at)
    assert (live.status, live.live_at) == (StreamStatus.LIVE, live_at)
    assert await streams.live_stream() == live
    assert await streams.live_stream(chat_id=-5) == live  # a stream posting nowhere in particular is every group's
    statuses = {(a.kind, a.offset_seconds): a.status for a in await streams.announcements(stream.stream_id)}
    assert statuses == {
        (AnnouncementKind.REMINDER, 3600): AnnouncementStatus.CANCELLED,  # not out yet: live comes first
        (AnnouncementKind.REMINDER, 0): AnnouncementStatus.CANCELLED,
        (AnnouncementKind.LIVE, 0): AnnouncementStatus.PENDING,
    }
    assert await streams.announce_due(live_at) == 1
    (live_now,) = [a for a in await streams.announcements(stream.stream_id) if a.kind is AnnouncementKind.LIVE]
    assert opener.opened[-1][1] == live_now.announcement_id

    shop.clock.now = live_at
    in_euros = await _place(shop, 1, "A12 S", 2)
    in_dollars = await _place(shop, 3, "B7")  # buyer 3 pays in USD: counted at the rate locked at checkout
    await shop.cart.add(5, shop.skus["A12 M"], 1, "en")  # an open cart is not an order yet
    totals = await streams.totals(stream.stream_id)
    assert (totals.orders, totals.units, totals.currency, totals.paid_orders) == (2, 3, "EUR", 0)
    assert in_euros == Money(3980 + 490, "EUR")  # 2 x 19.90 and shipping to Germany
    assert in_dollars.currency == "USD"
    assert totals.revenue_minor == 3980 + 490 + in_dollars.convert(1 / RATES.rates["USD"], "EUR").amount_minor

    ended = await streams.end(stream.stream_id, live_at + HOUR)
    assert ended == totals
    assert notifier.sent[-1] == StreamEnded(MERCHANT, "de", stream.stream_id, "Autumn scarves", totals)
    assert (await streams.get(stream.stream_id)).status is StreamStatus.ENDED  # type: ignore[union-attr]
    assert await streams.live_stream() is None
    with pytest.raises(StreamNotLive):
        await streams.end(stream.stream_id, live_at + HOUR)


async def _place(shop: Shop, buyer_id: int, sku: str, quantity: int = 1) -> Money:
    """The buyer orders and places the order (awaiting payment), shipping to Germany; what they pay."""
    await shop.cart.add(buyer_id, shop.skus[sku], quantity, "en")
    await shop.checkout.begin(buyer_id, "en")
    await shop.checkout.summary(buyer_id, TO_BERLIN, "en")
    return (await shop.checkout.confirm(buyer_id, TO_BERLIN, "en")).total


async def test_two_processes_claim_each_due_announcement_exactly_once(
    database_url: str, uow_factory: SqlUnitOfWorkFactory
) -> None:
    await open_shop(uow_factory)
    planner = make_streams(uow_factory)
    for minutes in range(70, 70 + 30):
        await planner.plan(plan(starts_in=timedelta(minutes=minutes)), START)
    now = START + 3 * HOUR  # every stream's hour-before and starting-now reminders are due: 60 announcements
    # Two bot processes (an engine each) on one database, each running its job five times at once, claiming two
    # announcements a time: they race for the same rows all along.
    engines: list[AsyncEngine] = [make_engine(database_url) for _ in range(2)]
    openers = [RecordingOpener(), RecordingOpener()]
    try:
        services = [
            StreamService(
                SqlUnitOfWorkFactory(make_sessionmaker(engine)),
                Pricing(StaticRates(), "EUR"),
                RecordingNotifier(),
                opener,
                offsets=parse_offsets("24h,1h,0"),
                grace=timedelta(days=1),
                shop_timezone="UTC",
                merchant_ids=[],
                staff_language="en",
                claim_batch=2,
            )
            for engine, opener in zip(engines, openers, strict=True)
        ]
        claimed = 0
        for _ in range(10):
            claimed += sum(await asyncio.gather(*(service.announce_due(now) for service in services for _ in range(5))))
    finally:
        for engine in engines:
            await engine.dispose()
    opened = [reference for opener in openers for _, reference, _ in opener.opened]
    async with uow_factory() as uow:
        due = await uow.streams.claim_due(now, 100)
    assert due == []  # all were claimed
    assert claimed == len(opened) == len(set(opened)) == 60  # each opened exactly once
    assert all(opener.opened for opener in openers)  # and both processes took part
