"""Live streams and their announcements: what a merchant plans, when each subscriber is told, and the rules a plan
must meet before it is saved."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.fx import Rates, UnknownRate
from bot.domain.money import Money

DEFAULT_REMINDER_OFFSETS = "24h,1h,0"
# A stream lasts at least a minute and at most a day; a title fits a Telegram message heading.
MIN_DURATION = timedelta(minutes=1)
MAX_DURATION = timedelta(hours=24)
MAX_TITLE = 200
MAX_PRODUCTS = 50


class StreamStatus(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


# Where a status may go; nothing leaves ENDED or CANCELLED.
STREAM_TRANSITIONS: dict[StreamStatus, frozenset[StreamStatus]] = {
    StreamStatus.SCHEDULED: frozenset({StreamStatus.LIVE, StreamStatus.CANCELLED}),
    StreamStatus.LIVE: frozenset({StreamStatus.ENDED}),
    StreamStatus.ENDED: frozenset(),
    StreamStatus.CANCELLED: frozenset(),
}


class AnnouncementKind(StrEnum):
    REMINDER = "reminder"  # before the start, at one of REMINDER_OFFSETS ("starts in 1 hour", "starting now")
    LIVE = "live"  # the merchant said /live: "live now"


class AnnouncementStatus(StrEnum):
    PENDING = "pending"  # waiting for its due time
    SENDING = "sending"  # claimed by one bot process; its broadcast runs (and resumes after a crash)
    SENT = "sent"
    MISSED = "missed"  # due while no bot ran, and found later than ANNOUNCEMENT_GRACE_MINUTES: not sent
    CANCELLED = "cancelled"  # the stream was cancelled or went live before it was due


class StreamError(ValueError):
    """A plan the shop cannot accept; the message says what is wrong in one line (the chat layer translates by
    type, the CLI prints it)."""


class BadStartTime(StreamError):
    def __init__(self, text: str) -> None:
        super().__init__(f"not a start time: {text!r} (use 2026-12-01T19:00+01:00 or 2026-12-01 19:00)")
        self.text = text


class StartInPast(StreamError):
    def __init__(self, starts_at: datetime) -> None:
        super().__init__(f"the start {starts_at.isoformat()} is in the past")
        self.starts_at = starts_at


class BadDuration(StreamError):
    def __init__(self, minutes: object) -> None:
        super().__init__(f"a stream lasts 1 to {int(MAX_DURATION.total_seconds()) // 60} minutes, not {minutes}")
        self.minutes = minutes


class UnknownProducts(StreamError):
    def __init__(self, codes: Sequence[str]) -> None:
        super().__init__(f"not in the catalogue: {', '.join(codes)}")
        self.codes = tuple(codes)


class BadOffsets(StreamError):
    def __init__(self, text: str) -> None:
        super().__init__(f"not a list of reminder offsets: {text!r} (use e.g. 24h,1h,0 with units d, h, m, s)")
        self.text = text


# Far enough ahead for any plan, far enough from datetime's end (9999) that the stream's end is a date too.
LATEST_START_YEAR = 9000
_OFFSET_PART = re.compile(r"(\d+)([dhms])")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """`24h,1h,0` -> (24 h, 1 h, 0): how long before the start each reminder goes out, longest first, no repeats.

    Each item is `0` or one or more number-unit pairs (`1h30m`); units d, h, m, s."""
    offsets: set[timedelta] = set()
    for raw in text.split(","):
        item = raw.strip().lower()
        if item == "0":
            offsets.add(timedelta(0))
            continue
        if not item or _OFFSET_PART.sub("", item) != "":
            raise BadOffsets(text)
        seconds = sum(int(number) * _UNIT_SECONDS[unit] for number, unit in _OFFSET_PART.findall(item))
        try:
            offsets.add(timedelta(seconds=seconds))
        except OverflowError:  # beyond timedelta's billion days
            raise BadOffsets(text) from None
    if not offsets:
        raise BadOffsets(text)
    return tuple(sorted(offsets, reverse=True))


def parse_start(text: str, timezone: str) -> datetime:
    """A start time as a merchant types it, in UTC: ISO 8601 with an offset keeps its offset; without one it is read
    in `timezone` (the shop's, or one the merchant picked). `T` or a space between date and time."""
    cleaned = text.strip()
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise BadStartTime(text) from None
    if len(cleaned) <= 10:  # a date alone is not a start time
        raise BadStartTime(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    try:
        starts_at = moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59-05:00 is no moment a datetime holds in UTC
        raise BadStartTime(text) from None
    if starts_at.year > LATEST_START_YEAR:
        raise BadStartTime(text)
    return starts_at


@dataclass(frozen=True, slots=True)
class StreamPlan:
    """What a merchant asks for (chat or CLI), before the catalogue and the clock have checked it."""

    title: str
    starts_at: datetime  # UTC
    duration: timedelta
    product_codes: tuple[str, ...]
    timezone: str  # the zone the merchant planned in (shown back to them)
    # The title by language, where the merchant gave one; `title` otherwise.
    titles: Mapping[str, str] = field(default_factory=dict)
    link: str | None = None
    chat_id: int | None = None  # a channel or group to post in
    created_by: int | None = None


def check_plan(plan: StreamPlan, now: datetime) -> None:
    """Raise the first StreamError the plan has, catalogue aside (the service checks codes against it)."""
    if plan.starts_at <= now:
        raise StartInPast(plan.starts_at)
    check_duration(plan.duration)


def check_duration(duration: timedelta) -> None:
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise BadDuration(int(duration.total_seconds() // 60))


@dataclass(frozen=True, slots=True)
class Stream:
    stream_id: int
    title: str
    starts_at: datetime
    duration: timedelta
    status: StreamStatus
    timezone: str
    product_codes: tuple[str, ...]
    titles: Mapping[str, str] = field(default_factory=dict)
    link: str | None = None
    chat_id: int | None = None
    created_by: int | None = None
    live_at: datetime | None = None
    ended_at: datetime | None = None
    # The post the bot pinned in the stream's group or channel when it went live.
    pinned_chat_id: int | None = None
    pinned_message_id: int | None = None

    @property
    def ends_at(self) -> datetime:
        """When it is planned to end: the planned duration after it went live (or after the planned start)."""
        return (self.live_at or self.starts_at) + self.duration

    def title_in(self, language: str) -> str:
        return self.titles.get(language) or self.titles.get(language.split("_", 1)[0]) or self.title


def reminder_schedule(starts_at: datetime, offsets: Sequence[timedelta], now: datetime) -> list[tuple[int, datetime]]:
    """(offset in seconds, due time) for each reminder still ahead of `now`: a plan made 30 minutes before its start
    gets no "starts in 24 hours"."""
    return [(int(offset.total_seconds()), starts_at - offset) for offset in offsets if starts_at - offset > now]


@dataclass(frozen=True, slots=True)
class Announcement:
    announcement_id: int
    stream_id: int
    kind: AnnouncementKind
    offset_seconds: int  # before the start; 0 for "starting now" and for LIVE
    due_at: datetime
    status: AnnouncementStatus


@dataclass(frozen=True, slots=True)
class StreamTotals:
    """How a stream sold: orders placed while it was live, in the shop's currency."""

    stream_id: int
    orders: int
    units: int
    revenue_minor: int
    currency: str
    paid_orders: int = 0


# Added by the streams service (part 2): refusals of a stream's moves, and what an announcement shows.


class UnknownStream(StreamError):
    def __init__(self, stream_id: int) -> None:
        super().__init__(f"no stream {stream_id}")
        self.stream_id = stream_id


class StreamNotScheduled(StreamError):
    """Rescheduling, cancelling or going live needs a stream that is still scheduled."""

    def __init__(self, stream_id: int, status: StreamStatus) -> None:
        super().__init__(f"stream {stream_id} is {status.value}, not scheduled")
        self.stream_id = stream_id
        self.status = status


class StreamNotLive(StreamError):
    def __init__(self, stream_id: int, status: StreamStatus) -> None:
        super().__init__(f"stream {stream_id} is {status.value}, not live")
        self.stream_id = stream_id
        self.status = status


class StreamClosed(StreamError):
    """An ended or cancelled stream is not edited any more."""

    def __init__(self, stream_id: int, status: StreamStatus) -> None:
        super().__init__(f"stream {stream_id} is {status.value}: it cannot be edited")
        self.stream_id = stream_id
        self.status = status


class BadTitle(StreamError):
    def __init__(self, title: str) -> None:
        super().__init__(f"a title has 1 to {MAX_TITLE} characters, not {len(title.strip())}")
        self.title = title


class TooManyProducts(StreamError):
    def __init__(self, count: int) -> None:
        super().__init__(f"a stream features at most {MAX_PRODUCTS} products, not {count}")
        self.count = count


def check_title(title: str) -> str:
    """The title without surrounding spaces; BadTitle when empty or too long."""
    cleaned = title.strip()
    if not 0 < len(cleaned) <= MAX_TITLE:
        raise BadTitle(title)
    return cleaned


# The announcement row of the "live now" message: one per stream (the unique key is stream, kind, offset).
LIVE_OFFSET = 0


@dataclass(frozen=True, slots=True)
class FeaturedProduct:
    """A product a stream features, as an announcement shows it: its lowest price and whether any is left."""

    product_id: int
    code: str
    title: str
    price: Money | None  # None: no SKU on sale
    in_stock: bool
    titles: Mapping[str, str] = field(default_factory=dict)

    def title_in(self, language: str) -> str:
        return self.titles.get(language) or self.titles.get(language.split("_", 1)[0]) or self.title


@dataclass(frozen=True, slots=True)
class AnnouncementView:
    """What an announcement draws, in any language: the stream, which message it is, the featured products."""

    stream: Stream
    announcement: Announcement
    products: tuple[FeaturedProduct, ...] = ()


@dataclass(frozen=True, slots=True)
class StreamOrder:
    """An order placed during a stream, as its totals count it: the amount the buyer pays, and the rate locked at
    checkout (units of `currency` per unit of `shop_currency`)."""

    order_id: int
    paid: bool
    units: int
    total: Money
    shop_currency: str | None = None
    fx_rate: Decimal | None = None
    # When it was placed, and who bought it (their country, else the one it ships to; their language): the stream's
    # report draws these (bot/domain/stream_report.py).
    placed_at: datetime | None = None
    country: str | None = None
    language: str | None = None


def in_shop_currency(order: StreamOrder, shop_currency: str, rates: Rates | None = None) -> int:
    """The order's total in the shop's currency (minor units), at the rate locked at its checkout, else at today's
    `rates` (an order placed in another shop currency, or one without a locked rate)."""
    if order.total.currency == shop_currency:
        return order.total.amount_minor
    if order.fx_rate and order.shop_currency == shop_currency:
        return order.total.convert(Decimal(1) / order.fx_rate, shop_currency).amount_minor
    if rates is not None:
        return rates.convert(order.total, shop_currency).amount_minor
    raise UnknownRate(order.total.currency)


def stream_totals(
    stream_id: int, orders: Sequence[StreamOrder], shop_currency: str, rates: Rates | None = None
) -> StreamTotals:
    """The stream's orders, units and revenue in the shop's currency: each order converted at the rate locked at its
    checkout, else at today's `rates` (an order placed in another shop currency, or one without a locked rate)."""
    return StreamTotals(
        stream_id=stream_id,
        orders=len(orders),
        units=sum(order.units for order in orders),
        revenue_minor=sum(in_shop_currency(order, shop_currency, rates) for order in orders),
        currency=shop_currency,
        paid_orders=sum(1 for order in orders if order.paid),
    )
