"""Broadcasts: one message to many chats, each delivery recorded before and after it is sent, so a crash loses or
repeats nobody."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class BroadcastKind(StrEnum):
    """What a broadcast carries; with `reference` (an id of that kind) the chat layer can draw every message again,
    after a restart too."""

    ANNOUNCEMENT = "announcement"  # reference: announcement id
    MESSAGE = "message"  # reference: the broadcast's own id; its text is stored with it (`livesell broadcast send`)


class BroadcastStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # not tried yet
    SENDING = "sending"  # recorded just before the send; found so after a crash, it went out unconfirmed
    SENT = "sent"
    BLOCKED = "blocked"  # 403: the subscriber blocked the bot (they are marked so)
    FAILED = "failed"  # other errors, after the bounded retries


@dataclass(frozen=True, slots=True)
class Recipient:
    """A chat a broadcast goes to, with what its message is drawn in."""

    chat_id: int
    language: str
    timezone: str | None = None  # IANA; None: the shop's
    currency: str | None = None  # None: the shop's
    private: bool = True  # a buyer's private chat (1 message/s) or a group/channel (20/min)


@dataclass(frozen=True, slots=True)
class BroadcastReport:
    broadcast_id: int
    kind: BroadcastKind
    reference: int
    delivered: int
    blocked: int
    failed: int
    started_at: datetime
    finished_at: datetime
    # Deliveries a crash left recorded as SENDING: sent once, never again, counted as delivered.
    unconfirmed: int = 0

    @property
    def took(self) -> timedelta:
        return self.finished_at - self.started_at

    @property
    def total(self) -> int:
        return self.delivered + self.blocked + self.failed


@dataclass(frozen=True, slots=True)
class Audience:
    """Who a broadcast goes to: every subscriber who can be reached (subscribed, started, not blocked), and chats
    named by id (a stream's group or channel)."""

    subscribers: bool = True
    chats: tuple[int, ...] = ()


class SendOutcome(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # 403: blocked by the user, or never started (private chats)
    RETRY_AFTER = "retry_after"  # 429: wait `retry_after` seconds, then send again
    FAILED = "failed"  # anything else: retried a bounded number of times
    SKIPPED = "skipped"  # nothing to send to this chat (the message's subject is gone): failed, not retried
    # The request left and no answer came (a timeout, a connection lost mid-request): Telegram may have delivered it,
    # so it is never sent again (nobody gets an announcement twice) and counts as unconfirmed, as after a crash.
    UNCERTAIN = "uncertain"


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: SendOutcome
    retry_after: float = 0.0
    error: str = ""
    message_id: int | None = None


# Sends of one delivery that fail with an error other than 429 or 403 before it counts as failed.
MAX_ATTEMPTS = 3


def retry_delay(attempts: int) -> timedelta:
    """How long a delivery waits after its `attempts`-th failed send: 2 s, 4 s, 8 s... (never under the 1 s a private
    chat needs between two messages)."""
    return timedelta(seconds=2**attempts)


@dataclass(frozen=True, slots=True)
class Delivery:
    """A delivery claimed for sending (recorded SENDING); `attempts` failed sends before this one."""

    id: int
    recipient: Recipient
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """What became of one send, recorded in batches: a final status, or PENDING again with `not_before` (a retry)."""

    delivery_id: int
    status: DeliveryStatus
    attempts: int
    error: str = ""
    message_id: int | None = None
    not_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class BroadcastInfo:
    id: int
    kind: BroadcastKind
    reference: int
    status: BroadcastStatus
    text: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    reported: bool


# Telegram counts the sends it received in the last second. A send is received somewhere between leaving and being
# answered, so a second of Telegram's holds at most the sends answered in the last second plus those still waiting
# for an answer: the bucket keeps that sum under the rate, whatever the network's or Telegram's delays (a late
# answer only costs a little speed). A 429 anyway (a clock or a count off) widens the second by MARGIN, doubling to
# WIDEST_MARGIN.
MARGIN = 0.005
WIDEST_MARGIN = 0.04
# Slots a late sender may still catch up on (a token bucket this many seconds deep): a slow database commit or a busy
# event loop must not cost its delay in throughput.
BACKLOG = 0.2


class TokenBucket:
    """Paces sends at `rate` a second: a token bucket BACKLOG seconds deep, kept as a schedule of send slots `1/rate`
    apart, and under it the check that Telegram cannot have counted `rate` sends in its last second. Telegram answers
    any excess with a 429 that stops the whole broadcast for a second or more. `pause` moves every slot not yet taken
    past a time: what a 429 asks."""

    def __init__(self, rate: float, now: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be more than 0")
        self.interval = 1.0 / rate
        self.limit = max(1, int(rate))
        self.next_slot = now
        self.paused_until = now
        self.margin = MARGIN
        self.waiting = 0  # sends not answered yet
        self.answered: deque[float] = deque()

    def reserve(self, now: float) -> float:
        """The time of the next free slot, taken."""
        slot = max(self.next_slot, now - BACKLOG)
        self.next_slot = slot + self.interval
        return slot

    def free_slots(self, now: float, horizon: float) -> int:
        """How many slots fall between now and `horizon` seconds from now."""
        start = max(self.next_slot, now - BACKLOG)
        return max(0, int((now + horizon - start) / self.interval) + 1) if start <= now + horizon else 0

    def wait(self, now: float) -> float:
        """Seconds a send must still wait: while a 429's pause lasts, or while Telegram's last second may be full."""
        if now < self.paused_until:
            return self.paused_until - now
        answered, span = self.answered, 1.0 + self.margin
        while answered and answered[0] + span <= now:
            answered.popleft()
        if self.waiting + len(answered) < self.limit:
            return 0.0
        if answered:
            return answered[0] + span - now  # > 0: it would have left the deque above
        return self.interval  # all on their way: the next answer frees room

    def sending(self) -> None:
        """A send leaves now."""
        self.waiting += 1

    def answer(self, now: float) -> None:
        """A send was answered now (whatever the answer)."""
        self.waiting -= 1
        self.answered.append(now)

    def pause(self, now: float, seconds: float) -> None:
        """No send for `seconds` (a 429's retry_after); the 429s of sends already on their way when it came do not
        widen the margin again."""
        if now >= self.paused_until:
            self.margin = min(WIDEST_MARGIN, self.margin * 2)
        self.paused_until = max(self.paused_until, now + seconds)
        self.next_slot = max(self.next_slot, self.paused_until)


# Telegram's limits per chat: one message a second to a private chat, twenty a minute to a group or channel.
PRIVATE_INTERVAL = 1.0
GROUP_LIMIT = 20
GROUP_WINDOW = 60.0


class ChatPacer:
    """When the next message to one chat may go: a second after the last to a private chat, and no more than twenty
    in any minute to a group. Only retries and several broadcasts at once ever wait here."""

    def __init__(self) -> None:
        self._sent: dict[int, deque[float]] = {}

    def ready_in(self, chat_id: int, private: bool, now: float) -> float:
        stamps = self._sent.get(chat_id)
        if not stamps:
            return 0.0
        if private:
            return max(0.0, stamps[-1] + PRIVATE_INTERVAL - now)
        while stamps and stamps[0] <= now - GROUP_WINDOW:
            stamps.popleft()
        if len(stamps) < GROUP_LIMIT:
            return 0.0
        return stamps[0] + GROUP_WINDOW - now

    def sent(self, chat_id: int, private: bool, now: float) -> None:
        stamps = self._sent.setdefault(chat_id, deque(maxlen=1 if private else GROUP_LIMIT))
        stamps.append(now)

    def forget_before(self, now: float) -> None:
        """Drop chats nobody wrote to for a minute (20,000 subscribers must not stay in memory)."""
        for chat_id in [chat for chat, stamps in self._sent.items() if not stamps or stamps[-1] <= now - GROUP_WINDOW]:
            del self._sent[chat_id]
