"""A stream's report, as the merchant's chart draws it: orders and revenue (shop currency) in every minute of the
stream, and who bought (buyer countries, buyer languages). Pure: the orders come in, the series go out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.fx import Rates
from bot.domain.streams import Stream, StreamOrder, StreamTotals, in_shop_currency, stream_totals

MINUTE = timedelta(minutes=1)
# A country or a language nobody recorded (a buyer who never checked out elsewhere, say) is counted under this key.
UNKNOWN = ""
# The breakdowns show the largest groups; the rest are summed under OTHER.
LARGEST = 8
OTHER = "*"


@dataclass(frozen=True, slots=True)
class MinuteSales:
    """Orders placed in one minute of the stream (0 = its first minute) and their revenue in the shop's currency."""

    minute: int
    orders: int
    revenue_minor: int


@dataclass(frozen=True, slots=True)
class StreamReport:
    stream_id: int
    title: str
    timezone: str
    started_at: datetime  # when it went live (its planned start if it never did)
    ended_at: datetime | None
    totals: StreamTotals
    # Every minute from the first to the last (of the stream, or of its last order if later), empty ones too.
    minutes: tuple[MinuteSales, ...]
    # (country code or UNKNOWN or OTHER, orders), most orders first; the same for language codes.
    countries: tuple[tuple[str, int], ...]
    languages: tuple[tuple[str, int], ...]

    @property
    def currency(self) -> str:
        return self.totals.currency

    def series(self) -> dict[str, str]:
        """The numbers the chart shows, as text (written into the picture, so a reader or a test can check them)."""
        return {
            "stream": str(self.stream_id),
            "currency": self.currency,
            "orders_per_minute": ",".join(str(m.orders) for m in self.minutes),
            "revenue_minor_per_minute": ",".join(str(m.revenue_minor) for m in self.minutes),
            "countries": ",".join(f"{code or '?'}:{count}" for code, count in self.countries),
            "languages": ",".join(f"{code or '?'}:{count}" for code, count in self.languages),
            "orders": str(self.totals.orders),
            "revenue_minor": str(self.totals.revenue_minor),
        }


def stream_report(
    stream: Stream, orders: Sequence[StreamOrder], shop_currency: str, rates: Rates | None = None
) -> StreamReport:
    """The report of `stream` from its orders; each order's revenue converted as the stream's totals convert it
    (`in_shop_currency`), so the minutes add up to the totals. Raises UnknownRate as `stream_totals` does."""
    started = stream.live_at or stream.starts_at
    totals = stream_totals(stream.stream_id, orders, shop_currency, rates)
    # A stream of exactly five minutes has minutes 0 to 4.
    length = 0 if stream.ended_at is None else _minute(stream.ended_at - started - timedelta(microseconds=1)) + 1
    buckets: dict[int, tuple[int, int]] = {}
    for order in orders:
        minute = _minute((order.placed_at or started) - started)
        count, revenue = buckets.get(minute, (0, 0))
        buckets[minute] = (count + 1, revenue + in_shop_currency(order, shop_currency, rates))
    length = max(length, max(buckets, default=-1) + 1, 1)
    minutes = tuple(MinuteSales(minute, *buckets.get(minute, (0, 0))) for minute in range(length))
    return StreamReport(
        stream_id=stream.stream_id,
        title=stream.title,
        timezone=stream.timezone,
        started_at=started,
        ended_at=stream.ended_at,
        totals=totals,
        minutes=minutes,
        countries=_largest(Counter((order.country or UNKNOWN).upper() for order in orders)),
        languages=_largest(Counter(order.language or UNKNOWN for order in orders)),
    )


def _minute(elapsed: timedelta) -> int:
    """The minute of the stream `elapsed` falls in; an order placed before it went live (its cart opened during the
    stream, say) counts in the first."""
    return max(0, int(elapsed // MINUTE))


def _largest(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    """The LARGEST groups, most orders first (then by code, so the order is stable), the rest summed as OTHER."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if len(ranked) <= LARGEST:
        return tuple(ranked)
    kept = ranked[: LARGEST - 1]
    return (*kept, (OTHER, sum(count for _, count in ranked[LARGEST - 1 :])))


@dataclass(frozen=True, slots=True)
class ChartTexts:
    """What a report's chart says, in one language (the chat layer writes them; the painter draws them)."""

    heading: str  # "Stream 7: orders and revenue per minute"
    stream_title: str  # the merchant's own title, drawn under the heading when the fonts can
    minutes_axis: str
    orders_axis: str
    revenue_axis: str  # names the shop's currency
    countries_heading: str
    languages_heading: str
    # The breakdowns' keys (country codes, language codes, UNKNOWN, OTHER) as readers name them.
    countries: dict[str, str]
    languages: dict[str, str]

    def all(self) -> tuple[str, ...]:
        fixed = (self.heading, self.minutes_axis, self.orders_axis, self.revenue_axis)
        return (
            *fixed,
            self.countries_heading,
            self.languages_heading,
            *self.countries.values(),
            *self.languages.values(),
        )
