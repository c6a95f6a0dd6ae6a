"""Stream reports: after a stream ends the merchants get its chart (orders and revenue per minute, buyers by country
and language); /report draws one for whoever asks.

Every way a stream ends (chat /end, `livesell streams end`, any other) leaves it ended in the database, and that is
what `send_due` looks for: each stream that ended in the last day and has no report run yet is claimed by inserting
report_run(kind="stream", period=<id>), so one bot process sends it however many run. A claim whose process died
before finishing is taken again once stale.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.domain.fx import UnknownRate
from bot.domain.notices import StreamChart
from bot.domain.reports import ReportKind, ReportStatus
from bot.domain.stream_report import StreamReport, stream_report
from bot.domain.streams import UnknownStream
from bot.ports import ChartPainter, Notifier, UnitOfWork, UnitOfWorkFactory
from bot.services.pricing import Pricing
from bot.services.roles import MerchantIds, merchant_ids_of

log = logging.getLogger(__name__)
KIND = ReportKind.STREAM.value
# A stream that ended while no bot ran still gets its report when one starts, up to this long after; older ones only
# on /report.
LATE_LIMIT = timedelta(days=1)
# A claim not finished after this long belongs to a process that died making it: another takes it.
STALE_CLAIM = timedelta(minutes=2)


class NoEndedStream(LookupError):
    """/report without an id, and no stream has ended yet."""


class StreamReportService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        pricing: Pricing,
        painter: ChartPainter,
        notifier: Notifier,
        *,
        merchant_ids: MerchantIds,
        staff_language: str,
    ) -> None:
        self.uow = uow
        self.pricing = pricing
        self.painter = painter
        self.notifier = notifier
        self.merchant_ids: MerchantIds = merchant_ids if callable(merchant_ids) else tuple(merchant_ids)
        self.staff_language = staff_language

    async def report(self, stream_id: int | None = None) -> StreamReport:
        """The report of a stream (None: the one that ended last); UnknownStream, NoEndedStream when there is none."""
        async with self.uow() as uow:
            stream = await uow.streams.last_ended() if stream_id is None else await uow.streams.get(stream_id)
            if stream is None:
                raise NoEndedStream() if stream_id is None else UnknownStream(stream_id)
            placed = await uow.streams.orders(stream.stream_id)
        shop = self.pricing.shop_currency
        try:
            return stream_report(stream, placed, shop)
        except UnknownRate:
            return stream_report(stream, placed, shop, await self.pricing.rates())

    async def chart(self, stream_id: int | None, language: str) -> tuple[StreamReport, bytes]:
        """A stream's report and its chart as a PNG in `language`, for /report."""
        report = await self.report(stream_id)
        return report, await self.painter.draw(report, language)

    async def send_due(self, now: datetime) -> int:
        """The scheduler job (and the end of a stream in chat): claim the reports of streams ended lately and not
        reported yet (in the order they ended, so two processes claiming at once meet on the same row first and
        never deadlock), and send each to the merchants. How many this call claimed."""
        claimed = await self._claim_due(now)
        for stream_id in claimed:
            await self._send(stream_id, now)
        return len(claimed)

    async def _claim_due(self, now: datetime) -> list[int]:
        async with self.uow() as uow:
            ended = await uow.streams.ended_since(now - LATE_LIMIT)
            periods = [str(stream_id) for stream_id in ended]
            runs = {period: (status, at) for period, status, at in await uow.reports.claimed(KIND, periods)}
            won = []
            for stream_id in ended:
                run = runs.get(str(stream_id))
                if run is None:
                    taken = await uow.reports.claim(KIND, str(stream_id), now)
                elif run[0] is ReportStatus.CLAIMED and run[1] < now - STALE_CLAIM:
                    taken = await uow.reports.reclaim_stale(KIND, str(stream_id), now - STALE_CLAIM, now)
                else:
                    taken = False
                if taken:
                    won.append(stream_id)
            await uow.commit()
        return won

    async def _send(self, stream_id: int, now: datetime) -> None:
        try:
            report = await self.report(stream_id)
            async with self.uow() as uow:
                languages = {
                    merchant: await _language(uow, merchant, self.staff_language)
                    for merchant in await merchant_ids_of(self.merchant_ids)
                }
            pictures = {language: await self.painter.draw(report, language) for language in set(languages.values())}
        except Exception as failure:  # drawing that fails once fails again: it is recorded, not retried
            log.exception("could not draw the report of stream %d", stream_id)
            await self._finish(stream_id, ReportStatus.FAILED, now, f"{type(failure).__name__}: {failure}")
            return
        sent = 0
        for merchant, language in languages.items():
            try:
                if await self.notifier.send(StreamChart(merchant, language, report, pictures[language])):
                    sent += 1
            except Exception:  # one merchant unreachable must not keep the others uninformed
                log.exception("could not send merchant %d the report of stream %d", merchant, stream_id)
        await self._finish(stream_id, ReportStatus.SENT, now, f"sent to {sent} of {len(languages)} merchants")

    async def _finish(self, stream_id: int, status: ReportStatus, now: datetime, detail: str) -> None:
        async with self.uow() as uow:
            await uow.reports.finish(KIND, str(stream_id), status, now, detail)
            await uow.commit()


async def _language(uow: UnitOfWork, person: int, fallback: str) -> str:
    """The language a merchant reads (theirs as a buyer of the shop, else the shop's)."""
    buyer = await uow.buyers.get(person)
    return buyer.language if buyer is not None else fallback
