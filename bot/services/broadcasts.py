"""One sender for every broadcast: opens it once with its audience fixed, sends under a lease at a paced rate, records
each delivery before and after its send (in batches), and reports once when done. See docs/broadcasts.md."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

from bot.domain.broadcasts import (
    MAX_ATTEMPTS,
    Audience,
    BroadcastInfo,
    BroadcastKind,
    BroadcastReport,
    BroadcastStatus,
    ChatPacer,
    Delivery,
    DeliveryOutcome,
    DeliveryStatus,
    Recipient,
    SendOutcome,
    SendResult,
    TokenBucket,
    retry_delay,
)
from bot.domain.buyer import Buyer
from bot.domain.fx import Rates
from bot.domain.notices import BroadcastFinished
from bot.domain.timezones import zone_for
from bot.ports import BroadcastSender, Metrics, NoMetrics, Notifier, UnitOfWorkFactory
from bot.services.outbound import NotSent
from bot.services.pricing import Pricing
from bot.services.roles import MerchantIds, merchant_ids_of

log = logging.getLogger(__name__)

# From this rate on, deliveries are claimed (recorded SENDING) in one statement CLAIM_AHEAD seconds before their send
# slots: at 1,000 sends a second a claim of 50 rows every 50 ms. A crash can leave at most these unsent yet recorded
# SENDING. Slower, each is claimed at its own slot, milliseconds before it is sent.
BATCHED_RATE = 100
CLAIM_AHEAD = 0.05
# Most deliveries claimed in one statement.
CLAIM_MOST = 500
LEASE = timedelta(seconds=10)

FinishedCallback = Callable[[BroadcastReport], Awaitable[None]]


def _utcnow() -> datetime:
    return datetime.now(UTC)


class BroadcastService:
    """Implements BroadcastOpener; `run_pending` is the scheduler job that sends."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        sender: BroadcastSender | None,
        pricing: Pricing,
        *,
        rate: float,
        paid: bool = False,
        shop_timezone: str = "UTC",
        default_language: str = "en",
        concurrency: int = 200,
        lease: timedelta = LEASE,
        clock: Callable[[], datetime] = _utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        owner: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.uow = uow
        self.metrics = metrics or NoMetrics()
        self.sender = sender
        self.pricing = pricing
        self.rate = rate
        self.paid = paid
        self.shop_timezone = shop_timezone
        self.default_language = default_language
        self.concurrency = concurrency
        self.lease = lease
        self.clock = clock
        self.sleep = sleep
        # Who holds a lease: this process, until it exits (a restarted bot waits for its old lease to run out).
        self.owner = owner or uuid.uuid4().hex
        self.bucket = TokenBucket(rate, self._seconds())
        self.claim_ahead = CLAIM_AHEAD if rate >= BATCHED_RATE else 0.0
        self.chats = ChatPacer()
        self._callbacks: dict[BroadcastKind, list[FinishedCallback]] = defaultdict(list)

    def _seconds(self) -> float:
        return self.clock().timestamp()

    def on_finished(self, kind: BroadcastKind, callback: FinishedCallback) -> None:
        """Call `callback` with the report of each finished broadcast of `kind`, once (across processes too)."""
        self._callbacks[kind].append(callback)

    # Opening

    async def open(self, kind: BroadcastKind, reference: int, audience: Audience, created_by: int | None = None) -> int:
        """The broadcast of (kind, reference), opened with its audience snapshotted if it was not open yet."""
        return await self._open(kind, reference, None, audience, created_by)

    async def send_message(self, text: str, created_by: int | None = None) -> int:
        """Broadcast a plain text to every reachable subscriber (`livesell broadcast send`); the broadcast's id."""
        if not text.strip():
            raise ValueError("a broadcast message cannot be empty")
        return await self._open(BroadcastKind.MESSAGE, None, text, Audience(), created_by)

    async def _open(
        self, kind: BroadcastKind, reference: int | None, text: str | None, audience: Audience, created_by: int | None
    ) -> int:
        rates = await self._rates()
        async with self.uow() as uow:
            broadcast_id, created = await uow.broadcasts.open(kind, reference, text, created_by, self.clock())
            if created:
                recipients: list[Recipient] = []
                if audience.subscribers:
                    subscribers = await uow.broadcasts.reachable_subscribers()
                    recipients += [self.recipient(buyer, rates) for buyer in subscribers]
                recipients += [Recipient(chat, self.default_language, private=False) for chat in audience.chats]
                await uow.broadcasts.add_deliveries(broadcast_id, recipients)
                await uow.commit()
                log.info("broadcast %s (%s %s) opened for %s chats", broadcast_id, kind, reference, len(recipients))
        return broadcast_id

    async def _rates(self) -> Rates | None:
        try:
            return await self.pricing.rates()
        except Exception:  # an exchange-rate service down must not stop an announcement: prices go in the shop's
            log.exception("exchange rates unavailable: broadcast recipients get the shop's currency")
            return None

    def recipient(self, buyer: Buyer, rates: Rates | None) -> Recipient:
        """What a subscriber's message is drawn in: their language, zone and currency, as the rest of the bot shows
        them (bot/domain/timezones.py, Pricing.currency_for)."""
        zone = zone_for(buyer.timezone, buyer.country, buyer.region, self.shop_timezone)
        currency = self.pricing.currency_for(buyer, rates) if rates is not None else buyer.currency
        return Recipient(buyer.telegram_id, buyer.language, timezone=zone, currency=currency, private=True)

    # Sending

    async def run_pending(self) -> int:
        """The scheduler job: send every running broadcast this process can lease (resuming one a crash stopped),
        and report those finished. How many messages went out."""
        async with self.uow() as uow:
            unfinished = await uow.broadcasts.unfinished()
        sent = 0
        for broadcast in unfinished:
            if broadcast.status is BroadcastStatus.RUNNING:
                sent += await self._run(broadcast)
            await self._report_once(broadcast.id)
        return sent

    async def _run(self, broadcast: BroadcastInfo) -> int:
        if self.sender is None:
            raise RuntimeError("this BroadcastService only opens broadcasts: it has no sender")
        if not await self._lease(broadcast.id):
            return 0
        try:
            return await _Run(self, broadcast).deliver()
        except BaseException:
            # Let another process (or this one's next run) take over at once rather than after the lease.
            async with self.uow() as uow:
                await uow.broadcasts.release_lease(broadcast.id, self.owner)
                await uow.commit()
            raise

    async def _lease(self, broadcast_id: int) -> bool:
        now = self.clock()
        async with self.uow() as uow:
            won = await uow.broadcasts.take_lease(broadcast_id, self.owner, now + self.lease, now)
            await uow.commit()
        return won

    # Reporting

    async def report(self, broadcast_id: int) -> BroadcastReport:
        async with self.uow() as uow:
            broadcast = await uow.broadcasts.get(broadcast_id)
            if broadcast is None:
                raise LookupError(f"no broadcast {broadcast_id}")
            counts = await uow.broadcasts.counts(broadcast_id)
        return _report(broadcast, counts, self.clock())

    async def _report_once(self, broadcast_id: int) -> None:
        async with self.uow() as uow:
            won = await uow.broadcasts.claim_report(broadcast_id)
            await uow.commit()
        if not won:
            return
        report = await self.report(broadcast_id)
        log.info(
            "broadcast %s done: %s delivered (%s unconfirmed), %s blocked, %s failed in %s",
            broadcast_id,
            report.delivered,
            report.unconfirmed,
            report.blocked,
            report.failed,
            report.took,
        )
        for callback in self._callbacks.get(report.kind, ()):
            try:
                await callback(report)
            except Exception:  # one failing report must not keep the others from theirs
                log.exception("reporting broadcast %s failed", broadcast_id)

    async def audience_size(self, broadcast_id: int) -> int:
        """How many chats the broadcast goes to."""
        async with self.uow() as uow:
            return sum((await uow.broadcasts.counts(broadcast_id)).values())

    async def message_text(self, broadcast_id: int) -> str | None:
        """The text of a MESSAGE broadcast (what its renderer draws)."""
        async with self.uow() as uow:
            broadcast = await uow.broadcasts.get(broadcast_id)
        return broadcast.text if broadcast is not None else None


def _report(broadcast: BroadcastInfo, counts: dict[DeliveryStatus, int], now: datetime) -> BroadcastReport:
    unconfirmed = counts.get(DeliveryStatus.SENDING, 0) if broadcast.status is BroadcastStatus.DONE else 0
    return BroadcastReport(
        broadcast_id=broadcast.id,
        kind=broadcast.kind,
        reference=broadcast.reference,
        delivered=counts.get(DeliveryStatus.SENT, 0) + unconfirmed,
        blocked=counts.get(DeliveryStatus.BLOCKED, 0),
        failed=counts.get(DeliveryStatus.FAILED, 0),
        started_at=broadcast.started_at or broadcast.created_at,
        finished_at=broadcast.finished_at or now,
        unconfirmed=unconfirmed,
    )


class _Run:
    """One leased pass over a broadcast: claims deliveries just ahead of their send slots, sends them concurrently
    (at most `concurrency` at once, each at its slot), and records outcomes in batches with the next claim."""

    def __init__(self, service: BroadcastService, broadcast: BroadcastInfo) -> None:
        self.service = service
        self.broadcast = broadcast
        self.outcomes: list[DeliveryOutcome] = []
        self.blocked: list[int] = []
        self.in_flight: set[asyncio.Task[None]] = set()
        self.sent = 0
        self.renew_at = service._seconds() + service.lease.total_seconds() / 3
        # Claimed (recorded SENDING) but not handed to the sender yet: given back if the run is cancelled.
        self.unsent: dict[int, int] = {}  # delivery id: its attempts

    async def deliver(self) -> int:
        try:
            return await self._deliver()
        except asyncio.CancelledError:
            # The bot is stopping (a SIGTERM): its sends stop too; what had not left goes back to pending, so the next
            # run sends it, and what had left stays SENDING (unconfirmed, never sent again).
            for task in self.in_flight:
                task.cancel()
            if self.in_flight:  # sends still waiting for their turn in the outbound queue give their rows back
                await asyncio.shield(asyncio.wait(set(self.in_flight), timeout=1.0))
            await asyncio.shield(self._give_back())
            raise

    async def _give_back(self) -> None:
        unsent = [DeliveryOutcome(id, DeliveryStatus.PENDING, attempts) for id, attempts in self.unsent.items()]
        async with self.service.uow() as uow:
            await uow.broadcasts.record([*self.outcomes, *unsent], self.service.clock())
            await uow.broadcasts.block_buyers(self.blocked)
            await uow.commit()

    async def _deliver(self) -> int:
        service = self.service
        bucket = service.bucket
        while True:
            now = service._seconds()
            room = service.concurrency - len(self.in_flight)
            want = min(room, bucket.free_slots(now, service.claim_ahead), CLAIM_MOST)
            if room == 0:
                await self._settle_some()
                continue
            if want == 0 and now < self.renew_at:  # a long 429 pause must not let the lease lapse
                await service.sleep(min(max(0.0, bucket.next_slot - service.claim_ahead - now), self.renew_at - now))
                await service.sleep(0.001)
                continue
            claimed = await self._record_and_claim(want)
            if claimed is None:  # the lease went to another process: it carries on
                await self._drain()
                return self.sent
            for delivery in claimed:
                task = asyncio.create_task(self._send(delivery))
                self.in_flight.add(task)
                task.add_done_callback(self.in_flight.discard)
            if claimed or want == 0:
                await asyncio.sleep(0)  # let the sends start before the next claim
                continue
            if self.in_flight:
                await self._settle_some()
                continue
            pending, first_due = await self._pending()
            if pending == 0:
                break
            wait = (first_due - service.clock()).total_seconds() if first_due is not None else 0.0
            await service.sleep(min(max(wait, 0.01), service.lease.total_seconds() / 3))
        await self._drain()
        async with service.uow() as uow:
            await uow.broadcasts.finish(self.broadcast.id, service.owner, service.clock())
            await uow.commit()
        return self.sent

    async def _record_and_claim(self, want: int) -> Sequence[Delivery] | None:
        """One unit: the outcomes so far, the lease renewed when due, and the next deliveries recorded SENDING.
        Outcomes leave the list only once recorded: a cancelled unit leaves them for `_give_back`."""
        service = self.service
        outcomes, blocked = list(self.outcomes), list(self.blocked)
        now = service.clock()
        async with service.uow() as uow:
            await uow.broadcasts.record(outcomes, now)
            await uow.broadcasts.block_buyers(blocked)
            if service._seconds() >= self.renew_at:
                if not await uow.broadcasts.take_lease(self.broadcast.id, service.owner, now + service.lease, now):
                    await uow.commit()
                    del self.outcomes[: len(outcomes)], self.blocked[: len(blocked)]
                    return None
                self.renew_at = service._seconds() + service.lease.total_seconds() / 3
                service.chats.forget_before(service._seconds())
            claimed = await uow.broadcasts.claim(self.broadcast.id, want, now) if want else []
            # Noted before the commit: if the unit is cancelled after it, these still go back to pending.
            self.unsent.update((delivery.id, delivery.attempts) for delivery in claimed)
            await uow.commit()
            del self.outcomes[: len(outcomes)], self.blocked[: len(blocked)]
        return claimed

    async def _pending(self) -> tuple[int, datetime | None]:
        async with self.service.uow() as uow:
            return await uow.broadcasts.pending(self.broadcast.id)

    async def _settle_some(self) -> None:
        await asyncio.wait(self.in_flight, timeout=0.5, return_when=asyncio.FIRST_COMPLETED)

    async def _drain(self) -> None:
        if self.in_flight:
            await asyncio.wait(self.in_flight)
        async with self.service.uow() as uow:
            await uow.broadcasts.record(self.outcomes, self.service.clock())
            await uow.broadcasts.block_buyers(self.blocked)
            await uow.commit()
        self.outcomes, self.blocked = [], []

    async def _send(self, delivery: Delivery) -> None:
        service = self.service
        recipient = delivery.recipient
        # Wait for the chat's own limit, then for a slot of the broadcast's rate (again if a 429 paused it).
        while (ready := service.chats.ready_in(recipient.chat_id, recipient.private, service._seconds())) > 0:
            await service.sleep(ready)
        now = service._seconds()
        slot = service.bucket.reserve(now)
        if slot > now:
            await service.sleep(slot - now)
        while (wait := service.bucket.wait(service._seconds())) > 0:
            await service.sleep(wait)
        del self.unsent[delivery.id]
        service.bucket.sending()
        service.chats.sent(recipient.chat_id, recipient.private, service._seconds())
        try:
            assert service.sender is not None  # checked before the run
            result = await service.sender.send(self.broadcast.kind, self.broadcast.reference, recipient, service.paid)
        except NotSent:  # cancelled while it waited for its turn in the outbound queue: back to pending
            self.unsent[delivery.id] = delivery.attempts
            raise
        except Exception as exc:  # a renderer's bug or a network error: a failed send, retried like any other
            log.warning("broadcast %s to %s: %r", self.broadcast.id, recipient.chat_id, exc)
            result = SendResult(SendOutcome.FAILED, error=repr(exc))
        finally:
            service.bucket.answer(service._seconds())
        service.metrics.broadcast_sent(result.outcome.value)
        self.outcomes.append(self._outcome(delivery, result))

    def _outcome(self, delivery: Delivery, result: SendResult) -> DeliveryOutcome:
        service = self.service
        match result.outcome:
            case SendOutcome.SENT:
                self.sent += 1
                return DeliveryOutcome(
                    delivery.id, DeliveryStatus.SENT, delivery.attempts + 1, message_id=result.message_id
                )
            case SendOutcome.BLOCKED:
                if delivery.recipient.private:
                    self.blocked.append(delivery.recipient.chat_id)
                return DeliveryOutcome(delivery.id, DeliveryStatus.BLOCKED, delivery.attempts + 1, result.error)
            case SendOutcome.RETRY_AFTER:
                # Telegram refused it unsent: everything waits, and this one goes again first.
                service.bucket.pause(service._seconds(), result.retry_after)
                log.info("broadcast %s paused %s s by flood control", self.broadcast.id, result.retry_after)
                not_before = service.clock() + timedelta(seconds=result.retry_after)
                return DeliveryOutcome(
                    delivery.id, DeliveryStatus.PENDING, delivery.attempts, "429", not_before=not_before
                )
            case SendOutcome.SKIPPED:
                return DeliveryOutcome(delivery.id, DeliveryStatus.FAILED, delivery.attempts, "nothing to send")
            case SendOutcome.UNCERTAIN:
                # Left SENDING, like a send a crash cut short: not tried again, reported as unconfirmed.
                return DeliveryOutcome(delivery.id, DeliveryStatus.SENDING, delivery.attempts + 1, result.error)
            case _:
                attempts = delivery.attempts + 1
                if attempts >= MAX_ATTEMPTS:
                    return DeliveryOutcome(delivery.id, DeliveryStatus.FAILED, attempts, result.error)
                return DeliveryOutcome(
                    delivery.id,
                    DeliveryStatus.PENDING,
                    attempts,
                    result.error,
                    not_before=service.clock() + retry_delay(attempts),
                )


def report_to_merchants(notifier: Notifier, merchant_ids: MerchantIds, language: str) -> FinishedCallback:
    """A finished-broadcast callback telling every merchant how it went (for the MESSAGE broadcasts they send)."""

    async def tell(report: BroadcastReport) -> None:
        for merchant_id in await merchant_ids_of(merchant_ids):
            await notifier.send(
                BroadcastFinished(
                    recipient_id=merchant_id,
                    language=language,
                    broadcast_id=report.broadcast_id,
                    delivered=report.delivered,
                    blocked=report.blocked,
                    failed=report.failed,
                    took=report.took,
                )
            )

    return tell
