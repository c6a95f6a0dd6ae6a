"""/report [ID]: a stream's chart (orders and revenue per minute, buyers by country and language) for merchants and
ops; without an id, the stream that ended last. After a stream ends the merchants get it unasked (StreamReportService
.send_due)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message

from bot.domain.buyer import Role
from bot.domain.streams import UnknownStream
from bot.services.stream_reports import NoEndedStream, StreamReportService
from handlers.access import HasRole
from handlers.streams import stream_id_from
from handlers.views.merchant_streams import bad_stream_id_text, no_such_stream_text
from handlers.views.stream_reports import chart_filename, no_ended_stream_text, stream_chart_caption


def make_router() -> Router:
    router = Router(name="reports")
    router.message.filter(F.chat.type == "private", HasRole(Role.MERCHANT, Role.OPS))
    router.message.register(send_report, Command("report"))
    return router


async def send_report(
    message: Message, command: CommandObject, stream_reports: StreamReportService, locale: str
) -> None:
    wanted = stream_id_from(command)
    if wanted is False:
        await message.answer(bad_stream_id_text())
        return
    try:
        report, picture = await stream_reports.chart(None if wanted is None else int(wanted), locale)
    except NoEndedStream:
        await message.answer(no_ended_stream_text())
        return
    except UnknownStream:
        await message.answer(no_such_stream_text())
        return
    await message.answer_photo(
        BufferedInputFile(picture, filename=chart_filename(report)), caption=stream_chart_caption(report, locale)
    )
