"""StreamService over the in-memory fakes: the rules a chat layer relies on, without a database (the same service is
proven over SQLite and PostgreSQL in tests/integration/test_streams.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.domain.broadcasts import Audience, BroadcastKind
from bot.domain.fx import Rates, UnknownRate
from bot.domain.money import Money
from bot.domain.streams import (
    AnnouncementKind,
    AnnouncementStatus,
    BadDuration,
    BadTitle,
    StreamClosed,
    StreamOrder,
    StreamPlan,
    StreamStatus,
    UnknownProducts,
    parse_offsets,
    stream_totals,
)
from bot.services.pricing import Pricing
from bot.services.streams import StreamService
from tests.unit.chat import RecordingNotifier
from tests.unit.fakes import FakeShop

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
RATES = Rates(base="EUR", rates={"USD": Decimal("1.08"), "JPY": Decimal("161.25")})


class StaticRates:
    async def latest(self) -> Rates:
        return RATES


class BrokenOpener:
    """A broadcaster whose database is away for the first announcement it is asked to open."""

    def __init__(self) -> None:
        self.opened: list[int] = []
        self.failed = False

    async def open(self, kind: BroadcastKind, reference: int, audience: Audience, created_by: int | None = None) -> int:
        if not self.failed:
            self.failed = True
            raise ConnectionError("the database went away")
        self.opened.append(reference)
        return len(self.opened)


def service(shop: FakeShop, opener: BrokenOpener | None = None) -> StreamService:
    return StreamService(
        shop,
        Pricing(StaticRates(), "EUR"),
        RecordingNotifier(),
        opener,
        offsets=parse_offsets("1h,0"),
        grace=timedelta(minutes=30),
        shop_timezone="UTC",
        merchant_ids=[900],
        staff_language="en",
    )


def a_plan(**changes: object) -> StreamPlan:
    values: dict[str, object] = {
        "title": "  Autumn scarves ",
        "starts_at": NOW + timedelta(hours=3),
        "duration": timedelta(hours=1),
        "product_codes": ("a12",),
        "timezone": "UTC",
    }
    values.update(changes)
    return StreamPlan(**values)  # type: ignore[arg-type]


async def test_a_plan_is_saved_trimmed_with_its_codes_as_the_catalogue_spells_them() -> None:
    shop = FakeShop()
    shop.add_product("A12")
    streams = service(shop)
    stream = await streams.plan(a_plan(), NOW)
    assert (stream.title, stream.product_codes, stream.status) == ("Autumn scarves", ("A12",), StreamStatus.SCHEDULED)
    assert await streams.upcoming(NOW) == [stream]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"title": "  "}, BadTitle),
        ({"title": "x" * 201}, BadTitle),
        ({"duration": timedelta(seconds=10)}, BadDuration),
        ({"product_codes": ("A12", "nope")}, UnknownProducts),
    ],
)
async def test_a_bad_plan_is_refused_and_nothing_is_saved(changes: dict[str, object], error: type[Exception]) -> None:
    shop = FakeShop()
    shop.add_product("A12")
    streams = service(shop)
    with pytest.raises(error):
        await streams.plan(a_plan(**changes), NOW)
    assert await streams.upcoming(NOW, include_ended=True) == []


async def test_editing_changes_only_what_is_given_and_an_ended_stream_is_not_edited() -> None:
    shop = FakeShop()
    shop.add_product("A12")
    shop.add_product("B7")
    streams = service(shop)
    stream = await streams.plan(a_plan(link="https://example.com/a"), NOW)
    edited = await streams.edit(stream.stream_id, titles={"de": "Herbstschals"}, product_codes=["b7", "A12"])
    assert (edited.title, edited.link, edited.product_codes) == (
        "Autumn scarves",
        "https://example.com/a",
        ("B7", "A12"),
    )
    assert edited.title_in("de") == "Herbstschals"
    assert (await streams.edit(stream.stream_id, link=None)).link is None
    await streams.go_live(stream.stream_id, NOW)
    await streams.end(stream.stream_id, NOW + timedelta(hours=1))
    with pytest.raises(StreamClosed):
        await streams.edit(stream.stream_id, title="Too late")


async def test_one_announcement_that_cannot_open_does_not_hold_up_the_others_and_is_opened_later() -> None:
    shop = FakeShop()
    shop.add_product("A12")
    opener = BrokenOpener()
    streams = service(shop, opener)
    first = await streams.plan(a_plan(), NOW)
    second = await streams.plan(a_plan(starts_at=NOW + timedelta(hours=3, minutes=1)), NOW)
    due = NOW + timedelta(hours=2, minutes=5)
    assert await streams.announce_due(due) == 2
    [first_reminder] = [a for a in await streams.announcements(first.stream_id) if a.offset_seconds == 3600]
    [second_reminder] = [a for a in await streams.announcements(second.stream_id) if a.offset_seconds == 3600]
    assert opener.opened == [second_reminder.announcement_id]
    assert first_reminder.status is AnnouncementStatus.SENDING
    await streams.announce_due(due + timedelta(minutes=3))  # its claim is stale: taken again
    assert opener.opened == [second_reminder.announcement_id, first_reminder.announcement_id]


async def test_the_live_stream_of_a_group_is_its_own_else_one_posting_nowhere() -> None:
    shop = FakeShop()
    shop.add_product("A12")
    streams = service(shop)
    anywhere = await streams.plan(a_plan(), NOW)
    in_group = await streams.plan(a_plan(chat_id=-100), NOW)
    await streams.go_live(anywhere.stream_id, NOW)
    await streams.go_live(in_group.stream_id, NOW + timedelta(minutes=1))
    assert (await streams.live_stream(-100)).stream_id == in_group.stream_id  # type: ignore[union-attr]
    assert (await streams.live_stream(-200)).stream_id == anywhere.stream_id  # type: ignore[union-attr]
    assert (await streams.live_stream()).stream_id == in_group.stream_id  # type: ignore[union-attr]
    live = [a for a in await streams.announcements(in_group.stream_id) if a.kind is AnnouncementKind.LIVE]
    assert [(a.due_at, a.status) for a in live] == [(NOW + timedelta(minutes=1), AnnouncementStatus.PENDING)]
    await streams.set_pinned_post(in_group.stream_id, -100, 42)
    pinned = await streams.get(in_group.stream_id)
    assert pinned is not None and (pinned.pinned_chat_id, pinned.pinned_message_id) == (-100, 42)


def test_totals_convert_each_order_at_its_locked_rate_and_count_paid_ones() -> None:
    orders = [
        StreamOrder(1, paid=True, units=2, total=Money(4470, "EUR"), shop_currency="EUR", fx_rate=Decimal(1)),
        StreamOrder(2, paid=False, units=1, total=Money(3240, "USD"), shop_currency="EUR", fx_rate=Decimal("1.08")),
        StreamOrder(3, paid=True, units=3, total=Money(5000, "JPY"), shop_currency="EUR", fx_rate=Decimal("160")),
    ]
    totals = stream_totals(7, orders, "EUR")
    assert (totals.orders, totals.units, totals.paid_orders, totals.currency) == (3, 6, 2, "EUR")
    assert totals.revenue_minor == 4470 + 3000 + 3125  # 32.40 / 1.08; 5000 / 160 = 31.25


def test_an_order_without_a_locked_rate_is_converted_at_todays_or_refused_without_rates() -> None:
    orders = [StreamOrder(1, paid=True, units=1, total=Money(1080, "USD"))]
    with pytest.raises(UnknownRate):
        stream_totals(7, orders, "EUR")
    assert stream_totals(7, orders, "EUR", RATES).revenue_minor == 1000
