"""Order exports for ops: which orders (a filter in the shop's dates), which columns, and the rules every cell follows
(money in major units with the currency's decimals, times in the shop's zone with their offset, text neutralised
against spreadsheet formula injection). The database adapter applies the same rules in SQL (docs/export.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from babel.core import get_global

from bot.domain.orders import OrderStatus
from bot.domain.periods import day_start


class ExportStatus(StrEnum):
    PAID = "paid"
    AWAITING_PAYMENT = "awaiting_payment"
    EXPIRED = "expired"
    ALL = "all"


class ExportFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"


class BadExportFilter(ValueError):
    """A filter no export can answer (the first day after the last)."""


@dataclass(frozen=True)
class ExportFilter:
    """Orders created from `since` to `until` (both inclusive, dates in the shop's time zone; None: no bound)."""

    since: date | None
    until: date | None
    status: ExportStatus = ExportStatus.ALL
    stream_id: int | None = None

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise BadExportFilter(f"the period starts ({self.since}) after it ends ({self.until})")


# The order statuses an export status means: "paid" counts the shipped too (they were paid); "all" is every order
# placed (a cart still being filled, or in checkout, is not an order ops handle yet).
STATUSES: Mapping[ExportStatus, tuple[OrderStatus, ...]] = {
    ExportStatus.PAID: (OrderStatus.PAID, OrderStatus.SHIPPED),
    ExportStatus.AWAITING_PAYMENT: (OrderStatus.AWAITING_PAYMENT,),
    ExportStatus.EXPIRED: (OrderStatus.EXPIRED,),
    ExportStatus.ALL: (
        OrderStatus.AWAITING_PAYMENT,
        OrderStatus.PAID,
        OrderStatus.SHIPPED,
        OrderStatus.REFUNDED,
        OrderStatus.EXPIRED,
        OrderStatus.CANCELLED,
    ),
}

ORDER_COLUMNS: tuple[str, ...] = (
    "order_id",
    "created_at",
    "paid_at",
    "status",
    "buyer_id",
    "name",
    "username",
    "language",
    "country",
    "address",
    "phone",
    "currency",
    "subtotal",
    "shipping",
    "total",
    "fx_rate",
    "shop_currency",
    "shop_total",
    "payment_provider",
    "payment_reference",
    "stream_id",
    "stream_title",
)
LINE_COLUMNS: tuple[str, ...] = ("sku", "title", "variant", "quantity", "unit_price", "unit_currency")
# Columns holding decimal amounts (written as numbers in XLSX).
AMOUNT_COLUMNS = frozenset({"subtotal", "shipping", "total", "shop_total", "unit_price"})
# The most rows a sheet holds (Excel's limit): an export with more goes on in a new sheet.
SHEET_ROWS = 1_048_576

# OWASP's list for CSV injection: a cell starting with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """The cell as a spreadsheet shows it as text: a leading "'" before a formula start (OWASP, CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def decimal_text(amount_minor: int, exponent: int) -> str:
    """Minor units as a decimal in major units with exactly `exponent` decimals: 1250, 2 -> "12.50"; 1500, 0 ->
    "1500"; -5, 3 -> "-0.005"."""
    sign = "-" if amount_minor < 0 else ""
    whole, fraction = divmod(abs(amount_minor), 10**exponent)
    return f"{sign}{whole}.{fraction:0{exponent}d}" if exponent else f"{sign}{whole}"


def exponents_other_than_two() -> Mapping[int, tuple[str, ...]]:
    """Currencies by their minor-unit digits, for those without two (JPY 0, KWD 3...): the database formats
    amounts with these, two digits being the default."""
    groups: dict[int, list[str]] = {}
    for code, fraction in get_global("currency_fractions").items():
        digits = int(fraction[0])
        if code != "DEFAULT" and digits != 2:
            groups.setdefault(digits, []).append(code)
    return {digits: tuple(sorted(codes)) for digits, codes in sorted(groups.items())}


def utc_bounds(export_filter: ExportFilter, timezone: str) -> tuple[datetime | None, datetime | None]:
    """The filter's dates as UTC instants: from `since`'s midnight (inclusive) to the midnight after `until`
    (exclusive), midnights in the shop's zone: as `Period.utc_bounds`, with either end open."""
    since, until = export_filter.since, export_filter.until
    start = day_start(since, timezone) if since is not None else None
    end = day_start(until + timedelta(days=1), timezone) if until is not None else None
    return start, end


@dataclass(frozen=True, slots=True)
class OffsetSpan:
    """From `starts` (UTC, None: since ever) until the next span, the shop's clocks are `seconds` ahead of UTC."""

    starts: datetime | None
    seconds: int

    @property
    def text(self) -> str:
        """The ISO 8601 offset: +01:00, -03:30, +00:00."""
        sign = "-" if self.seconds < 0 else "+"
        hours, minutes = divmod(abs(self.seconds) // 60, 60)
        return f"{sign}{hours:02d}:{minutes:02d}"


# Steps in which offset changes are looked for (no zone changes twice within one); each found is narrowed to the second.
_STEP = timedelta(hours=1)


def offset_spans(timezone: str, start: datetime, end: datetime) -> tuple[OffsetSpan, ...]:
    """The zone's UTC offsets from `start` to `end` (UTC): one span per change (daylight saving time), so the
    database can write local times with a few comparisons instead of a time zone database."""
    zone = ZoneInfo(timezone)

    def offset(moment: datetime) -> int:
        shift = moment.astimezone(zone).utcoffset()
        return int(shift.total_seconds()) if shift is not None else 0

    moment = start.replace(microsecond=0)
    spans = [OffsetSpan(None, offset(moment))]
    while moment < end:
        following = moment + _STEP
        if offset(following) != spans[-1].seconds:
            low, high = moment, following  # the change is after `low`, at or before `high`, in whole seconds
            while high - low > timedelta(seconds=1):
                middle = low + timedelta(seconds=(high - low).total_seconds() // 2)
                if offset(middle) == spans[-1].seconds:
                    low = middle
                else:
                    high = middle
            spans.append(OffsetSpan(high, offset(high)))
        moment = following
    return tuple(spans)


def local_text(moment: datetime, timezone: str) -> str:
    """An instant as the export writes it: ISO 8601 to the second, in the shop's zone, with the offset."""
    return moment.astimezone(ZoneInfo(timezone)).replace(microsecond=0).isoformat()


@dataclass(frozen=True, slots=True)
class CsvBlock:
    """CSV records in order, as UTF-8 joined by line ends (none after the last), and how many orders they hold
    (with order lines, an order has a record per line)."""

    orders: int
    records: int
    data: bytes


@dataclass(frozen=True, slots=True)
class ExportQuery:
    """What the database reads for an export: the filter as UTC instants and the offsets to write times with."""

    start: datetime | None
    end: datetime | None
    statuses: tuple[OrderStatus, ...]
    stream_id: int | None
    spans: tuple[OffsetSpan, ...]
