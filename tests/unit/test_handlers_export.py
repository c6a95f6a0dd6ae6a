"""/export through the real dispatcher with an ExportService in memory: every step, presets and typed dates (bad
ones answered in the reader's language), the count, a throttled progress message, the file(s) as documents with a
caption, temporary files removed, /cancel at every step, and nobody else let in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from aiogram.methods import EditMessageText, SendDocument, SendMessage
from aiogram.types import User

from bot.domain.export import ExportFormat, ExportStatus
from bot.domain.periods import shop_today
from bot.domain.streams import StreamPlan
from handlers import export as export_handlers
from handlers.callbacks import ExportCb
from tests.unit.chat import ChatHarness, make_chat
from tests.unit.fake_export import FakeOrder
from tests.unit.telegram import buttons

OPS = 700
MERCHANT = 900
BUYER = 100
ZONE = "Pacific/Auckland"  # far from UTC: "today" is the shop's day, not the server's


@pytest.fixture
def chat() -> ChatHarness:
    return make_chat(merchant_ids=(MERCHANT,), ops_ids=(OPS,), shop_timezone=ZONE)


@pytest.fixture
def ops(chat: ChatHarness) -> User:
    return chat.chats.user(OPS, "Olga")


def today() -> date:
    return shop_today(datetime.now(UTC), ZONE)


async def answer(chat: ChatHarness, user: User, text: str) -> SendMessage:
    [reply] = await chat.say(user, text)
    return reply


async def tap(chat: ChatHarness, user: User, reply: SendMessage, button: str) -> list[object]:
    return await chat.tap(user, reply.reply_markup, button)


async def tap_for_reply(chat: ChatHarness, user: User, reply: SendMessage, button: str) -> SendMessage:
    [sent] = [r for r in await tap(chat, user, reply, button) if isinstance(r, SendMessage)]
    return sent


def documents(chat: ChatHarness, chat_id: int) -> list[SendDocument]:
    return chat.session.sent(SendDocument, chat_id)


async def test_ops_export_yesterdays_paid_orders_of_a_stream_as_csv(chat: ChatHarness, ops: User) -> None:
    yesterday = today() - timedelta(days=1)
    chat.export.orders = [
        FakeOrder(1, yesterday, "paid", stream_id=2),
        FakeOrder(2, yesterday, "paid", stream_id=2),
        FakeOrder(3, yesterday, "expired", stream_id=2),
        FakeOrder(4, yesterday, "paid", stream_id=1),
        FakeOrder(5, today(), "paid", stream_id=2),
    ]
    for number, title in ((1, "Spring drop"), (2, "Autumn scarves")):
        stream = await chat.streams.plan(
            StreamPlan(title, datetime(2030, 1, number, tzinfo=UTC), timedelta(hours=1), (), "UTC"),
            datetime(2029, 1, 1, tzinfo=UTC),
        )
        await chat.streams.go_live(stream.stream_id, datetime(2030, 1, number, tzinfo=UTC))

    periods = await answer(chat, ops, "/export")
    assert ZONE in periods.text
    assert buttons(periods.reply_markup) == [
        "Today", "Yesterday", "Last 7 days", "This month", "🗓 Other dates", "✖ Cancel"
    ]  # fmt: skip
    statuses = await tap_for_reply(chat, ops, periods, "Yesterday")
    assert yesterday.isoformat() in statuses.text
    assert buttons(statuses.reply_markup) == ["Paid", "Awaiting payment", "Expired", "All orders", "✖ Cancel"]
    streams = await tap_for_reply(chat, ops, statuses, "Paid")
    # The latest stream first.
    assert buttons(streams.reply_markup) == ["#2 Autumn scarves", "#1 Spring drop", "Any stream or none", "✖ Cancel"]
    formats = await tap_for_reply(chat, ops, streams, "#2")
    assert buttons(formats.reply_markup) == ["CSV", "Excel (XLSX)", "✖ Cancel"]

    await tap(chat, ops, formats, "CSV")

    [(wanted, fmt, limit)] = chat.export.exported
    assert (wanted.since, wanted.until, wanted.status, wanted.stream_id) == (yesterday, yesterday, ExportStatus.PAID, 2)
    assert fmt is ExportFormat.CSV and limit == 50 * 1000 * 1000
    [document] = documents(chat, OPS)
    assert document.caption == f"2 orders: {yesterday.isoformat()}, Paid, stream #2"
    assert document.document.filename == f"orders-{yesterday.isoformat()}-{yesterday.isoformat()}.csv"
    [progress, *_] = [r for r in chat.session.sent(SendMessage, OPS) if "Exporting" in r.text]
    assert progress.text == "⏳ Exporting 2 orders…"
    [*_, done] = chat.session.sent(EditMessageText, OPS)
    assert done.text == "✅ Exported 2 orders."
    # The temporary files are gone once sent.
    assert chat.export.written and not any(path.exists() for path in chat.export.written)


async def test_a_merchant_exports_this_month_as_xlsx_split_in_parts(chat: ChatHarness) -> None:
    merchant = chat.chats.user(MERCHANT, "Mia")
    chat.export.orders = [FakeOrder(number, today()) for number in range(1, 8)]
    chat.export.parts = 3
    periods = await answer(chat, merchant, "/export")
    statuses = await tap_for_reply(chat, merchant, periods, "This month")
    assert f"{today().replace(day=1).isoformat()} – {today().isoformat()}" in statuses.text
    streams = await tap_for_reply(chat, merchant, statuses, "All orders")
    formats = await tap_for_reply(chat, merchant, streams, "Any stream")

    await tap(chat, merchant, formats, "XLSX")

    [(wanted, fmt, _)] = chat.export.exported
    assert wanted.status is ExportStatus.ALL and wanted.stream_id is None and fmt is ExportFormat.XLSX
    sent = documents(chat, MERCHANT)
    assert [document.caption.rsplit(" ", 1)[-1] for document in sent] == ["(1/3)", "(2/3)", "(3/3)"]
    assert all(document.caption.startswith("7 orders: ") for document in sent)
    done = chat.session.sent(EditMessageText, MERCHANT)[-1].text
    assert done == "✅ Exported 7 orders. Split into 3 files, each under Telegram's size limit."


async def export_today(chat: ChatHarness, user: User, status: str = "All orders") -> list[object]:
    """/export of today's orders of any stream as CSV; the requests the last tap caused."""
    periods = await answer(chat, user, "/export")
    statuses = await tap_for_reply(chat, user, periods, "Today")
    streams = await tap_for_reply(chat, user, statuses, status)
    formats = await tap_for_reply(chat, user, streams, "Any stream")
    return await tap(chat, user, formats, "CSV")


async def choose_other_dates(chat: ChatHarness, user: User) -> SendMessage:
    periods = await answer(chat, user, "/export")
    return await tap_for_reply(chat, user, periods, "🗓")


async def test_two_typed_dates_in_any_common_format_make_the_period(chat: ChatHarness, ops: User) -> None:
    ask = await choose_other_dates(chat, ops)
    assert "2026-11-01 2026-11-30" in ask.text and ZONE in ask.text
    statuses = await answer(chat, ops, "01.11.2026 - 30.11.2026")
    assert "2026-11-01 – 2026-11-30" in statuses.text and "Paid" in buttons(statuses.reply_markup)


async def test_one_day_then_the_other_and_a_last_day_before_the_first_is_asked_again(
    chat: ChatHarness, ops: User
) -> None:
    await choose_other_dates(chat, ops)
    assert "2026-11-20" in (await answer(chat, ops, "2026/11/20")).text
    again = await answer(chat, ops, "2026-11-01")
    assert "comes before" in again.text
    statuses = await answer(chat, ops, "2026-11-21")
    assert "2026-11-20 – 2026-11-21" in statuses.text


@pytest.mark.parametrize(
    ("language", "typed", "words"),
    [
        ("en", "next friday", "not a date"),
        ("de", "nächsten Freitag", "kein Datum"),
        ("ru", "31.02.2026", "не дата"),
        ("zh", "下周五", "不是"),
        ("ar", "2026-13-01", "ليس"),
    ],
)
async def test_a_bad_date_is_explained_in_the_readers_language_and_asked_again(
    chat: ChatHarness, language: str, typed: str, words: str
) -> None:
    ops = chat.chats.user(OPS, "Olga", language_code=language)
    await choose_other_dates(chat, ops)
    refused = await answer(chat, ops, typed)
    assert words in refused.text and typed in refused.text
    # Asked again: the next good answer is taken.
    statuses = await answer(chat, ops, "2026-11-01 2026-11-02")
    assert "2026-11-01 – 2026-11-02" in statuses.text


async def test_no_matching_orders_says_so_and_sends_no_file(chat: ChatHarness, ops: User) -> None:
    [nothing] = [r for r in await export_today(chat, ops, "Expired") if isinstance(r, SendMessage)]
    assert "nothing to export" in nothing.text
    assert chat.export.exported == [] and documents(chat, OPS) == []


async def test_progress_is_edited_as_the_export_goes_and_never_with_the_same_text(
    chat: ChatHarness, ops: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_handlers, "PROGRESS_EVERY_SECONDS", 0)
    chat.export.orders = [FakeOrder(number, today()) for number in range(1, 5)]
    chat.export.steps = 40  # 40 calls, 5 different percentages
    await export_today(chat, ops)  # the recording session refuses an edit that changes nothing
    edits = [edit.text for edit in chat.session.sent(EditMessageText, OPS) if edit.text is not None]
    assert edits == [
        "⏳ Exporting 4 orders… 0%",
        "⏳ Exporting 4 orders… 25%",
        "⏳ Exporting 4 orders… 50%",
        "⏳ Exporting 4 orders… 75%",
        "⏳ Exporting 4 orders… 100%",
        "✅ Exported 4 orders.",
    ]


async def test_progress_edits_are_throttled(chat: ChatHarness, ops: User) -> None:
    chat.export.orders = [FakeOrder(number, today()) for number in range(1, 1001)]
    chat.export.steps = 1000
    await export_today(chat, ops)
    edits = [edit.text for edit in chat.session.sent(EditMessageText, OPS) if edit.text is not None]
    assert edits == ["✅ Exported 1000 orders."]  # a fast export: no progress edit at all


async def test_a_failed_export_says_so_and_leaves_no_file(chat: ChatHarness, ops: User) -> None:
    chat.export.orders = [FakeOrder(1, today())]
    chat.export.fail = True
    await export_today(chat, ops)
    assert "failed" in chat.session.sent(EditMessageText, OPS)[-1].text
    assert documents(chat, OPS) == []


@pytest.mark.parametrize("step", range(1, 6))
async def test_cancel_at_any_step_exports_nothing(chat: ChatHarness, ops: User, step: int) -> None:
    reply = await answer(chat, ops, "/export")
    for button in ["Other dates", None, "Paid", "Any stream"][: step - 1]:
        if button is None:
            reply = await answer(chat, ops, "2026-11-01 2026-11-30")
        else:
            reply = await tap_for_reply(chat, ops, reply, button)
    assert "nothing was exported" in (await answer(chat, ops, "/cancel")).text
    # The buttons of the stopped export do nothing now.
    if reply.reply_markup is not None and step > 1:
        await chat.tap(ops, reply.reply_markup, buttons(reply.reply_markup)[0])
    assert chat.export.exported == []


async def test_the_cancel_button_stops_the_export(chat: ChatHarness, ops: User) -> None:
    periods = await answer(chat, ops, "/export")
    stopped = await tap_for_reply(chat, ops, periods, "Cancel")
    assert "nothing was exported" in stopped.text


async def test_typing_instead_of_tapping_is_answered_with_the_buttons(chat: ChatHarness, ops: User) -> None:
    await answer(chat, ops, "/export")
    assert "buttons" in (await answer(chat, ops, "yesterday please")).text


async def test_a_buyer_is_refused_export_typed_or_forged_and_nothing_is_exported(chat: ChatHarness) -> None:
    buyer = chat.chats.user(BUYER, "Ben")
    chat.export.orders = [FakeOrder(1, today())]
    assert "🔒" in (await answer(chat, buyer, "/export")).text
    for data in (ExportCb(action="format", value="csv").pack(), "export:garbage"):
        await chat.tap_data(buyer, data)
    assert len(chat.alerts()) == 2
    assert chat.export.exported == [] and documents(chat, BUYER) == []


async def test_forged_values_from_staff_change_nothing(chat: ChatHarness, ops: User) -> None:
    periods = await answer(chat, ops, "/export")
    await chat.tap_data(ops, ExportCb(action="period", value="forever").pack(), periods.reply_markup)
    assert chat.export.exported == []
