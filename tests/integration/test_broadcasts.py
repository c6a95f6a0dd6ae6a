"""Broadcasts in the database: opened once with their audience fixed, sent by one process at a time, every delivery
recorded, and reported once (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.broadcasts import (
    Audience,
    BroadcastKind,
    BroadcastReport,
    DeliveryOutcome,
    DeliveryStatus,
    Recipient,
    SendOutcome,
    SendResult,
)
from bot.domain.buyer import Buyer
from bot.services.broadcasts import BroadcastService
from bot.services.pricing import Pricing
from storage.engine import make_engine, make_sessionmaker
from storage.tables import deliveries
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.orders_support import StaticRates

GROUP = -100123


@dataclass
class RecordingSender:
    """Answers every send at once; `refuse` chats get a 403."""

    name: str = "sender"
    sent: list[tuple[str, int]] = field(default_factory=list)
    refuse: set[int] = field(default_factory=set)
    sent_some: asyncio.Event = field(default_factory=asyncio.Event)  # set at the 20th send

    async def send(self, kind: BroadcastKind, reference: int, recipient: Recipient, paid: bool) -> SendResult:
        await asyncio.sleep(0)
        if recipient.chat_id in self.refuse:
            return SendResult(SendOutcome.BLOCKED, error="Forbidden: bot was blocked by the user")
        self.sent.append((self.name, recipient.chat_id))
        if len(self.sent) == 20:
            self.sent_some.set()
        return SendResult(SendOutcome.SENT, message_id=len(self.sent))


def service(uow: SqlUnitOfWorkFactory, sender: RecordingSender, rate: float = 1000) -> BroadcastService:
    return BroadcastService(uow, sender, Pricing(StaticRates(), "EUR"), rate=rate, shop_timezone="Europe/Paris")


async def add_buyers(uow_factory: SqlUnitOfWorkFactory, *buyers: Buyer) -> None:
    async with uow_factory() as uow:
        for buyer in buyers:
            await uow.buyers.add(buyer)
        await uow.commit()


async def subscribers(uow_factory: SqlUnitOfWorkFactory, count: int, first: int = 1000) -> list[int]:
    ids = list(range(first, first + count))
    await add_buyers(uow_factory, *(Buyer(telegram_id=i, language="en", subscribed=True) for i in ids))
    return ids


async def statuses(uow_factory: SqlUnitOfWorkFactory, broadcast_id: int) -> Counter[str]:
    async with uow_factory() as uow:
        counts = await uow.broadcasts.counts(broadcast_id)
    return Counter({status.value: count for status, count in counts.items()})


async def test_opening_twice_opens_one_broadcast_for_every_reachable_subscriber(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    await add_buyers(
        uow_factory,
        Buyer(telegram_id=1, language="de", country="DE", subscribed=True),
        Buyer(telegram_id=2, language="pt", region="BR", subscribed=True, timezone="America/Manaus"),
        Buyer(telegram_id=3, language="en", currency="GBP", subscribed=True),
        Buyer(telegram_id=4, language="en", subscribed=False),
        Buyer(telegram_id=5, language="en", subscribed=True, blocked=True),
        Buyer(telegram_id=6, language="en", subscribed=True, started=False),
    )
    broadcasts = service(uow_factory, RecordingSender())
    first = await broadcasts.open(BroadcastKind.ANNOUNCEMENT, 77, Audience(chats=(GROUP,)))
    await add_buyers(uow_factory, Buyer(telegram_id=7, language="en", subscribed=True))  # too late for this one
    again = await broadcasts.open(BroadcastKind.ANNOUNCEMENT, 77, Audience(chats=(GROUP,)))

    assert again == first
    async with uow_factory() as uow:
        claimed = await uow.broadcasts.claim(first, 100, datetime.now(UTC))
    recipients = {delivery.recipient.chat_id: delivery.recipient for delivery in claimed}
    assert set(recipients) == {1, 2, 3, GROUP}
    assert recipients[1] == Recipient(1, "de", timezone="Europe/Berlin", currency="EUR")
    assert recipients[2].timezone == "America/Manaus" and recipients[2].language == "pt"
    assert recipients[3].currency == "GBP" and recipients[3].timezone == "Europe/Paris"
    assert recipients[GROUP] == Recipient(GROUP, "en", private=False)


async def test_every_subscriber_gets_a_broadcast_once_and_it_is_reported_once(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    ids = await subscribers(uow_factory, 300)
    sender = RecordingSender(refuse={ids[0]})
    broadcasts = service(uow_factory, sender)
    reports: list[BroadcastReport] = []

    async def record(report: BroadcastReport) -> None:
        reports.append(report)

    broadcasts.on_finished(BroadcastKind.MESSAGE, record)
    broadcast_id = await broadcasts.send_message("Hello")
    await broadcasts.run_pending()
    await broadcasts.run_pending()

    assert sorted(chat for _, chat in sender.sent) == ids[1:]
    assert await statuses(uow_factory, broadcast_id) == Counter({"sent": 299, "blocked": 1})
    assert [(report.delivered, report.blocked, report.failed) for report in reports] == [(299, 1, 0)]
    async with uow_factory() as uow:
        blocked = await uow.buyers.get(ids[0])
    assert blocked is not None and blocked.blocked


async def test_two_processes_never_send_one_broadcast_together(database_url: str) -> None:
    engines: list[AsyncEngine] = [make_engine(database_url), make_engine(database_url)]
    try:
        factories = [SqlUnitOfWorkFactory(make_sessionmaker(engine)) for engine in engines]
        ids = await subscribers(factories[0], 200)
        senders = [RecordingSender("first"), RecordingSender("second")]
        services = [service(factory, sender, rate=400) for factory, sender in zip(factories, senders, strict=True)]
        await services[0].send_message("Hello")
        await asyncio.gather(*(one.run_pending() for one in services))
        sent = senders[0].sent + senders[1].sent
        assert sorted(chat for _, chat in sent) == ids
        assert len({name for name, _ in sent}) == 1  # the lease kept the other out
    finally:
        for engine in engines:
            await engine.dispose()


async def test_deliveries_a_crash_left_sending_are_not_sent_again(uow_factory: SqlUnitOfWorkFactory) -> None:
    ids = await subscribers(uow_factory, 50)
    crashed = service(uow_factory, RecordingSender())
    broadcast_id = await crashed.send_message("Hello")
    # The crashed process leased it and recorded ten SENDING; its lease ran out.
    past = datetime.now(UTC) - timedelta(minutes=5)
    async with uow_factory() as uow:
        assert await uow.broadcasts.take_lease(broadcast_id, "crashed", past, past)
        in_flight = await uow.broadcasts.claim(broadcast_id, 10, past)
        await uow.commit()

    sender = RecordingSender()
    restarted = service(uow_factory, sender)
    await restarted.run_pending()

    unsent = {delivery.recipient.chat_id for delivery in in_flight}
    assert sorted(chat for _, chat in sender.sent) == [chat for chat in ids if chat not in unsent]
    report = await restarted.report(broadcast_id)
    assert (report.delivered, report.unconfirmed) == (50, 10)


async def test_a_running_lease_keeps_others_out_until_it_runs_out(uow_factory: SqlUnitOfWorkFactory) -> None:
    await subscribers(uow_factory, 5)
    broadcast_id = await service(uow_factory, RecordingSender()).send_message("Hello")
    now = datetime.now(UTC)
    async with uow_factory() as uow:
        assert await uow.broadcasts.take_lease(broadcast_id, "a", now + timedelta(seconds=10), now)
        assert not await uow.broadcasts.take_lease(broadcast_id, "b", now + timedelta(seconds=10), now)
        assert await uow.broadcasts.take_lease(
            broadcast_id, "b", now + timedelta(seconds=30), now + timedelta(seconds=11)
        )
        await uow.commit()


async def test_outcomes_are_recorded_in_one_batch(uow_factory: SqlUnitOfWorkFactory, engine: AsyncEngine) -> None:
    await subscribers(uow_factory, 1000)
    broadcast_id = await service(uow_factory, RecordingSender()).send_message("Hello")
    statements: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement)

    sa.event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        now = datetime.now(UTC)
        async with uow_factory() as uow:
            claimed = await uow.broadcasts.claim(broadcast_id, 500, now)
            await uow.broadcasts.record(
                [DeliveryOutcome(delivery.id, DeliveryStatus.SENT, 1, message_id=1) for delivery in claimed], now
            )
            await uow.commit()
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert len(claimed) == 500
    assert len([s for s in statements if s.lstrip().upper().startswith("UPDATE")]) <= 4
    async with uow_factory() as uow:
        connection = await uow.session.connection()
        sent = (
            await connection.execute(
                sa.select(sa.func.count()).where(
                    deliveries.c.broadcast_id == broadcast_id, deliveries.c.status == "sent"
                )
            )
        ).scalar_one()
    assert sent == 500


async def test_a_bot_stopping_mid_broadcast_gives_back_what_had_not_left(uow_factory: SqlUnitOfWorkFactory) -> None:
    ids = await subscribers(uow_factory, 60)
    first = RecordingSender("first")
    stopping = service(uow_factory, first, rate=200)  # claims a batch ahead of its sends
    await stopping.send_message("Hello")
    running = asyncio.create_task(stopping.run_pending())
    await first.sent_some.wait()
    running.cancel()  # what a SIGTERM does to the scheduler's job
    with contextlib.suppress(asyncio.CancelledError):
        await running
    async with uow_factory() as uow:
        await uow.broadcasts.release_lease(1, stopping.owner)  # its lease would run out; the test need not wait
        await uow.commit()

    second = RecordingSender("second")
    report = service(uow_factory, second)
    await report.run_pending()

    sent = [chat for _, chat in first.sent + second.sent]
    unconfirmed = (await report.report(1)).unconfirmed
    assert len(set(sent)) == len(sent) and set(sent) <= set(ids)  # nobody twice
    # Everybody but the sends on their way when it stopped: those stay unconfirmed (they may have gone out).
    assert len(sent) + unconfirmed == len(ids) and unconfirmed <= 2
