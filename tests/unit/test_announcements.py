"""Stream announcements as subscribers read them (each in their language, zone and currency), and the stream notices
merchants get."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from babel.dates import format_time

from bot.app import LOCALES
from bot.domain.broadcasts import Recipient
from bot.domain.cart import display_price
from bot.domain.fx import Rates
from bot.domain.money import Money
from bot.domain.notices import AnnouncementMissed, AnnouncementReport, StreamEnded
from bot.domain.streams import AnnouncementKind, AnnouncementView, StreamPlan, StreamTotals, parse_offsets
from bot.services.pricing import Pricing
from bot.services.streams import StreamService
from handlers.callbacks import SubscriptionCb
from handlers.views.announcements import announcement_renderer
from handlers.views.broadcasts import Rendered
from handlers.views.notices import notice_screen
from tests.unit.chat import RecordingNotifier
from tests.unit.fakes import FakeShop

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
START = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)  # 19:00 in Berlin
RATES = Rates(base="EUR", rates={"USD": Decimal("1.08"), "JPY": Decimal("161.25")})
i18n = I18n(path=LOCALES, default_locale="en", domain="messages")


class StaticRates:
    async def latest(self) -> Rates:
        return RATES


class CountingStreams(StreamService):
    reads = 0

    async def announcement_view(self, announcement_id: int) -> AnnouncementView | None:
        self.reads += 1
        return await super().announcement_view(announcement_id)


async def planned(link: str | None = "https://example.com/live") -> tuple[CountingStreams, FakeShop, dict[str, int]]:
    shop = FakeShop()
    scarf = shop.add_product("A12", "Silk scarf", translations={"de": ("Seidentuch", "")})
    shop.add_product("B7", "Leather belt", variants=(("", 0),), price=Money(2500, "EUR"))
    streams = CountingStreams(
        shop,
        Pricing(StaticRates(), "EUR"),
        RecordingNotifier(),
        None,
        offsets=parse_offsets("24h,1h,0"),
        grace=timedelta(minutes=30),
        shop_timezone="Europe/Berlin",
        merchant_ids=[900],
        staff_language="en",
    )
    plan = StreamPlan(
        title="Autumn scarves",
        starts_at=START,
        duration=timedelta(hours=1),
        product_codes=("A12", "b7"),
        timezone="Europe/Berlin",
        titles={"de": "Herbstschals"},
        link=link,
    )
    stream = await streams.plan(plan, NOW)
    ids = {
        f"{a.kind.value} {a.offset_seconds}": a.announcement_id for a in await streams.announcements(stream.stream_id)
    }
    ids["stream"] = stream.stream_id
    ids["A12"] = scarf.id
    return streams, shop, ids


async def draw(streams: StreamService, reference: int, recipient: Recipient) -> Rendered | None:
    render = announcement_renderer(streams, Pricing(StaticRates(), "EUR"), "livesell_bot", "Europe/Berlin")
    with i18n.context(), i18n.use_locale(recipient.language):
        return await render(reference, recipient)


def urls(rendered: Rendered) -> list[str]:
    assert rendered.reply_markup is not None
    return [button.url or "" for row in rendered.reply_markup.inline_keyboard for button in row]


def callbacks(rendered: Rendered) -> list[str]:
    assert rendered.reply_markup is not None
    return [button.callback_data or "" for row in rendered.reply_markup.inline_keyboard for button in row]


async def test_a_reminder_speaks_the_subscribers_language_zone_and_currency() -> None:
    streams, _, ids = await planned()
    in_tokyo = Recipient(chat_id=1, language="de", timezone="Asia/Tokyo", currency="USD")
    rendered = await draw(streams, ids["reminder 3600"], in_tokyo)

    assert rendered is not None
    assert "Herbstschals" in rendered.text and "Seidentuch" in rendered.text
    tokyo_time = format_time(START.astimezone(ZoneInfo("Asia/Tokyo")), "short", locale="de")
    assert tokyo_time in rendered.text  # 03:00 the next morning in Tokyo
    in_dollars = display_price(Money(1990, "EUR"), RATES, "EUR", "USD")
    assert in_dollars.format("de") in rendered.text
    assert "https://example.com/live" in urls(rendered)
    assert f"https://t.me/livesell_bot?start=p_{ids['A12']}" in urls(rendered)
    assert SubscriptionCb(action="off").pack() in callbacks(rendered)


async def test_without_a_zone_or_currency_the_shops_are_used() -> None:
    streams, _, ids = await planned()
    rendered = await draw(streams, ids["reminder 86400"], Recipient(chat_id=1, language="en"))
    assert rendered is not None
    assert format_time(START.astimezone(ZoneInfo("Europe/Berlin")), "short", locale="en") in rendered.text
    assert Money(1990, "EUR").format("en") in rendered.text
    assert "Autumn scarves" in rendered.text
    assert "Live stream in" in rendered.text


async def test_a_group_gets_no_unsubscribe_button() -> None:
    streams, _, ids = await planned(link=None)
    rendered = await draw(streams, ids["reminder 0"], Recipient(chat_id=-100, language="en", private=False))
    assert rendered is not None
    assert SubscriptionCb(action="off").pack() not in callbacks(rendered)
    assert "Starting now" in rendered.text


async def test_going_live_draws_live_now_and_cancelled_streams_draw_nothing() -> None:
    streams, _, ids = await planned()
    await streams.go_live(ids["stream"], NOW)
    (live,) = [a for a in await streams.announcements(ids["stream"]) if a.kind is AnnouncementKind.LIVE]
    rendered = await draw(streams, live.announcement_id, Recipient(chat_id=1, language="en"))
    assert rendered is not None and "Live now" in rendered.text
    # A reminder still going out when the stream went live: the live-now one says it all.
    assert await draw(streams, ids["reminder 3600"], Recipient(chat_id=1, language="en")) is None

    other, _, other_ids = await planned()
    await other.cancel(other_ids["stream"], NOW)
    assert await draw(other, other_ids["reminder 3600"], Recipient(chat_id=1, language="en")) is None
    assert await draw(other, 10_000, Recipient(chat_id=1, language="en")) is None


async def test_thousands_of_recipients_read_the_stream_once_and_share_drawings() -> None:
    streams, _, ids = await planned()
    render = announcement_renderer(streams, Pricing(StaticRates(), "EUR"), "livesell_bot", "Europe/Berlin")
    drawn = []
    for chat_id in range(2000):
        language = ("en", "de", "fr", "zh")[chat_id % 4]
        with i18n.context(), i18n.use_locale(language):
            drawn.append(await render(ids["reminder 3600"], Recipient(chat_id=chat_id, language=language)))
    assert streams.reads == 1
    assert len({id(message) for message in drawn}) == 4


def test_stream_notices_tell_the_merchant_in_their_language() -> None:
    totals = StreamTotals(stream_id=3, orders=12, units=17, revenue_minor=48_350, currency="EUR", paid_orders=9)
    notices = [
        AnnouncementMissed(900, "de", 3, "Autumn scarves", AnnouncementKind.REMINDER, 3600, START, "Europe/Berlin"),
        AnnouncementReport(
            900, "de", 3, "Autumn scarves", AnnouncementKind.LIVE, 0, 19_950, 40, 10, timedelta(minutes=13)
        ),
        StreamEnded(900, "de", 3, "Autumn scarves", totals),
    ]
    for notice in notices:
        with i18n.context(), i18n.use_locale("en"):
            english = notice_screen(notice, "en").text
        with i18n.context(), i18n.use_locale("de"):
            german = notice_screen(notice, "de").text
        assert "Autumn scarves" in english and "Autumn scarves" in german
        assert english != german
    with i18n.context(), i18n.use_locale("en"):
        report = notice_screen(notices[1], "en").text
        ended = notice_screen(notices[2], "en").text
    assert all(str(count) in report for count in (19950, 40, 10))
    assert all(str(count) in ended for count in (12, 17, 9))
    assert Money(48_350, "EUR").format("en") in ended
