"""A stream's report: its minutes, countries and languages from known orders; the chart a valid PNG carrying those
numbers, in the reader's language where the fonts can draw it; /report for merchants and ops, refused to buyers."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from aiogram.methods import SendPhoto
from aiogram.utils.i18n import I18n
from PIL import Image

from bot.adapters.charts import MatplotlibCharts, drawable
from bot.app import LOCALES
from bot.domain.fx import Rates, UnknownRate
from bot.domain.money import Money
from bot.domain.stream_report import LARGEST, OTHER, UNKNOWN, StreamReport, stream_report
from bot.domain.streams import Stream, StreamOrder, StreamStatus, stream_totals
from handlers.views.stream_reports import chart_labels
from tests.unit.chat import make_chat

LIVE = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
I18N = I18n(path=LOCALES, default_locale="en", domain="messages")


def stream(minutes: float | None = 5, title: str = "Autumn scarves") -> Stream:
    return Stream(
        stream_id=7,
        title=title,
        starts_at=LIVE - timedelta(minutes=10),
        duration=timedelta(hours=1),
        status=StreamStatus.ENDED if minutes is not None else StreamStatus.LIVE,
        timezone="Europe/Berlin",
        product_codes=("A12",),
        live_at=LIVE,
        ended_at=None if minutes is None else LIVE + timedelta(minutes=minutes),
    )


def order(
    order_id: int,
    at: timedelta,
    total: Money,
    country: str | None = "DE",
    language: str | None = "de",
    **kwargs: object,
) -> StreamOrder:
    return StreamOrder(
        order_id,
        False,
        1,
        total,
        placed_at=LIVE + at,
        country=country,
        language=language,
        **kwargs,  # type: ignore[arg-type]
    )


def known_orders() -> list[StreamOrder]:
    return [
        order(1, timedelta(seconds=10), Money(1990, "EUR")),
        order(2, timedelta(seconds=59), Money(2500, "EUR"), "FR", "fr"),
        # In dollars at the rate locked at checkout: 10.85 USD per 10 EUR.
        order(3, timedelta(minutes=2, seconds=30), Money(1085, "USD"), "US", "en", shop_currency="EUR",
              fx_rate=Decimal("1.085")),
        order(4, timedelta(minutes=2, seconds=59), Money(3000, "JPY"), None, None, shop_currency="EUR",
              fx_rate=Decimal("150")),
    ]  # fmt: skip


def test_orders_and_revenue_are_counted_in_the_minute_they_were_placed() -> None:
    report = stream_report(stream(), known_orders(), "EUR")
    assert [(m.minute, m.orders, m.revenue_minor) for m in report.minutes] == [
        (0, 2, 1990 + 2500),
        (1, 0, 0),
        (2, 2, 1000 + 2000),  # 10.85 USD / 1.085 and 3000 JPY / 150
        (3, 0, 0),
        (4, 0, 0),
    ]
    assert report.totals == stream_totals(7, known_orders(), "EUR")
    assert sum(m.revenue_minor for m in report.minutes) == report.totals.revenue_minor
    assert report.countries == ((UNKNOWN, 1), ("DE", 1), ("FR", 1), ("US", 1))  # ties by code
    assert report.languages == ((UNKNOWN, 1), ("de", 1), ("en", 1), ("fr", 1))


def test_an_order_after_the_end_widens_the_chart_and_one_before_the_start_counts_in_the_first_minute() -> None:
    late = order(1, timedelta(minutes=7, seconds=1), Money(100, "EUR"))
    early = order(2, -timedelta(minutes=3), Money(200, "EUR"))  # its cart was opened before the stream went live
    report = stream_report(stream(minutes=2), [late, early], "EUR")
    assert [m.orders for m in report.minutes] == [1, 0, 0, 0, 0, 0, 0, 1]


def test_a_stream_without_orders_has_its_minutes_and_nothing_else() -> None:
    report = stream_report(stream(minutes=3), [], "EUR")
    assert [m.orders for m in report.minutes] == [0, 0, 0]
    assert report.countries == report.languages == ()
    assert stream_report(stream(minutes=None), [], "EUR").minutes[0].orders == 0  # live, nothing yet: one minute


def test_the_breakdowns_keep_the_largest_groups_and_sum_the_rest() -> None:
    countries = ["DE"] * 5 + ["FR"] * 4 + ["IT", "ES", "PT", "NL", "BE", "AT", "PL", "SE"]
    orders = [order(i, timedelta(seconds=i), Money(100, "EUR"), country) for i, country in enumerate(countries)]
    report = stream_report(stream(), orders, "EUR")
    assert len(report.countries) == LARGEST
    assert report.countries[:2] == (("DE", 5), ("FR", 4))
    assert report.countries[-1] == (OTHER, 3)
    assert sum(count for _, count in report.countries) == len(countries)


def test_an_order_without_a_locked_rate_is_converted_at_todays_rates() -> None:
    unlocked = [order(1, timedelta(seconds=5), Money(1085, "USD"))]
    with pytest.raises(UnknownRate):
        stream_report(stream(), unlocked, "EUR")
    rates = Rates(base="EUR", rates={"USD": Decimal("1.085")})
    assert stream_report(stream(), unlocked, "EUR", rates).minutes[0].revenue_minor == 1000


async def draw(report: StreamReport, language: str) -> bytes:
    return await MatplotlibCharts(chart_labels(I18N)).draw(report, language)


async def test_the_chart_is_a_png_that_carries_the_streams_numbers() -> None:
    report = stream_report(stream(), known_orders(), "EUR")
    picture = await draw(report, "de")
    assert picture.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(picture))
    image.load()
    assert image.format == "PNG" and image.size == (1000, 800)
    assert image.text["livesell:stream"] == "7"
    assert image.text["livesell:currency"] == "EUR"
    assert image.text["livesell:orders_per_minute"] == "2,0,2,0,0"
    assert image.text["livesell:revenue_minor_per_minute"] == "4490,0,3000,0,0"
    assert image.text["livesell:orders"] == "4" and image.text["livesell:revenue_minor"] == "7490"
    assert image.text["livesell:countries"] == "?:1,DE:1,FR:1,US:1"


@pytest.mark.parametrize("language", ["de", "ru", "zh", "ja", "ko", "ar"])
async def test_every_shop_language_gets_a_chart_without_missing_glyphs(language: str) -> None:
    """Labels the fonts cannot draw (or matplotlib cannot lay out, right to left) fall back to English: a missing
    glyph would be a warning, and warnings are errors here."""
    report = stream_report(stream(title="秋のスカーフ"), known_orders(), "EUR")
    picture = await draw(report, language)
    assert Image.open(io.BytesIO(picture)).size == (1000, 800)


def test_what_the_fonts_can_draw() -> None:
    assert drawable("Umsatz (EUR)") and drawable("Выручка")
    assert not drawable("מכירות") and not drawable("المبيعات")  # right to left


# -- /report in chat ------------------------------------------------------------------------------------------------

MERCHANT, OPS, BUYER = 900, 901, 5


async def test_report_sends_the_last_ended_streams_chart_with_a_caption_in_the_readers_language() -> None:
    chat = make_chat(merchant_ids=(MERCHANT,))
    chat.buyers.ops_ids = frozenset({OPS})
    chat.stream_reports.reports[7] = stream_report(stream(), known_orders(), "EUR")
    ops = chat.chats.user(OPS, "Olga", language_code="de")
    await chat.say(ops, "/report")
    [photo] = chat.session.sent(SendPhoto, OPS)
    assert chat.stream_reports.asked == [(None, "de")]
    assert photo.caption.startswith("📊")
    assert "Autumn scarves" in photo.caption and Money(7490, "EUR").format("de") in photo.caption


async def test_report_names_a_stream_or_says_what_is_wrong() -> None:
    chat = make_chat(merchant_ids=(MERCHANT,))
    merchant = chat.chats.user(MERCHANT, "Mia")
    [nothing] = await chat.say(merchant, "/report")
    assert nothing.text and not chat.session.sent(SendPhoto)
    chat.stream_reports.reports[7] = stream_report(stream(), known_orders(), "EUR")
    [unknown] = await chat.say(merchant, "/report 8")
    [bad] = await chat.say(merchant, "/report seven")
    assert len({nothing.text, unknown.text, bad.text}) == 3
    await chat.say(merchant, "/report #7")
    assert chat.stream_reports.asked[-1] == (7, "en") and len(chat.session.sent(SendPhoto, MERCHANT)) == 1


async def test_a_buyer_asking_for_a_report_is_refused_and_nothing_is_drawn() -> None:
    chat = make_chat(merchant_ids=(MERCHANT,))
    chat.stream_reports.reports[7] = stream_report(stream(), known_orders(), "EUR")
    [refused] = await chat.say(chat.chats.user(BUYER, "Ben"), "/report 7")
    assert refused.text and chat.stream_reports.asked == [] and not chat.session.sent(SendPhoto)
