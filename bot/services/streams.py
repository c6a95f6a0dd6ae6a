"""Streams: a merchant plans one, its reminders fall due, it goes live and ends with its totals.

The database is the source of truth for what is due: the scheduler only wakes `announce_due`, which claims due
announcements atomically (one process wins each), marks the ones found too late as missed (the merchants are told),
and opens a broadcast for the others. A claim left half-done by a crash is taken again later; opening a broadcast
twice returns the same one, so nobody hears an announcement twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.domain.broadcasts import Audience, BroadcastKind, BroadcastReport
from bot.domain.catalog import Product
from bot.domain.fx import UnknownRate
from bot.domain.notices import AnnouncementMissed, AnnouncementReport, Notice, StreamEnded
from bot.domain.streams import (
    LIVE_OFFSET,
    MAX_PRODUCTS,
    Announcement,
    AnnouncementKind,
    AnnouncementStatus,
    AnnouncementView,
    FeaturedProduct,
    Stream,
    StreamClosed,
    StreamNotLive,
    StreamNotScheduled,
    StreamPlan,
    StreamStatus,
    StreamTotals,
    TooManyProducts,
    UnknownProducts,
    UnknownStream,
    check_duration,
    check_plan,
    check_title,
    reminder_schedule,
    stream_totals,
)
from bot.ports import BroadcastOpener, Notifier, UnitOfWork, UnitOfWorkFactory
from bot.services.pricing import Pricing
from bot.services.roles import MerchantIds, merchant_ids_of

log = logging.getLogger(__name__)
# Announcements claimed per round of the scheduler job; the rest wait for the next round, five seconds later.
CLAIM_BATCH = 50
# A claim without a broadcast after this long belongs to a process that died before it opened one (or could not):
# it is taken again and its broadcast opened (which returns the one that exists, if the process died just after).
STALE_CLAIM = timedelta(minutes=2)
OPEN = (StreamStatus.SCHEDULED, StreamStatus.LIVE)
UNCHANGED: Any = object()


class StreamService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        pricing: Pricing,
        notifier: Notifier,
        opener: BroadcastOpener | None,
        *,
        offsets: Sequence[timedelta],
        grace: timedelta,
        shop_timezone: str,
        merchant_ids: MerchantIds,
        staff_language: str,
        claim_batch: int = CLAIM_BATCH,
    ) -> None:
        self.uow = uow
        self.pricing = pricing
        self.notifier = notifier
        self.opener = opener
        self.offsets = tuple(offsets)
        self.grace = grace
        self.shop_timezone = shop_timezone
        self.merchant_ids: MerchantIds = merchant_ids if callable(merchant_ids) else tuple(merchant_ids)
        self.staff_language = staff_language
        self.claim_batch = claim_batch
        self.ended_hooks: list[Callable[[datetime], Awaitable[object]]] = []

    # -- planning -------------------------------------------------------------------------------------------------

    async def plan(self, plan: StreamPlan, now: datetime) -> Stream:
        """Save a stream and schedule its reminders; StreamError subclasses say what is wrong with the plan."""
        check_plan(plan, now)
        plan = replace(plan, title=check_title(plan.title))
        async with self.uow() as uow:
            featured = await self._products(uow, plan.product_codes)
            stream_id = await uow.streams.add(
                replace(plan, product_codes=tuple(p.code for p in featured)), [p.id for p in featured], now
            )
            await uow.streams.schedule(
                stream_id, AnnouncementKind.REMINDER, reminder_schedule(plan.starts_at, self.offsets, now)
            )
            stream = await uow.streams.get(stream_id)
            await uow.commit()
        assert stream is not None
        return stream

    async def get(self, stream_id: int) -> Stream | None:
        async with self.uow() as uow:
            return await uow.streams.get(stream_id)

    async def upcoming(self, now: datetime, include_ended: bool = False) -> Sequence[Stream]:
        """Scheduled and live streams, earliest start first (a scheduled one whose start passed too: the merchant may
        go live late); with `include_ended`, ended and cancelled ones too."""
        statuses = list(StreamStatus) if include_ended else list(OPEN)
        async with self.uow() as uow:
            return await uow.streams.listed(statuses)

    async def recent(self, limit: int) -> Sequence[Stream]:
        """The streams that went live (live now or ended), the latest first: those orders can belong to."""
        async with self.uow() as uow:
            went_live = await uow.streams.listed([StreamStatus.LIVE, StreamStatus.ENDED])
        return sorted(
            went_live, key=lambda stream: (stream.live_at or stream.starts_at, stream.stream_id), reverse=True
        )[:limit]

    async def announcements(self, stream_id: int) -> Sequence[Announcement]:
        """The stream's announcements, soonest first (for the merchant's view and the CLI)."""
        async with self.uow() as uow:
            return await uow.streams.announcements(stream_id)

    async def edit(
        self,
        stream_id: int,
        *,
        title: str | None = None,
        titles: Mapping[str, str] | None = None,
        duration: timedelta | None = None,
        product_codes: Sequence[str] | None = None,
        link: str | None = UNCHANGED,
        chat_id: int | None = UNCHANGED,
    ) -> Stream:
        """Change what a scheduled or live stream shows; only the arguments given change (None clears a link or a
        chat)."""
        values: dict[str, object] = {}
        if title is not None:
            values["title"] = check_title(title)
        if titles is not None:
            values["titles"] = {language: text.strip() for language, text in titles.items() if text.strip()}
        if duration is not None:
            check_duration(duration)
            values["duration_seconds"] = int(duration.total_seconds())
        if link is not UNCHANGED:
            values["link"] = link
        if chat_id is not UNCHANGED:
            values["chat_id"] = chat_id
        async with self.uow() as uow:
            stream = await self._stream(uow, stream_id)
            if stream.status not in OPEN:
                raise StreamClosed(stream_id, stream.status)
            if values:
                await uow.streams.set_details(stream_id, values)
            if product_codes is not None:
                featured = await self._products(uow, product_codes)
                await uow.streams.set_products(stream_id, [p.id for p in featured])
            stream = await self._stream(uow, stream_id)
            await uow.commit()
        return stream

    async def reschedule(self, stream_id: int, starts_at: datetime, now: datetime) -> Stream:
        """Move the start and every reminder not yet out with it; reminders now in the past are not sent."""
        async with self.uow() as uow:
            stream = await self._stream(uow, stream_id)
            if stream.status is not StreamStatus.SCHEDULED:
                raise StreamNotScheduled(stream_id, stream.status)
            check_plan(_as_plan(replace(stream, starts_at=starts_at)), now)
            if not await uow.streams.set_start(stream_id, starts_at):
                raise StreamNotScheduled(stream_id, stream.status)
            due = reminder_schedule(starts_at, self.offsets, now)
            await uow.streams.cancel_pending(stream_id, keep=[offset for offset, _ in due])
            await uow.streams.schedule(stream_id, AnnouncementKind.REMINDER, due)
            stream = await self._stream(uow, stream_id)
            await uow.commit()
        return stream

    async def cancel(self, stream_id: int, now: datetime) -> Stream:
        """Cancel a scheduled stream and its reminders not yet out."""
        return await self._move(stream_id, StreamStatus.SCHEDULED, StreamStatus.CANCELLED, now)

    async def go_live(self, stream_id: int, now: datetime) -> Stream:
        """The stream is live: its "live now" announcement is due at once, its reminders not yet out are cancelled,
        and orders opened or placed from now on are the stream's."""
        return await self._move(stream_id, StreamStatus.SCHEDULED, StreamStatus.LIVE, now)

    def on_ended(self, hook: Callable[[datetime], Awaitable[object]]) -> None:
        """Run `hook(now)` after a stream ends here (the bot wires its report; the CLI wires none and the running
        bot's job finds the ended stream in the database instead)."""
        self.ended_hooks.append(hook)

    async def end(self, stream_id: int, now: datetime) -> StreamTotals:
        """End a live stream; the merchants are told its totals."""
        stream = await self._move(stream_id, StreamStatus.LIVE, StreamStatus.ENDED, now)
        totals = await self.totals(stream_id)
        await self._tell_merchants(
            lambda merchant: StreamEnded(merchant, self.staff_language, stream.stream_id, stream.title, totals)
        )
        for hook in self.ended_hooks:
            try:
                await hook(now)
            except Exception:  # the stream has ended whatever a hook does; the scheduler job tries the report again
                log.exception("after stream %d ended", stream_id)
        return totals

    async def _move(self, stream_id: int, old: StreamStatus, new: StreamStatus, now: datetime) -> Stream:
        async with self.uow() as uow:
            stream = await self._stream(uow, stream_id)
            if stream.status is not old or not await uow.streams.set_status(stream_id, old, new, now):
                error = StreamNotLive if old is StreamStatus.LIVE else StreamNotScheduled
                raise error(stream_id, stream.status)
            await uow.streams.cancel_pending(stream_id)
            if new is StreamStatus.LIVE:
                await uow.streams.schedule(stream_id, AnnouncementKind.LIVE, [(LIVE_OFFSET, now)])
            stream = await self._stream(uow, stream_id)
            await uow.commit()
        return stream

    async def totals(self, stream_id: int) -> StreamTotals:
        """Orders placed during the stream (awaiting payment, paid, shipped), their units and revenue in the shop's
        currency (each order at the rate locked at its checkout)."""
        async with self.uow() as uow:
            await self._stream(uow, stream_id)
            placed = await uow.streams.orders(stream_id)
        shop = self.pricing.shop_currency
        try:
            return stream_totals(stream_id, placed, shop)
        except UnknownRate:
            return stream_totals(stream_id, placed, shop, await self.pricing.rates())

    async def live_stream(self, chat_id: int | None = None) -> Stream | None:
        """The stream live now: for a group, the one posting there (else one posting nowhere in particular)."""
        async with self.uow() as uow:
            return await uow.streams.live(chat_id)

    async def audience_languages(self) -> Sequence[str]:
        """The languages subscribers read announcements in, the most spoken first (the merchant's preview shows the
        shop's and the next one)."""
        async with self.uow() as uow:
            return await uow.streams.audience_languages()

    async def set_pinned_post(self, stream_id: int, chat_id: int, message_id: int) -> None:
        async with self.uow() as uow:
            await uow.streams.set_pinned(stream_id, chat_id, message_id)
            await uow.commit()

    # -- announcing -----------------------------------------------------------------------------------------------

    async def announce_due(self, now: datetime) -> int:
        """The scheduler job: claim the due announcements, mark those found too late as missed (the merchants are
        told), open a broadcast for the others. How many this call claimed.

        Without a broadcaster (`opener` None) only the missed ones are claimed: the others stay due until one runs."""
        too_late = now - self.grace
        async with self.uow() as uow:
            claimed = await uow.streams.claim_due(now, self.claim_batch, due_before=None if self.opener else too_late)
            stale = await uow.streams.reclaim_stale(now - STALE_CLAIM, now, self.claim_batch) if self.opener else ()
            await uow.commit()
        for announcement in claimed:
            if announcement.due_at < too_late:
                await self._missed(announcement, now)
            else:
                await self._open_or_later(announcement, now)
        for announcement in stale:
            await self._open_or_later(announcement, now)
        return len(claimed)

    async def _open_or_later(self, announcement: Announcement, now: datetime) -> None:
        # One announcement that cannot open now must not hold up the others: it stays claimed, and is taken again
        # once its claim is stale.
        try:
            await self._open(announcement, now)
        except Exception:
            log.exception(
                "could not open the broadcast of announcement %d; trying again later", announcement.announcement_id
            )

    async def _open(self, announcement: Announcement, now: datetime) -> None:
        assert self.opener is not None
        stream = await self.get(announcement.stream_id)
        if stream is None or stream.status not in OPEN:
            async with self.uow() as uow:
                await uow.streams.set_announcement_status(
                    announcement.announcement_id, AnnouncementStatus.SENDING, AnnouncementStatus.CANCELLED, now
                )
                await uow.commit()
            return
        chats = () if stream.chat_id is None else (stream.chat_id,)
        broadcast_id = await self.opener.open(
            BroadcastKind.ANNOUNCEMENT,
            announcement.announcement_id,
            Audience(subscribers=True, chats=chats),
            created_by=stream.created_by,
        )
        async with self.uow() as uow:
            await uow.streams.set_broadcast(announcement.announcement_id, broadcast_id)
            await uow.commit()

    async def _missed(self, announcement: Announcement, now: datetime) -> None:
        async with self.uow() as uow:
            won = await uow.streams.set_announcement_status(
                announcement.announcement_id, AnnouncementStatus.SENDING, AnnouncementStatus.MISSED, now
            )
            stream = await uow.streams.get(announcement.stream_id)
            await uow.commit()
        if not won or stream is None:
            return
        log.warning(
            "announcement %d of stream %d missed (due %s)",
            announcement.announcement_id,
            stream.stream_id,
            announcement.due_at.isoformat(),
        )
        await self._tell_merchants(
            lambda merchant: AnnouncementMissed(
                merchant,
                self.staff_language,
                stream.stream_id,
                stream.title,
                announcement.kind,
                announcement.offset_seconds,
                announcement.due_at,
                stream.timezone,
            )
        )

    async def on_broadcast_finished(self, report: BroadcastReport) -> None:
        """An announcement's broadcast is done: it is sent, and the merchants get the report (once)."""
        if report.kind is not BroadcastKind.ANNOUNCEMENT:
            return
        async with self.uow() as uow:
            won = await uow.streams.set_announcement_status(
                report.reference, AnnouncementStatus.SENDING, AnnouncementStatus.SENT, report.finished_at
            )
            announcement = await uow.streams.announcement(report.reference)
            stream = None if announcement is None else await uow.streams.get(announcement.stream_id)
            await uow.commit()
        if not won or announcement is None or stream is None:
            return
        await self._tell_merchants(
            lambda merchant: AnnouncementReport(
                merchant,
                self.staff_language,
                stream.stream_id,
                stream.title,
                announcement.kind,
                announcement.offset_seconds,
                delivered=report.delivered,  # unconfirmed ones (a crash mid-send) are among them
                blocked=report.blocked,
                failed=report.failed,
                took=report.took,
            )
        )

    async def preview(self, plan: StreamPlan, now: datetime) -> AnnouncementView:
        """The first announcement subscribers would get for a plan not saved yet (its earliest reminder still ahead,
        else "starting now"), for the merchant to see before saving; raises what `plan` would."""
        check_plan(plan, now)
        plan = replace(plan, title=check_title(plan.title))
        async with self.uow() as uow:
            products = await self._products(uow, plan.product_codes)
        due = reminder_schedule(plan.starts_at, self.offsets, now)
        offset, due_at = due[0] if due else (0, now)
        stream = replace(_as_stream(plan), product_codes=tuple(p.code for p in products))
        announcement = Announcement(0, 0, AnnouncementKind.REMINDER, offset, due_at, AnnouncementStatus.PENDING)
        return AnnouncementView(stream, announcement, tuple(_featured(product) for product in products))

    async def announcement_view(self, announcement_id: int) -> AnnouncementView | None:
        """What an announcement shows, in every language: the stream, which message it is, the featured products
        with their lowest price on sale (in the catalogue's currency) and whether any is left."""
        async with self.uow() as uow:
            announcement = await uow.streams.announcement(announcement_id)
            if announcement is None:
                return None
            stream = await uow.streams.get(announcement.stream_id)
            if stream is None:
                return None
            products = [
                await uow.catalogue.get(product_id) for product_id in await uow.streams.product_ids(stream.stream_id)
            ]
        return AnnouncementView(
            stream=stream,
            announcement=announcement,
            products=tuple(_featured(product) for product in products if product is not None),
        )

    # -- helpers --------------------------------------------------------------------------------------------------

    @staticmethod
    async def _stream(uow: UnitOfWork, stream_id: int) -> Stream:
        stream = await uow.streams.get(stream_id)
        if stream is None:
            raise UnknownStream(stream_id)
        return stream

    @staticmethod
    async def _products(uow: UnitOfWork, codes: Sequence[str]) -> list[Product]:
        """The products the codes name, in order and without repeats; codes match whatever their case."""
        wanted = list(dict.fromkeys(code.strip().upper() for code in codes if code.strip()))
        if len(wanted) > MAX_PRODUCTS:
            raise TooManyProducts(len(wanted))
        found = [await uow.catalogue.get_by_code(code) for code in wanted]
        unknown = [code for code, product in zip(wanted, found, strict=True) if product is None]
        if unknown:
            raise UnknownProducts(unknown)
        return [product for product in found if product is not None]

    async def _tell_merchants(self, notice_for: Any) -> None:
        for merchant in await merchant_ids_of(self.merchant_ids):
            notice: Notice = notice_for(merchant)
            try:
                await self.notifier.send(notice)
            except Exception:  # one merchant unreachable must not keep the others uninformed
                log.exception("could not tell merchant %d about stream %d", merchant, getattr(notice, "stream_id", 0))


def _as_plan(stream: Stream) -> StreamPlan:
    return StreamPlan(
        title=stream.title,
        starts_at=stream.starts_at,
        duration=stream.duration,
        product_codes=stream.product_codes,
        timezone=stream.timezone,
    )


def _as_stream(plan: StreamPlan) -> Stream:
    """A plan as the stream it would be once saved (id 0: not saved)."""
    return Stream(
        stream_id=0,
        title=plan.title,
        starts_at=plan.starts_at,
        duration=plan.duration,
        status=StreamStatus.SCHEDULED,
        timezone=plan.timezone,
        product_codes=plan.product_codes,
        titles=dict(plan.titles),
        link=plan.link,
        chat_id=plan.chat_id,
        created_by=plan.created_by,
    )


def _featured(product: Product) -> FeaturedProduct:
    on_sale = [sku for sku in product.skus]
    cheapest = min(on_sale, key=lambda sku: sku.price.amount_minor, default=None)
    return FeaturedProduct(
        product_id=product.id,
        code=product.code,
        title=product.title,
        price=None if cheapest is None else cheapest.price,
        in_stock=product.total_stock > 0,
        titles={language: title for language, (title, _) in product.translations.items() if title},
    )
