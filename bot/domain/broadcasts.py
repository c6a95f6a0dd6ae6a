"""Broadcasts: one message to many chats, each delivery recorded before and after it is sent, so a crash loses or
repeats nobody."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class BroadcastKind(StrEnum):
    """What a broadcast carries; with `reference` (an id of that kind) the chat layer can draw every message again,
    after a restart too."""

    ANNOUNCEMENT = "announcement"  # reference: announcement id


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


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: SendOutcome
    retry_after: float = 0.0
    error: str = ""
    message_id: int | None = None
