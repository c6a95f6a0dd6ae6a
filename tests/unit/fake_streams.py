"""A StreamService in memory, with the contract's rules the chat layer relies on (docs: notes on issue 9)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from bot.domain.catalog import Product
from bot.domain.keyword import CodeIndex
from bot.domain.stream_report import StreamReport
from bot.domain.streams import (
    Announcement,
    AnnouncementKind,
    AnnouncementStatus,
    AnnouncementView,
    FeaturedProduct,
    Stream,
    StreamError,
    StreamPlan,
    StreamStatus,
    StreamTotals,
    UnknownProducts,
    UnknownStream,
    check_plan,
)
from bot.services.stream_reports import NoEndedStream

UNSET: object = object()


class StreamNotFound(StreamError):
    def __init__(self, stream_id: int) -> None:
        super().__init__(f"no stream {stream_id}")


class NotScheduled(StreamError):
    def __init__(self, stream_id: int) -> None:
        super().__init__(f"stream {stream_id} is not scheduled")


@dataclass
class FakeStreamService:
    index: Callable[[], Awaitable[CodeIndex]]
    catalogue: Mapping[str, Product]  # by code, as the catalogue spells it
    streams: dict[int, Stream] = field(default_factory=dict)
    languages: list[str] = field(default_factory=list)
    totals_by_stream: dict[int, StreamTotals] = field(default_factory=dict)
    pinned: dict[int, tuple[int, int]] = field(default_factory=dict)
    calls: list[tuple[str, int]] = field(default_factory=list)

    async def _codes(self, codes: Sequence[str]) -> tuple[str, ...]:
        index = await self.index()
        unknown = [code for code in codes if index.get(code) is None]
        if unknown:
            raise UnknownProducts(unknown)
        return tuple(dict.fromkeys(product.code for code in codes if (product := index.get(code))))

    async def plan(self, plan: StreamPlan, now: datetime) -> Stream:
        check_plan(plan, now)
        stream = Stream(
            stream_id=len(self.streams) + 1,
            title=plan.title,
            starts_at=plan.starts_at,
            duration=plan.duration,
            status=StreamStatus.SCHEDULED,
            timezone=plan.timezone,
            product_codes=await self._codes(plan.product_codes),
            titles=dict(plan.titles),
            link=plan.link,
            chat_id=plan.chat_id,
            created_by=plan.created_by,
        )
        self.streams[stream.stream_id] = stream
        return stream

    async def preview(self, plan: StreamPlan, now: datetime) -> AnnouncementView:
        check_plan(plan, now)
        codes = await self._codes(plan.product_codes)
        products = tuple(self._featured(code) for code in codes)
        stream = Stream(0, plan.title, plan.starts_at, plan.duration, StreamStatus.SCHEDULED, plan.timezone, codes)
        stream = replace(stream, titles=dict(plan.titles), link=plan.link, chat_id=plan.chat_id)
        announcement = Announcement(0, 0, AnnouncementKind.REMINDER, 3600, now, AnnouncementStatus.PENDING)
        return AnnouncementView(stream, announcement, products)

    def _featured(self, code: str) -> FeaturedProduct:
        product = self.catalogue[code]
        price = min((sku.price for sku in product.skus), key=lambda money: money.amount_minor)
        titles = {language: title for language, (title, _) in product.translations.items()}
        return FeaturedProduct(product.id, product.code, product.title, price, product.total_stock > 0, titles)

    async def get(self, stream_id: int) -> Stream | None:
        return self.streams.get(stream_id)

    async def upcoming(self, now: datetime, include_ended: bool = False) -> Sequence[Stream]:
        shown = {StreamStatus.SCHEDULED, StreamStatus.LIVE}
        return sorted((s for s in self.streams.values() if s.status in shown), key=lambda s: s.starts_at)

    async def recent(self, limit: int) -> Sequence[Stream]:
        went_live = [s for s in self.streams.values() if s.status in {StreamStatus.LIVE, StreamStatus.ENDED}]
        return sorted(went_live, key=lambda s: (s.live_at or s.starts_at, s.stream_id), reverse=True)[:limit]

    def _scheduled(self, stream_id: int) -> Stream:
        stream = self.streams.get(stream_id)
        if stream is None:
            raise StreamNotFound(stream_id)
        if stream.status is not StreamStatus.SCHEDULED:
            raise NotScheduled(stream_id)
        return stream

    async def edit(
        self,
        stream_id: int,
        *,
        title: str | None = None,
        titles: Mapping[str, str] | None = None,
        duration: timedelta | None = None,
        product_codes: Sequence[str] | None = None,
        link: object = UNSET,
        chat_id: object = UNSET,
    ) -> Stream:
        stream = self._scheduled(stream_id)
        changes: dict[str, object] = {}
        if title is not None:
            changes["title"] = title
        if duration is not None:
            changes["duration"] = duration
        if product_codes is not None:
            changes["product_codes"] = await self._codes(product_codes)
        if link is not UNSET:
            changes["link"] = link
        self.streams[stream_id] = replace(stream, **changes)  # type: ignore[arg-type]
        self.calls.append(("edit", stream_id))
        return self.streams[stream_id]

    async def reschedule(self, stream_id: int, starts_at: datetime, now: datetime) -> Stream:
        stream = self._scheduled(stream_id)
        check_plan(StreamPlan(stream.title, starts_at, stream.duration, stream.product_codes, stream.timezone), now)
        self.streams[stream_id] = replace(stream, starts_at=starts_at)
        self.calls.append(("reschedule", stream_id))
        return self.streams[stream_id]

    async def cancel(self, stream_id: int, now: datetime) -> Stream:
        self.streams[stream_id] = replace(self._scheduled(stream_id), status=StreamStatus.CANCELLED)
        self.calls.append(("cancel", stream_id))
        return self.streams[stream_id]

    async def go_live(self, stream_id: int, now: datetime) -> Stream:
        self.streams[stream_id] = replace(self._scheduled(stream_id), status=StreamStatus.LIVE, live_at=now)
        self.calls.append(("live", stream_id))
        return self.streams[stream_id]

    async def end(self, stream_id: int, now: datetime) -> StreamTotals:
        stream = self.streams[stream_id]
        if stream.status is not StreamStatus.LIVE:
            raise NotScheduled(stream_id)
        self.streams[stream_id] = replace(stream, status=StreamStatus.ENDED, ended_at=now)
        self.calls.append(("end", stream_id))
        return await self.totals(stream_id)

    async def totals(self, stream_id: int) -> StreamTotals:
        return self.totals_by_stream.get(stream_id, StreamTotals(stream_id, 0, 0, 0, "EUR"))

    async def live_stream(self, chat_id: int | None = None) -> Stream | None:
        return next(
            (
                s
                for s in self.streams.values()
                if s.status is StreamStatus.LIVE and (chat_id is None or s.chat_id == chat_id)
            ),
            None,
        )

    async def set_pinned_post(self, stream_id: int, chat_id: int, message_id: int) -> None:
        self.pinned[stream_id] = (chat_id, message_id)
        self.streams[stream_id] = replace(self.streams[stream_id], pinned_chat_id=chat_id, pinned_message_id=message_id)

    async def audience_languages(self) -> Sequence[str]:
        return list(self.languages)


@dataclass
class FakeStreamReports:
    """/report's service: the reports it knows by stream id; the picture names the stream and the language."""

    reports: dict[int, StreamReport] = field(default_factory=dict)
    asked: list[tuple[int | None, str]] = field(default_factory=list)

    async def chart(self, stream_id: int | None, language: str) -> tuple[StreamReport, bytes]:
        self.asked.append((stream_id, language))
        if stream_id is None:
            if not self.reports:
                raise NoEndedStream()
            stream_id = max(self.reports)
        if stream_id not in self.reports:
            raise UnknownStream(stream_id)
        return self.reports[stream_id], f"png {stream_id} {language}".encode()
