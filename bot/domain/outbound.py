"""The outbound policy: of the sends waiting, which leaves next under Telegram's limits (about 30 messages a second
per bot, one a second per private chat with a short burst, twenty a minute per group), and in what order (an order's
confirmation first, broadcasts last). Pure and clock-driven: `bot/services/outbound.py` runs it in the event loop.
See docs/outbound.md."""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from dataclasses import dataclass, field
from enum import Enum, IntEnum

from bot.domain.broadcasts import BACKLOG, MARGIN, WIDEST_MARGIN


class Priority(IntEnum):
    """Who goes first when sends wait: lower first; sends of one priority leave in the order they came."""

    CONFIRMATION = 0  # the answer to a buyer's order that got units (and their payment's receipt)
    SOLD_OUT = 1  # an order refused (sold out, no such variant) and waitlist offers
    REPLY = 2  # any other answer to someone who just wrote
    NOTICE = 3  # what the bot sends on its own: hold reminders, staff notices, reports
    BROADCAST = 4  # announcements and merchants' messages to every subscriber


class Scope(Enum):
    """What a 429 paused: the whole bot's budget, or one chat."""

    BOT = "bot"
    CHAT = "chat"


@dataclass(frozen=True, slots=True)
class OutboundLimits:
    """The limits the bot keeps (OUTBOUND_* settings). `paid_rate` is None unless the shop allows paid broadcasts:
    then sends marked paid count against it instead of `rate` (Telegram: up to 1,000 a second, for Stars)."""

    rate: float = 30.0
    private_burst: int = 3
    private_per_second: float = 1.0
    group_per_minute: int = 20
    paid_rate: float | None = None

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.private_per_second <= 0 or self.private_burst < 1 or self.group_per_minute < 1:
            raise ValueError(f"outbound limits must be positive: {self}")


GROUP_WINDOW = 60.0
# How often chats back to idle (nothing waiting, their own limit full again: a private chat a second or so after its
# send, a group a minute) are forgotten: a broadcast to 20,000 subscribers must not keep 20,000 records, which also
# cost the garbage collector.
FORGET_EVERY = 5.0
# Two 429s from different chats this close together mean Telegram refuses the bot as a whole.
BOT_WIDE_WITHIN = 1.0

_sequence = itertools.count()


@dataclass(eq=False, slots=True)
class Send:
    """One send waiting for (or holding) its turn. Re-queued after a 429 with its place: first in its chat, ahead of
    every later send of its priority."""

    priority: Priority
    chat_id: int
    private: bool
    paid: bool = False
    seq: int = field(default_factory=lambda: next(_sequence))
    refusals: int = 0  # 429s it got
    state: str = "waiting"  # waiting | granted | cancelled | done

    @property
    def key(self) -> tuple[int, int]:
        return (int(self.priority), self.seq)


class Budget:
    """The bot's sends a second: spread `1/rate` apart (catching up on at most BACKLOG seconds of missed slots), and
    never a second in which Telegram could count `rate` of them. A send is received somewhere between leaving and
    its answer, so the last second holds at most those on their way plus those answered in the last second (and a
    small margin, widened by each 429), as the broadcasts' TokenBucket counts."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.limit = max(1, int(rate))
        self.next_slot = float("-inf")
        self.paused_until = float("-inf")
        self.margin = MARGIN
        self.on_the_way = 0
        self.answered: deque[float] = deque()

    def wait(self, now: float) -> float | None:
        """Seconds until a send may leave; 0 now; None when only an answer can free room."""
        if now < self.paused_until:
            return self.paused_until - now
        slot = max(self.next_slot, now - BACKLOG)
        if slot > now:
            return slot - now
        answered, span = self.answered, 1.0 + self.margin
        while answered and answered[0] + span <= now:
            answered.popleft()
        if self.on_the_way + len(answered) < self.limit:
            return 0.0
        if answered:
            return answered[0] + span - now
        return None

    def leave(self, now: float) -> None:
        self.next_slot = max(self.next_slot, now - BACKLOG) + self.interval
        self.on_the_way += 1

    def answer(self, now: float) -> None:
        self.on_the_way -= 1
        self.answered.append(now)

    def pause(self, now: float, seconds: float) -> None:
        if now >= self.paused_until:
            self.margin = min(WIDEST_MARGIN, self.margin * 2)
        self.paused_until = max(self.paused_until, now + seconds)


class ChatLimit:
    """One chat's own limit and its waiting sends. Private: a bucket of `burst` sends refilled at `per_second` (a
    reply and a notice together go at once; a flood slows to one a second). Group: twenty in any minute."""

    __slots__ = (
        "burst",
        "group_limit",
        "last",
        "mark",
        "paused_until",
        "per_second",
        "private",
        "stamps",
        "tokens",
        "waiting",
    )

    def __init__(self, private: bool, limits: OutboundLimits, now: float) -> None:
        self.private = private
        self.burst = float(limits.private_burst)
        self.per_second = limits.private_per_second
        self.group_limit = limits.group_per_minute
        self.tokens = self.burst
        self.last = now  # when tokens were last counted
        self.stamps: deque[float] = deque() if not private else _NO_STAMPS
        self.paused_until = float("-inf")
        self.waiting: list[tuple[int, int, Send]] = []
        self.mark = 0  # the heap entry that speaks for this chat (older entries are stale)

    def ready_at(self, now: float) -> float:
        """When its next send may leave (its own limit and any 429 pause)."""
        at = max(now, self.paused_until)
        if self.private:
            tokens = min(self.burst, self.tokens + (now - self.last) * self.per_second)
            if tokens < 1.0:
                at = max(at, now + (1.0 - tokens) / self.per_second)
        else:
            while self.stamps and self.stamps[0] <= now - GROUP_WINDOW:
                self.stamps.popleft()
            if len(self.stamps) >= self.group_limit:
                at = max(at, self.stamps[-self.group_limit] + GROUP_WINDOW)
        return at

    def take(self, now: float) -> None:
        if self.private:
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.per_second) - 1.0
            self.last = now
        else:
            self.stamps.append(now)

    def recently(self, now: float) -> int:
        """Sends to it that Telegram may still count against its own limit."""
        if self.private:
            tokens = min(self.burst, self.tokens + (now - self.last) * self.per_second)
            return int(self.burst - tokens + 0.999)
        return sum(1 for stamp in self.stamps if stamp > now - GROUP_WINDOW)

    def idle(self, now: float) -> bool:
        return not self.waiting and now >= self.paused_until and self.recently(now) == 0


class OutboundPolicy:
    """Waiting sends, and which may leave at a moment. `add` a send, `take(now)` those that may leave now (best
    priority first), then tell it how each ended: `answered`, or `refused` (a 429: re-queued, its scope paused)."""

    def __init__(self, limits: OutboundLimits) -> None:
        self.limits = limits
        self.plain = Budget(limits.rate)
        self.paid = Budget(limits.paid_rate) if limits.paid_rate else None
        self.chats: dict[int, ChatLimit] = {}
        # (priority, seq, mark, chat id): each chat with a send that may leave now, by its best waiting send.
        self._ready_plain: list[tuple[int, int, int, int]] = []
        self._ready_paid: list[tuple[int, int, int, int]] = []
        # (when, mark, chat id): chats whose next send must wait for their own limit or a pause.
        self._sleeping: list[tuple[float, int, int]] = []
        self._marks = itertools.count(1)
        self.waiting = 0
        self._last_refusal: tuple[float, int] | None = None
        self._forget_at = 0.0

    # Sends in

    def add(self, send: Send, now: float) -> Send:
        if send.paid and self.paid is None:
            send.paid = False  # the shop does not allow paid broadcasts: it shares the bot's budget
        chat = self.chats.get(send.chat_id)
        if chat is None:
            chat = self.chats[send.chat_id] = ChatLimit(send.private, self.limits, now)
        best = chat.waiting[0][:2] if chat.waiting else None
        heapq.heappush(chat.waiting, (*send.key, send))
        send.state = "waiting"
        self.waiting += 1
        if best is None or send.key < best:
            self._schedule(chat, send.chat_id, now)
        return send

    def cancel(self, send: Send) -> None:
        """A waiting send nobody waits for any more (its task was cancelled)."""
        if send.state == "waiting":
            send.state = "cancelled"
            self.waiting -= 1

    # Turns out

    def take(self, now: float) -> list[Send]:
        """The sends that may leave now, best first; each counts as on its way until `answered` or `refused`."""
        self._wake(now)
        granted: list[Send] = []
        while True:
            choice: tuple[list[tuple[int, int, int, int]], Budget] | None = None
            for heap, budget in ((self._ready_plain, self.plain), (self._ready_paid, self.paid)):
                if budget is None or not self._clean(heap, now) or budget.wait(now) != 0:
                    continue
                if choice is None or heap[0] < choice[0][0]:
                    choice = (heap, budget)
            if choice is None:
                break
            heap, budget = choice
            _, _, _, chat_id = heapq.heappop(heap)
            chat = self.chats[chat_id]
            send = self._pop_head(chat)
            assert send is not None  # `_clean` kept only entries with a live head
            budget.leave(now)
            chat.take(now)
            send.state = "granted"
            self.waiting -= 1
            granted.append(send)
            chat.mark = 0
            if chat.waiting:
                self._schedule(chat, chat_id, now)
        if now >= self._forget_at:
            self._forget(now)
        return granted

    def next_wakeup(self, now: float) -> float | None:
        """Seconds until `take` may grant something more, or None when only an answer (or an `add`) can."""
        waits: list[float] = []
        while self._sleeping and self._sleeping[0][1] != self.chats.get(self._sleeping[0][2], _GONE).mark:
            heapq.heappop(self._sleeping)
        if self._sleeping:
            waits.append(max(0.0, self._sleeping[0][0] - now))
        for heap, budget in ((self._ready_plain, self.plain), (self._ready_paid, self.paid)):
            if budget is not None and self._clean(heap, now):
                wait = budget.wait(now)
                if wait is not None:
                    waits.append(wait)
        return min(waits) if waits else None

    # Outcomes

    def answered(self, send: Send, now: float) -> None:
        """Telegram answered the send (anything but a 429), or it never left: its place in the budget frees."""
        if send.state == "granted":
            self._budget(send).answer(now)
        send.state = "done"

    def refused(self, send: Send, now: float, retry_after: float) -> Scope:
        """A 429: pause what Telegram refused for `retry_after` and queue the send again, ahead of its priority.

        Telegram does not say which limit it was. The chat's own, when the bot had sent to it lately (beyond one a
        second in a private chat; any group send); the bot's, when the chat had room, or when another chat was refused
        within the last second."""
        chat = self.chats.get(send.chat_id) or self.chats.setdefault(
            send.chat_id, ChatLimit(send.private, self.limits, now)
        )
        budget = self._budget(send)
        if send.state == "granted":
            budget.answer(now)
        send.refusals += 1
        lately = chat.recently(now)
        other_chat_refused = (
            self._last_refusal is not None
            and self._last_refusal[1] != send.chat_id
            and now - self._last_refusal[0] < BOT_WIDE_WITHIN
        )
        self._last_refusal = (now, send.chat_id)
        scope = Scope.CHAT if (lately > 1 or not send.private) and not other_chat_refused else Scope.BOT
        if scope is Scope.BOT:
            budget.pause(now, retry_after)
        chat.paused_until = max(chat.paused_until, now + retry_after)
        self.add(send, now)
        self._schedule(chat, send.chat_id, now)
        return scope

    # Inside

    def _budget(self, send: Send) -> Budget:
        return self.paid if send.paid and self.paid is not None else self.plain

    def _pop_head(self, chat: ChatLimit) -> Send | None:
        while chat.waiting:
            send = heapq.heappop(chat.waiting)[2]
            if send.state == "waiting":
                return send
        return None

    def _head(self, chat: ChatLimit) -> Send | None:
        while chat.waiting and chat.waiting[0][2].state != "waiting":
            heapq.heappop(chat.waiting)
        return chat.waiting[0][2] if chat.waiting else None

    def _schedule(self, chat: ChatLimit, chat_id: int, now: float) -> None:
        """Put the chat where its best waiting send belongs: ready now, or sleeping until its limit allows."""
        head = self._head(chat)
        chat.mark = next(self._marks)
        if head is None:
            chat.mark = 0
            return
        at = chat.ready_at(now)
        if at <= now:
            heap = self._ready_paid if head.paid else self._ready_plain
            heapq.heappush(heap, (*head.key, chat.mark, chat_id))
        else:
            heapq.heappush(self._sleeping, (at, chat.mark, chat_id))

    def _wake(self, now: float) -> None:
        sleeping = self._sleeping
        while sleeping and sleeping[0][0] <= now:
            _, mark, chat_id = heapq.heappop(sleeping)
            chat = self.chats.get(chat_id)
            if chat is not None and chat.mark == mark:
                self._schedule(chat, chat_id, now)

    def _clean(self, heap: list[tuple[int, int, int, int]], now: float) -> bool:
        """Drop stale entries from the top; whether a live one is left."""
        while heap:
            priority, seq, mark, chat_id = heap[0]
            chat = self.chats.get(chat_id)
            if chat is not None and chat.mark == mark:
                head = self._head(chat)
                if head is not None and head.key == (priority, seq):
                    return True
                if head is not None:  # its best send changed (cancelled): speak for the new one
                    heapq.heappop(heap)
                    self._schedule(chat, chat_id, now)
                    continue
            heapq.heappop(heap)
        return False

    def _forget(self, now: float) -> None:
        for chat_id in [chat_id for chat_id, chat in self.chats.items() if chat.mark == 0 and chat.idle(now)]:
            del self.chats[chat_id]
        self._forget_at = now + FORGET_EVERY


_NO_STAMPS: deque[float] = deque(maxlen=0)  # a private chat's: its limit is its tokens


class _Gone:
    mark = -1


_GONE = _Gone()


@dataclass(frozen=True, slots=True)
class GroupLine:
    """A keyword order's answer in a stream group, drawn: `alone` (and its buttons) when it is the only one to go
    out, as a reply to the buyer's message; `line` among the others of a batch, one message for many orders."""

    chat_id: int
    reply_to: int
    alone: str
    line: str
    buttons: object | None = None
