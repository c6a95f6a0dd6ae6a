"""/export: staff (ops and merchants) export orders in their private chat (docs/export-chat.md).

Period (a preset, or two typed days in the shop's zone), status, stream, then format; then the count, a progress
message edited as the export goes (at most every few seconds, never with the same text), and the file or files as
documents: an export over Telegram's upload limit for bots comes split in parts (ExportService's max_file_bytes). The
files are written to a temporary folder removed after sending. /cancel and the Cancel button work at every step and
come first; a bad date is explained and asked again.
"""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.domain.export import ExportFilter, ExportFormat, ExportStatus
from bot.domain.numbers import typed_id
from bot.domain.periods import BadDate, BadPeriod, Period, PeriodPreset, parse_dates, preset_period, shop_today
from bot.services.daily_report import TELEGRAM_UPLOAD_LIMIT
from bot.services.export import ExportService
from bot.services.streams import StreamService
from handlers.access import STAFF, HasRole
from handlers.callbacks import ExportCb
from handlers.documents import send_files
from handlers.views.common import Screen, edit_message
from handlers.views.export import (
    ask_dates_text,
    ask_format_screen,
    ask_period_screen,
    ask_status_screen,
    ask_stream_screen,
    ask_until_text,
    bad_date_text,
    export_cancelled_text,
    export_caption,
    export_failed_text,
    export_summary,
    exported_text,
    nothing_to_export_text,
    progress_text,
    until_before_since_text,
    use_the_buttons_text,
)

log = logging.getLogger(__name__)

# Streams offered at the stream step: the latest that went live.
RECENT_STREAMS = 6
# The progress message is edited at most this often (Telegram limits edits; a person reads no faster).
PROGRESS_EVERY_SECONDS = 3.0


class ExportChat(StatesGroup):
    period = State()
    since = State()  # typed: the first day, or both
    until = State()  # typed: the last day
    status = State()
    stream = State()
    fmt = State()


ANSWER = F.text & ~F.text.startswith("/")


def make_router() -> Router:
    router = Router(name="export")
    router.message.filter(F.chat.type == "private", HasRole(*STAFF))
    router.callback_query.filter(HasRole(*STAFF))
    # Cancel first: it works in every step.
    router.message.register(cancel_by_command, Command("cancel"), StateFilter(ExportChat))
    router.callback_query.register(cancel_by_button, ExportCb.filter(F.action == "cancel"), StateFilter(ExportChat))
    router.message.register(begin, Command("export"))
    router.callback_query.register(period_tapped, ExportChat.period, ExportCb.filter(F.action == "period"))
    router.message.register(dates_given, StateFilter(ExportChat.since, ExportChat.until), ANSWER)
    router.callback_query.register(status_tapped, ExportChat.status, ExportCb.filter(F.action == "status"))
    router.callback_query.register(stream_tapped, ExportChat.stream, ExportCb.filter(F.action == "stream"))
    router.callback_query.register(format_tapped, ExportChat.fmt, ExportCb.filter(F.action == "format"))
    router.message.register(
        not_an_answer, StateFilter(ExportChat.period, ExportChat.status, ExportChat.stream, ExportChat.fmt), ANSWER
    )
    router.callback_query.register(stale_button, ExportCb.filter())
    return router


async def send(message: Message, screen: Screen) -> None:
    await message.answer(screen.text, reply_markup=screen.keyboard)


async def cancel_by_command(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(export_cancelled_text())


async def cancel_by_button(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.clear()
    if isinstance(query.message, Message):
        await edit_message(query.message, None)
        await query.message.answer(export_cancelled_text())


async def begin(message: Message, state: FSMContext, shop_timezone: str) -> None:
    await state.clear()
    await state.set_state(ExportChat.period)
    await send(message, ask_period_screen(shop_timezone))


async def tapped_step(query: CallbackQuery, valid: bool) -> Message | None:
    """The question whose button was tapped, its buttons removed; None when there is nothing to do: forged data, or
    the second of a double tap (the first one acts)."""
    await query.answer()
    if valid and isinstance(query.message, Message) and await edit_message(query.message, None):
        return query.message
    return None


async def period_tapped(query: CallbackQuery, callback_data: ExportCb, state: FSMContext, shop_timezone: str) -> None:
    custom = callback_data.value == "custom"
    if (message := await tapped_step(query, custom or callback_data.value in set(PeriodPreset))) is None:
        return
    if custom:
        await state.set_state(ExportChat.since)
        await message.answer(ask_dates_text(shop_timezone))
        return
    today = shop_today(datetime.now(UTC), shop_timezone)
    await ask_status(message, state, preset_period(PeriodPreset(callback_data.value), today))


async def dates_given(message: Message, state: FSMContext) -> None:
    """Both days at once (at either step), or the first day, then the last."""
    typed = message.text or ""
    try:
        first, last = parse_dates(typed)
    except BadDate:
        await message.answer(bad_date_text(typed))
        return
    if last is not None:
        await period_typed(message, state, first, last)
    elif await state.get_state() == ExportChat.until.state:
        await period_typed(message, state, date.fromisoformat((await state.get_data())["since"]), first)
    else:
        await state.update_data(since=first.isoformat())
        await state.set_state(ExportChat.until)
        await message.answer(ask_until_text(first.isoformat()))


async def period_typed(message: Message, state: FSMContext, since: date, until: date) -> None:
    try:
        period = Period(since, until)
    except BadPeriod:
        await state.update_data(since=since.isoformat())
        await state.set_state(ExportChat.until)
        await message.answer(until_before_since_text(since.isoformat(), until.isoformat()))
        return
    await ask_status(message, state, period)


async def ask_status(message: Message, state: FSMContext, period: Period) -> None:
    await state.update_data(since=period.since.isoformat(), until=period.until.isoformat())
    await state.set_state(ExportChat.status)
    await send(message, ask_status_screen(period))


async def status_tapped(
    query: CallbackQuery, callback_data: ExportCb, state: FSMContext, streams: StreamService, locale: str
) -> None:
    if (message := await tapped_step(query, callback_data.value in set(ExportStatus))) is None:
        return
    await state.update_data(status=callback_data.value)
    await state.set_state(ExportChat.stream)
    await send(message, ask_stream_screen(await streams.recent(RECENT_STREAMS), locale))


async def stream_tapped(query: CallbackQuery, callback_data: ExportCb, state: FSMContext) -> None:
    every = callback_data.value == "all"
    stream_id = typed_id(callback_data.value)
    if (message := await tapped_step(query, every or stream_id is not None)) is None:
        return
    await state.update_data(stream=None if every else stream_id)
    await state.set_state(ExportChat.fmt)
    await send(message, ask_format_screen())


def chosen(data: dict[str, Any]) -> tuple[Period, ExportFilter]:
    """The period and the filter the answers make."""
    period = Period(date.fromisoformat(data["since"]), date.fromisoformat(data["until"]))
    stream = data.get("stream")
    status = ExportStatus(data["status"])
    return period, ExportFilter(period.since, period.until, status, stream if isinstance(stream, int) else None)


async def format_tapped(
    query: CallbackQuery, callback_data: ExportCb, state: FSMContext, bot: Bot, export: ExportService
) -> None:
    if (message := await tapped_step(query, callback_data.value in set(ExportFormat))) is None:
        return
    period, wanted = chosen(await state.get_data())
    # The conversation is over: what follows is the export itself, and /export may start another meanwhile.
    await state.clear()
    await export_orders(message, bot, export, period, wanted, ExportFormat(callback_data.value))


async def export_orders(
    message: Message, bot: Bot, export: ExportService, period: Period, wanted: ExportFilter, fmt: ExportFormat
) -> None:
    """Count, show the progress, export to a temporary folder and send the files from it."""
    summary = export_summary(period, wanted.status, wanted.stream_id)
    total = await export.count(wanted)
    if total == 0:
        await message.answer(nothing_to_export_text(summary))
        return
    shown = await message.answer(progress_text(total))
    progress = Progress(bot, shown.chat.id, shown.message_id, total)
    name = f"orders-{period.since.isoformat()}-{period.until.isoformat()}.{fmt.value}"
    try:
        with tempfile.TemporaryDirectory(prefix="livesell-export-") as folder:
            result = await export.export(
                wanted,
                fmt,
                Path(folder) / name,
                lines=fmt is ExportFormat.XLSX,
                progress=progress.update,
                max_file_bytes=TELEGRAM_UPLOAD_LIMIT,
            )
            await send_files(bot, message.chat.id, result.files, export_caption(result.orders, summary))
    except Exception:
        log.exception("export to chat %s failed", message.chat.id)
        await progress.finish(export_failed_text())
        return
    await progress.finish(exported_text(result.orders, len(result.files)))


class Progress:
    """The progress message: edited at most every PROGRESS_EVERY_SECONDS and only when its text changes, so Telegram
    never answers "message is not modified" and a fast export is not slowed by edits."""

    def __init__(self, bot: Bot, chat_id: int, message_id: int, total: int) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.message_id = message_id
        self.total = total
        self.shown = progress_text(total)
        self.edited_at = time.monotonic()

    async def update(self, done: int, total: int) -> None:
        now = time.monotonic()
        text = progress_text(self.total, min(done, self.total))
        if now - self.edited_at < PROGRESS_EVERY_SECONDS or text == self.shown:
            return
        await self.show(text)
        self.edited_at = now

    async def finish(self, text: str) -> None:
        await self.show(text)

    async def show(self, text: str) -> None:
        if text != self.shown:
            self.shown = text
            await self.bot.edit_message_text(text, chat_id=self.chat_id, message_id=self.message_id)


async def not_an_answer(message: Message) -> None:
    await message.answer(use_the_buttons_text())


async def stale_button(query: CallbackQuery) -> None:
    """A button of an export already chosen or stopped, or of a step already answered."""
    await query.answer()
