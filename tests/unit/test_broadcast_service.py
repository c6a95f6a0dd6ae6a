"""The BroadcastService on fakes and virtual time: pacing, 429 pauses, 403s, bounded retries, the lease, crash
recovery and the report, each proven by what the fake sender saw and when."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections import Counter
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import pytest

from bot.domain.broadcasts import (
    MAX_ATTEMPTS,
    Audience,
    BroadcastInfo,
    BroadcastKind,
    BroadcastReport,
    BroadcastStatus,
    Delivery,
    DeliveryOutcome,
    DeliveryStatus,
    Recipient,
    SendOutcome,
    SendResult,
)
from bot.domain.buyer import Buyer
from bot.domain.fx import Rates
from bot.services.broadcasts import BroadcastService
from bot.services.pricing import Pricing

START = 1_800_000_000.0


class VirtualTime:
    """A clock and a sleep that take no real time: time jumps to the next sleeper once every task is waiting."""

    def __init__(self) -> None:
        self.now = START
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def clock(self) -> datetime:
        return datetime.fromtimestamp(self.now, UTC)

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._order), future))
        await future

    async def run(self, work: Coroutine[Any, Any, Any]) -> Any:
        task = asyncio.ensure_future(work)
        while not task.done():
            for _ in range(50):  # everything that can run without time passing
                await asyncio.sleep(0)
            if task.done() or not self._sleepers:
                continue
            at, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, at)
            future.set_result(None)
        return task.result()


@dataclass
class Row:
    id: int
    broadcast_id: int
    recipient: Recipient
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    not_before: datetime | None = None


@dataclass
class Store:
    broadcasts: dict[int, BroadcastInfo] = field(default_factory=dict)
    leases: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    rows: dict[int, Row] = field(default_factory=dict)
    buyers: list[Buyer] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)


class FakeBroadcasts:
    """The BroadcastRepository in memory (the database's conditional statements as plain checks)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def open(
        self, kind: BroadcastKind, reference: int | None, text: str | None, created_by: int | None, now: datetime
    ) -> tuple[int, bool]:
        for broadcast in self.store.broadcasts.values():
            if reference is not None and (broadcast.kind, broadcast.reference) == (kind, reference):
                return broadcast.id, False
        new_id = len(self.store.broadcasts) + 1
        self.store.broadcasts[new_id] = BroadcastInfo(
            new_id, kind, reference or new_id, BroadcastStatus.RUNNING, text, now, None, None, False
        )
        return new_id, True

    async def reachable_subscribers(self) -> Sequence[Buyer]:
        return [b for b in self.store.buyers if b.subscribed and b.started and b.telegram_id not in self.store.blocked]

    async def add_deliveries(self, broadcast_id: int, recipients: Sequence[Recipient]) -> None:
        for recipient in recipients:
            row_id = len(self.store.rows) + 1
            self.store.rows[row_id] = Row(row_id, broadcast_id, recipient)

    async def get(self, broadcast_id: int) -> BroadcastInfo | None:
        return self.store.broadcasts.get(broadcast_id)

    async def unfinished(self) -> Sequence[BroadcastInfo]:
        return [b for b in self.store.broadcasts.values() if b.status is BroadcastStatus.RUNNING or not b.reported]

    async def take_lease(self, broadcast_id: int, owner: str, until: datetime, now: datetime) -> bool:
        broadcast = self.store.broadcasts[broadcast_id]
        holder = self.store.leases.get(broadcast_id)
        if broadcast.status is not BroadcastStatus.RUNNING or (holder and holder[0] != owner and holder[1] >= now):
            return False
        self.store.leases[broadcast_id] = (owner, until)
        self.store.broadcasts[broadcast_id] = replace(broadcast, started_at=broadcast.started_at or now)
        return True

    async def release_lease(self, broadcast_id: int, owner: str) -> None:
        if self.store.leases.get(broadcast_id, ("",))[0] == owner:
            del self.store.leases[broadcast_id]

    async def claim(self, broadcast_id: int, limit: int, now: datetime) -> Sequence[Delivery]:
        due = [
            row
            for row in self.store.rows.values()
            if row.broadcast_id == broadcast_id
            and row.status is DeliveryStatus.PENDING
            and (row.not_before is None or row.not_before <= now)
        ][:limit]
        for row in due:
            row.status = DeliveryStatus.SENDING
        return [Delivery(row.id, row.recipient, row.attempts) for row in due]

    async def record(self, outcomes: Sequence[DeliveryOutcome], now: datetime) -> None:
        for outcome in outcomes:
            row = self.store.rows[outcome.delivery_id]
            if row.status is DeliveryStatus.SENDING:
                row.status, row.attempts, row.not_before = outcome.status, outcome.attempts, outcome.not_before

    async def block_buyers(self, chat_ids: Sequence[int]) -> None:
        self.store.blocked.update(chat_ids)

    async def pending(self, broadcast_id: int) -> tuple[int, datetime | None]:
        rows = [r for r in self.store.rows.values() if r.broadcast_id == broadcast_id and r.status == "pending"]
        waits = [row.not_before for row in rows if row.not_before is not None]
        return len(rows), min(waits, default=None)

    async def finish(self, broadcast_id: int, owner: str, now: datetime) -> bool:
        if (await self.pending(broadcast_id))[0] or self.store.leases.get(broadcast_id, ("",))[0] != owner:
            return False
        broadcast = self.store.broadcasts[broadcast_id]
        self.store.broadcasts[broadcast_id] = replace(broadcast, status=BroadcastStatus.DONE, finished_at=now)
        del self.store.leases[broadcast_id]
        return True

    async def claim_report(self, broadcast_id: int) -> bool:
        broadcast = self.store.broadcasts[broadcast_id]
        if broadcast.status is not BroadcastStatus.DONE or broadcast.reported:
            return False
        self.store.broadcasts[broadcast_id] = replace(broadcast, reported=True)
        return True

    async def counts(self, broadcast_id: int) -> dict[DeliveryStatus, int]:
        return dict(Counter(row.status for row in self.store.rows.values() if row.broadcast_id == broadcast_id))


class FakeUnitOfWork:
    def __init__(self, store: Store) -> None:
        self.broadcasts = FakeBroadcasts(store)

    async def __aenter__(self) -> Self:
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        return None

    async def commit(self) -> None:
        return None


class ScriptedSender:
    """Sends at once, noting when (virtual time); `script[chat]` lists the results of that chat's first sends."""

    def __init__(self, time: VirtualTime, script: dict[int, list[SendResult]] | None = None) -> None:
        self.time = time
        self.script = script or {}
        self.tries: list[tuple[int, float]] = []
        self.paid: set[bool] = set()

    async def send(self, kind: BroadcastKind, reference: int, recipient: Recipient, paid: bool) -> SendResult:
        self.tries.append((recipient.chat_id, self.time.now - START))
        self.paid.add(paid)
        await asyncio.sleep(0)
        planned = self.script.get(recipient.chat_id)
        return planned.pop(0) if planned else SendResult(SendOutcome.SENT, message_id=1)

    def delivered(self) -> Counter[int]:
        """Sends tried per chat; every scripted refusal must have been used by then."""
        assert not any(self.script.values())
        return Counter(chat for chat, _ in self.tries)


class NoRates:
    async def latest(self) -> Rates:
        return Rates(base="EUR", rates={})


def make_service(
    store: Store, time: VirtualTime, sender: ScriptedSender, rate: float = 25, owner: str = "one"
) -> BroadcastService:
    return BroadcastService(
        lambda: FakeUnitOfWork(store),  # type: ignore[arg-type, return-value]
        sender,
        Pricing(NoRates(), "EUR"),
        rate=rate,
        clock=time.clock,
        sleep=time.sleep,
        owner=owner,
    )


def subscribed(count: int) -> list[Buyer]:
    return [Buyer(telegram_id=chat, language="en", subscribed=True) for chat in range(1, count + 1)]


def most_in_a_second(times: Sequence[float]) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered if start <= t < start + 1) for start in ordered)


async def test_sends_are_paced_at_the_rate() -> None:
    time, store = VirtualTime(), Store(buyers=subscribed(100))
    sender = ScriptedSender(time)
    service = make_service(store, time, sender, rate=25)
    await time.run(service.open(BroadcastKind.ANNOUNCEMENT, 1, Audience()))
    await time.run(service.run_pending())

    assert sender.delivered() == Counter(range(1, 101))
    times = [at for _, at in sender.tries]
    assert most_in_a_second(times) <= 25
    assert 3.9 <= max(times) - min(times) <= 4.3  # 100 at 25 a second, not much slower
    assert sender.paid == {False}


async def test_a_429_pauses_the_whole_broadcast_and_resends_that_message() -> None:
    time, store = VirtualTime(), Store(buyers=subscribed(60))
    sender = ScriptedSender(time, {10: [SendResult(SendOutcome.RETRY_AFTER, retry_after=3)]})
    service = make_service(store, time, sender, rate=25)
    await time.run(service.open(BroadcastKind.ANNOUNCEMENT, 1, Audience()))
    await time.run(service.run_pending())

    refused_at = next(at for chat, at in sender.tries if chat == 10)
    assert not [at for _, at in sender.tries if refused_at < at < refused_at + 3]
    assert sender.delivered() == Counter({**dict.fromkeys(range(1, 61), 1), 10: 2})
    assert Counter(row.status for row in store.rows.values()) == Counter({DeliveryStatus.SENT: 60})


async def test_a_subscriber_who_blocked_the_bot_is_marked_so_and_the_rest_go_on() -> None:
    time, store = VirtualTime(), Store(buyers=subscribed(5))
    sender = ScriptedSender(time, {3: [SendResult(SendOutcome.BLOCKED, error="Forbidden: bot was blocked")]})
    service = make_service(store, time, sender)
    await time.run(service.open(BroadcastKind.ANNOUNCEMENT, 1, Audience()))
    await time.run(service.run_pending())

    assert store.blocked == {3}
    report = await service.report(1)
    assert (report.delivered, report.blocked, report.failed) == (4, 1, 0)


async def test_other_errors_are_retried_a_bounded_number_of_times_then_failed() -> None:
    time, store = VirtualTime(), Store(buyers=subscribed(3))
    failure = SendResult(SendOutcome.FAILED, error="Bad Request: something")
    sender = ScriptedSender(time, {1: [failure] * MAX_ATTEMPTS, 2: [failure]})
    service = make_service(store, time, sender)
    await time.run(service.open(BroadcastKind.ANNOUNCEMENT, 1, Audience()))
    await time.run(service.run_pending())

    assert sender.delivered() == Counter({1: MAX_ATTEMPTS, 2: 2, 3: 1})
    tries_of_1 = [at for chat, at in sender.tries if chat == 1]
    assert all(later - earlier >= 1 for earlier, later in itertools.pairwise(tries_of_1))  # backoff, 1/s per chat
    assert {row.recipient.chat_id: row.status for row in store.rows.values()} == {
        1: DeliveryStatus.FAILED,
        2: DeliveryStatus.SENT,
        3: DeliveryStatus.SENT,
    }


async def test_a_send_without_an_answer_is_never_sent_again_and_counted_unconfirmed() -> None:
    time, store = VirtualTime(), Store(buyers=subscribed(3))
    lost = SendResult(SendOutcome.UNCERTAIN, error="network: timeout")
    sender = ScriptedSender(time, {2: [lost]})
    service = make_service(store, time, sender)
    await time.run(service.open(BroadcastKind.ANNOUNCEMENT, 1, Audience()))
    await time.run(service.run_pending())
    await time.run(service.run_pending())

    assert sender.delivered() == Counter({1: 1, 2: 1, 3: 1})  # chat 2 tried once, never again
    report = await service.report(1)
    assert (report.delivered, report.unconfirmed, report.failed) == (3, 1, 0)


async def test_a_broadcast_another_process_holds_is_left_to_it() -> None:
    time, store = VirtualTime(), Store(buyers=subscribed(5))
    sender = ScriptedSender(time)
    service = make_service(store, time, sender)
    await time.run(service.open(BroadcastKind.ANNOUNCEMENT, 1, Audience()))
    store.leases[1] = ("other", time.clock() + timedelta(seconds=5))
    assert await time.run(service.run_pending()) == 0
    assert sender.tries == []

    time.now += 6  # the other process died: its lease ran out
    assert await time.run(service.run_pending()) == 5


async def test_deliveries_a_crash_left_sending_are_counted_unconfirmed_and_never_sent_again() -> None:
    time, store = VirtualTime(), Store(buyers=subscribed(10))
    sender = ScriptedSender(time)
    service = make_service(store, time, sender)
    await time.run(service.open(BroadcastKind.ANNOUNCEMENT, 1, Audience()))
    for row_id in (1, 2, 3):
        store.rows[row_id].status = DeliveryStatus.SENDING  # recorded just before a crash
    await time.run(service.run_pending())

    assert sender.delivered() == Counter(range(4, 11))
    report = await service.report(1)
    assert (report.delivered, report.unconfirmed) == (10, 3)


async def test_a_finished_broadcast_is_reported_once_by_one_of_two_processes() -> None:
    time, store = VirtualTime(), Store(buyers=subscribed(20))
    reports: list[tuple[str, BroadcastReport]] = []
    services = [make_service(store, time, ScriptedSender(time), owner=name) for name in ("one", "two")]
    for service in services:

        async def record(report: BroadcastReport, by: str = service.owner) -> None:
            reports.append((by, report))

        service.on_finished(BroadcastKind.ANNOUNCEMENT, record)
    await time.run(services[0].open(BroadcastKind.ANNOUNCEMENT, 7, Audience()))
    assert await time.run(services[1].open(BroadcastKind.ANNOUNCEMENT, 7, Audience())) == 1  # opened once

    await time.run(asyncio.gather(*(service.run_pending() for service in services)))
    await time.run(asyncio.gather(*(service.run_pending() for service in services)))

    assert len(reports) == 1
    _, report = reports[0]
    assert (report.reference, report.delivered, report.took) == (7, 20, report.finished_at - report.started_at)


async def test_paid_broadcasts_ask_for_paid_sends() -> None:
    time, store = VirtualTime(), Store(buyers=subscribed(50))
    sender = ScriptedSender(time)
    service = make_service(store, time, sender, rate=1000)
    service.paid = True
    await time.run(service.open(BroadcastKind.ANNOUNCEMENT, 1, Audience()))
    await time.run(service.run_pending())
    assert sender.paid == {True}
    times = [at for _, at in sender.tries]
    assert max(times) - min(times) == pytest.approx(0.049, abs=0.01)
