"""The outbound policy on a fake clock: which waiting send leaves next (priority, then arrival), Telegram's limits per
bot, per private chat and per group, paid broadcasts' own budget, and a 429 pausing its scope and sending again."""

from __future__ import annotations

import asyncio
import heapq

import pytest

from bot.domain.outbound import OutboundLimits, OutboundPolicy, Priority, Scope, Send
from bot.services.outbound import NotSent, OutboundQueue, RetryAfter, sending_as

GROUP = -100500


def most_in_a_second(stamps: list[float]) -> int:
    ordered, most, first = sorted(stamps), 0, 0
    for last, stamp in enumerate(ordered):
        while ordered[first] <= stamp - 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


class Telegram:
    """Drives a policy on a fake clock: grants turns as soon as it allows, and answers each send `latency` later."""

    def __init__(self, policy: OutboundPolicy, latency: float = 0.01) -> None:
        self.policy = policy
        self.latency = latency
        self.now = 0.0
        self.left: list[tuple[float, Send]] = []
        self._answers: list[tuple[float, int, Send]] = []

    def run(self, until: float = 600.0) -> list[tuple[float, Send]]:
        while self.now <= until:
            for send in self.policy.take(self.now):
                self.left.append((self.now, send))
                heapq.heappush(self._answers, (self.now + self.latency, send.seq, send))
            wake = self.policy.next_wakeup(self.now)
            moments = [self.now + wake] if wake is not None else []
            if self._answers:
                moments.append(self._answers[0][0])
            if not moments:
                break
            self.now = max(self.now, min(moments))
            while self._answers and self._answers[0][0] <= self.now:
                self.policy.answered(heapq.heappop(self._answers)[2], self.now)
        return self.left


def private(chat_id: int, priority: Priority = Priority.REPLY, paid: bool = False) -> Send:
    return Send(priority, chat_id, True, paid)


def test_waiting_sends_leave_by_priority_then_in_the_order_they_came() -> None:
    policy = OutboundPolicy(OutboundLimits(rate=1))
    order = [Priority.BROADCAST, Priority.NOTICE, Priority.REPLY, Priority.SOLD_OUT, Priority.CONFIRMATION]
    sends = [policy.add(private(n, priority), 0.0) for n, priority in enumerate(order * 2, start=1)]
    left = [send for _, send in Telegram(policy).run()]
    assert [send.priority for send in left] == sorted(order * 2)
    confirmations = [send for send in left if send.priority is Priority.CONFIRMATION]
    assert confirmations == [sends[4], sends[9]]  # the earlier first


def test_a_confirmation_that_comes_later_overtakes_a_waiting_broadcast() -> None:
    policy = OutboundPolicy(OutboundLimits(rate=2))
    telegram = Telegram(policy)
    for chat in range(1, 41):
        policy.add(private(chat, Priority.BROADCAST), 0.0)
    telegram.run(until=3.0)
    confirmation = policy.add(private(99, Priority.CONFIRMATION), telegram.now)
    added = telegram.now
    broadcasts_before = len(telegram.left)
    telegram.run(until=added + 2.0)
    after = [send for _, send in telegram.left[broadcasts_before:]]
    assert after[0] is confirmation


def test_the_bots_sends_never_exceed_its_rate_in_any_second() -> None:
    policy = OutboundPolicy(OutboundLimits(rate=30))
    for chat in range(1, 301):
        policy.add(private(chat), 0.0)
    left = Telegram(policy, latency=0.05).run()
    assert len(left) == 300
    # Telegram counts a send on receipt, some time between leaving and its answer: count both ends.
    assert most_in_a_second([at for at, _ in left]) <= 30
    assert most_in_a_second([at + 0.05 for at, _ in left]) <= 30
    took = left[-1][0]
    assert 300 / 30 * 0.95 <= took <= 300 / 30 * 1.15  # close to the rate, not far under it


def test_a_private_chat_gets_a_short_burst_then_one_a_second() -> None:
    policy = OutboundPolicy(OutboundLimits(rate=30, private_burst=3))
    for _ in range(6):
        policy.add(private(7), 0.0)
    times = [round(at, 3) for at, _ in Telegram(policy).run()]
    assert times[:3] == [0.0, 0.0, 0.0]
    assert times[3:] == pytest.approx([1.0, 2.0, 3.0], abs=0.05)


def test_a_waiting_chat_does_not_hold_up_the_others() -> None:
    policy = OutboundPolicy(OutboundLimits(rate=30, private_burst=1))
    first = policy.add(private(1, Priority.CONFIRMATION), 0.0)
    second = policy.add(private(1, Priority.CONFIRMATION), 0.0)
    other = policy.add(private(2, Priority.BROADCAST), 0.0)
    left = Telegram(policy).run()
    assert [send for _, send in left] == [first, other, second]


def test_a_group_gets_twenty_messages_a_minute() -> None:
    policy = OutboundPolicy(OutboundLimits(rate=30, group_per_minute=20))
    for _ in range(25):
        policy.add(Send(Priority.CONFIRMATION, GROUP, private=False), 0.0)
    left = Telegram(policy).run()
    times = [at for at, _ in left]
    assert len(times) == 25
    assert sum(1 for at in times if at < 60.0) == 20
    assert min(times[20:]) >= 60.0
    # And never twenty-one in a sliding minute.
    assert all(sum(1 for at in times if start <= at < start + 60.0) <= 20 for start in times)


def test_a_429_after_a_lone_send_pauses_the_whole_bot_and_the_send_goes_again_first() -> None:
    policy = OutboundPolicy(OutboundLimits(rate=30))
    refused = policy.add(private(1, Priority.SOLD_OUT), 0.0)
    assert policy.take(0.0) == [refused]
    later = [policy.add(private(chat, Priority.SOLD_OUT), 0.005) for chat in (2, 3)]
    assert policy.refused(refused, 0.01, retry_after=5) is Scope.BOT
    telegram = Telegram(policy)
    telegram.now = 0.01
    left = telegram.run()
    assert [send for _, send in left][:3] == [refused, *later]
    assert all(at >= 5.01 for at, _ in left)


def test_a_429_in_a_group_pauses_that_group_only() -> None:
    policy = OutboundPolicy(OutboundLimits(rate=30))
    refused = policy.add(Send(Priority.CONFIRMATION, GROUP, private=False), 0.0)
    assert policy.take(0.0) == [refused]
    policy.add(Send(Priority.CONFIRMATION, GROUP, private=False), 0.0)
    elsewhere = policy.add(private(5, Priority.NOTICE), 0.0)
    assert policy.refused(refused, 0.02, retry_after=30) is Scope.CHAT
    telegram = Telegram(policy)
    telegram.now = 0.02
    left = telegram.run()
    assert left[0] == (0.02, elsewhere)
    assert left[1][1] is refused
    assert all(at >= 30.02 for at, send in left if send.chat_id == GROUP)


def test_429s_from_two_chats_within_a_second_pause_the_whole_bot() -> None:
    policy = OutboundPolicy(OutboundLimits(rate=30, private_burst=3))
    first, second = policy.add(private(1), 0.0), policy.add(private(1), 0.0)
    third = policy.add(private(2), 0.0)
    assert policy.take(0.0) == [first, second, third]
    policy.answered(first, 0.01)
    assert policy.refused(second, 0.01, retry_after=2) is Scope.CHAT  # its chat had just had one
    assert policy.refused(third, 0.02, retry_after=2) is Scope.BOT
    newcomer = policy.add(private(3), 0.02)
    assert policy.take(1.0) == []
    assert policy.take(2.03) == [second, third, newcomer]


def test_paid_broadcasts_have_their_own_budget_only_when_the_shop_allows_them() -> None:
    def sent_in_first_second(paid_rate: float | None) -> int:
        policy = OutboundPolicy(OutboundLimits(rate=30, paid_rate=paid_rate))
        for chat in range(1, 201):
            policy.add(private(chat, Priority.BROADCAST, paid=True), 0.0)
        return sum(1 for at, _ in Telegram(policy).run(until=0.999) if at < 1.0)

    assert sent_in_first_second(None) <= 30  # not allowed: they share the bot's 30 a second
    assert sent_in_first_second(1000) == 200


def test_replies_keep_the_plain_budget_while_a_paid_broadcast_runs() -> None:
    policy = OutboundPolicy(OutboundLimits(rate=30, paid_rate=1000))
    for chat in range(1, 501):
        policy.add(private(chat, Priority.BROADCAST, paid=True), 0.0)
    replies = [policy.add(private(1000 + n, Priority.CONFIRMATION), 0.0) for n in range(30)]
    telegram = Telegram(policy)
    left = telegram.run(until=0.999)
    assert {send.seq for _, send in left} >= {reply.seq for reply in replies}


def test_cancelled_sends_give_their_turn_to_the_next() -> None:
    policy = OutboundPolicy(OutboundLimits(rate=1))
    gone = policy.add(private(1, Priority.CONFIRMATION), 0.0)
    kept = policy.add(private(2, Priority.REPLY), 0.0)
    policy.cancel(gone)
    assert policy.take(0.0) == [kept]
    assert policy.waiting == 0


def test_idle_chats_are_forgotten() -> None:
    policy = OutboundPolicy(OutboundLimits(rate=30))
    for chat in range(1, 101):
        policy.add(private(chat), 0.0)
    Telegram(policy).run()
    policy.take(200.0)
    assert policy.chats == {}


async def test_the_queue_sends_again_after_a_429_and_counts_it() -> None:
    queue = OutboundQueue(OutboundLimits(rate=30))
    tries = 0

    async def telegram() -> str:
        nonlocal tries
        tries += 1
        if tries == 1:
            raise RetryAfter(0.01)
        return "sent"

    assert await queue.send(telegram, chat_id=1, private=True) == "sent"
    assert (tries, queue.refused, queue.waiting()) == (2, 1, 0)


async def test_the_queue_takes_the_priority_of_the_block_it_is_sent_from() -> None:
    queue = OutboundQueue(OutboundLimits(rate=1))
    order: list[str] = []
    gate = asyncio.Event()

    async def send(name: str) -> None:
        order.append(name)
        await gate.wait()

    first = asyncio.create_task(queue.send(lambda: send("first"), chat_id=1, private=True))
    await asyncio.sleep(0)  # it holds the one send a second on its way
    broadcast = asyncio.create_task(
        queue.send(lambda: send("broadcast"), chat_id=2, private=True, priority=Priority.BROADCAST)
    )
    with sending_as(Priority.CONFIRMATION):
        confirmation = asyncio.create_task(queue.send(lambda: send("confirmation"), chat_id=3, private=True))
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(first, broadcast, confirmation)
    assert order == ["first", "confirmation", "broadcast"]


async def test_a_send_cancelled_while_it_waits_says_it_never_left() -> None:
    queue = OutboundQueue(OutboundLimits(rate=1))
    gate = asyncio.Event()
    calls: list[int] = []

    async def telegram(chat: int) -> None:
        calls.append(chat)
        await gate.wait()

    on_its_way = asyncio.create_task(queue.send(lambda: telegram(1), chat_id=1, private=True))
    waiting = asyncio.create_task(queue.send(lambda: telegram(2), chat_id=2, private=True))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(NotSent):
        await waiting
    gate.set()
    await on_its_way
    assert (calls, queue.waiting()) == ([1], 0)
