"""In-memory fakes of the ports in bot/ports.py: a shop "database" whose units of work commit or leave no trace."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self

from bot.domain.buyer import Buyer, Role
from bot.domain.catalog import Product, ProductSummary, Sku
from bot.domain.catalog_file import ImportReport, ProductRow, SkuChange, changed_fields, listing
from bot.domain.keyword import IndexedProduct, IndexedVariant
from bot.domain.money import Money
from bot.domain.orders import SkuRef
from bot.domain.product_match import NamedProduct
from bot.domain.roles import RoleGrant
from bot.domain.streams import (
    Announcement,
    AnnouncementKind,
    AnnouncementStatus,
    Stream,
    StreamOrder,
    StreamPlan,
    StreamStatus,
)
from bot.ports import BuyerRepository, CatalogueRepository, RoleRepository, StreamRepository


@dataclass
class ShopData:
    """Everything the fake database holds; retired products and SKUs stay, hidden, as in the real one."""

    products: dict[str, Product] = field(default_factory=dict)
    retired_products: set[str] = field(default_factory=set)
    buyers: dict[int, Buyer] = field(default_factory=dict)
    streams: dict[int, Stream] = field(default_factory=dict)
    stream_products: dict[int, list[int]] = field(default_factory=dict)
    announcements: dict[int, Announcement] = field(default_factory=dict)
    claimed_at: dict[int, datetime] = field(default_factory=dict)
    broadcasts: dict[int, int] = field(default_factory=dict)
    stream_orders: dict[int, list[StreamOrder]] = field(default_factory=dict)
    last_products: dict[int, int] = field(default_factory=dict)
    grants: dict[tuple[int, Role], RoleGrant] = field(default_factory=dict)
    next_id: int = 1
    version: int = 0

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


class FakeCatalogueRepository:
    def __init__(self, data: ShopData) -> None:
        self.data = data

    def _active(self) -> list[Product]:
        return sorted(
            (product for code, product in self.data.products.items() if code not in self.data.retired_products),
            key=lambda product: product.code,
        )

    async def count_active(self) -> int:
        return len(self._active())

    async def page(self, offset: int, limit: int, language: str) -> Sequence[ProductSummary]:
        return [
            ProductSummary(id=p.id, code=p.code, title=p.title_in(language), total_stock=p.total_stock)
            for p in self._active()[offset : offset + limit]
        ]

    async def get(self, product_id: int) -> Product | None:
        return next((product for product in self._active() if product.id == product_id), None)

    async def get_by_code(self, code: str) -> Product | None:
        return next((product for product in self._active() if product.code == code.upper()), None)

    async def coded_products(self) -> Sequence[IndexedProduct]:
        return [
            IndexedProduct(p.id, p.code, tuple(IndexedVariant(sku.id, sku.variant, dict(sku.names)) for sku in p.skus))
            for p in self._active()
            if p.skus
        ]

    async def named_products(self) -> Sequence[NamedProduct]:
        return [
            NamedProduct(
                p.id,
                p.code,
                {"": p.title} | {language: titles[0] for language, titles in p.translations.items() if titles[0]},
                tuple(
                    dict.fromkeys(name for sku in p.skus if sku.variant for name in (sku.variant, *sku.names.values()))
                ),
            )
            for p in self._active()
        ]

    async def sku_in_stock(self) -> SkuRef | None:
        in_stock = [
            (not sku.variant, product.code, position, sku, product)
            for product in self._active()
            for position, sku in enumerate(product.skus)
            if sku.stock > 0
        ]
        if not in_stock:
            return None
        *_, sku, product = min(in_stock, key=lambda found: found[:3])
        return SkuRef(sku.id, product.id, product.code, sku.variant, sku.price, sku.stock)

    async def version(self) -> int:
        return self.data.version

    async def bump_version(self) -> None:
        self.data.version += 1

    async def upsert(self, rows: Sequence[ProductRow]) -> ImportReport:
        """Update by (code, variant); what left the file is retired (hidden), as the SQL repository does. No unit is
        ever held here, so a SKU's stock is what the file said."""
        created: list[SkuChange] = []
        updated: list[SkuChange] = []
        restored: list[SkuChange] = []
        retired: list[SkuChange] = []
        unchanged = 0
        listed = {row.code for row in rows}
        for code, product in self.data.products.items():
            if code not in listed and code not in self.data.retired_products:
                self.data.retired_products.add(code)
                retired += [SkuChange(code, sku.variant) for sku in product.skus]
        for row in rows:
            old = self.data.products.get(row.code)
            was_listed = old is not None and row.code not in self.data.retired_products
            product_id = old.id if old else self.data.new_id()
            old_skus = {sku.variant: (position, sku) for position, sku in enumerate(old.skus if old else ())}
            skus = []
            for position, sku_row in enumerate(row.skus):
                change = SkuChange(row.code, sku_row.variant)
                before = old_skus.pop(sku_row.variant, None)
                if before is None:
                    created.append(change)
                elif not was_listed:
                    restored.append(change)
                else:
                    assert old is not None
                    was, sku = before
                    fields = changed_fields(
                        listing(*_shown(old), sku.price, sku.stock, was, sku.names),
                        listing(*_shown(row), sku_row.price, sku_row.stock, position, sku_row.names),
                    )
                    if fields:
                        updated.append(SkuChange(row.code, sku_row.variant, fields))
                    else:
                        unchanged += 1
                sku_id = before[1].id if before else self.data.new_id()
                skus.append(Sku(sku_id, product_id, sku_row.variant, sku_row.price, sku_row.stock, dict(sku_row.names)))
            if was_listed:
                retired += [SkuChange(row.code, sku.variant) for _, sku in old_skus.values()]
            self.data.retired_products.discard(row.code)
            self.data.products[row.code] = Product(
                id=product_id,
                code=row.code,
                title=row.title,
                description=row.description,
                image_url=row.image_url,
                ships_to=row.ships_to,
                skus=tuple(skus),
                translations=dict(row.translations),
            )
        return ImportReport(
            products=len(rows),
            created=tuple(created),
            updated=tuple(updated),
            unchanged=unchanged,
            retired=tuple(retired),
            restored=tuple(restored),
        )


def _shown(product: Product | ProductRow) -> tuple[str, str, str, frozenset[str], dict[str, tuple[str, str]]]:
    return product.title, product.description, product.image_url, product.ships_to, product.translations


class FakeBuyerRepository:
    def __init__(self, data: ShopData) -> None:
        self.data = data

    async def get(self, telegram_id: int) -> Buyer | None:
        return self.data.buyers.get(telegram_id)

    async def add(self, buyer: Buyer) -> None:
        if buyer.telegram_id in self.data.buyers:
            raise ValueError(f"buyer {buyer.telegram_id} already exists")  # the real table's primary key
        self.data.buyers[buyer.telegram_id] = buyer

    async def add_if_missing(self, buyer: Buyer) -> None:
        self.data.buyers.setdefault(buyer.telegram_id, buyer)

    def _change(self, telegram_id: int, **changes: object) -> None:
        # Like an UPDATE ... WHERE telegram_id = ...: an unknown buyer is no error and no change.
        buyer = self.data.buyers.get(telegram_id)
        if buyer is not None:
            self.data.buyers[telegram_id] = replace(buyer, **changes)  # type: ignore[arg-type]

    async def set_language(self, telegram_id: int, language: str) -> None:
        self._change(telegram_id, language=language)

    async def set_country(self, telegram_id: int, country: str | None) -> None:
        self._change(telegram_id, country=country)

    async def set_currency(self, telegram_id: int, currency: str | None) -> None:
        self._change(telegram_id, currency=currency)

    async def set_region(self, telegram_id: int, region: str | None) -> None:
        self._change(telegram_id, region=region)

    async def set_started(self, telegram_id: int) -> None:
        self._change(telegram_id, started=True)

    async def set_blocked(self, telegram_id: int, blocked: bool) -> None:
        self._change(telegram_id, blocked=blocked)

    async def set_timezone(self, telegram_id: int, timezone: str | None) -> None:
        self._change(telegram_id, timezone=timezone)

    async def set_subscribed(self, telegram_id: int, subscribed: bool) -> bool:
        buyer = self.data.buyers.get(telegram_id)
        if buyer is None or buyer.subscribed == subscribed:
            return False
        self._change(telegram_id, subscribed=subscribed)
        return True

    async def last_product(self, telegram_id: int) -> int | None:
        return self.data.last_products.get(telegram_id)

    async def set_last_product(self, telegram_id: int, product_id: int) -> None:
        if telegram_id in self.data.buyers:
            self.data.last_products[telegram_id] = product_id

    async def get_seen(self, telegram_id: int) -> tuple[Buyer | None, frozenset[Role]]:
        granted = frozenset(role for held_by, role in self.data.grants if held_by == telegram_id)
        return self.data.buyers.get(telegram_id), granted

    async def set_username(self, telegram_id: int, username: str | None) -> None:
        for other in self.data.buyers.values():
            if username is not None and other.username == username and other.telegram_id != telegram_id:
                self._change(other.telegram_id, username=None)
        self._change(telegram_id, username=username)

    async def by_username(self, username: str) -> Buyer | None:
        return next((buyer for buyer in self.data.buyers.values() if buyer.username == username), None)


class FakeRoleRepository:
    """Grants in memory, keyed like the real table's primary key."""

    def __init__(self, data: ShopData) -> None:
        self.data = data

    async def granted(self, telegram_id: int) -> frozenset[Role]:
        return frozenset(role for held_by, role in self.data.grants if held_by == telegram_id)

    async def grant(self, telegram_id: int, role: Role, granted_by: int | None, now: datetime) -> bool:
        if (telegram_id, role) in self.data.grants:
            return False
        self.data.grants[telegram_id, role] = RoleGrant(telegram_id, role, granted_by, now)
        return True

    async def revoke(self, telegram_id: int, role: Role) -> bool:
        return self.data.grants.pop((telegram_id, role), None) is not None

    async def grants(self) -> Sequence[RoleGrant]:
        return sorted(self.data.grants.values(), key=lambda grant: (grant.role, grant.granted_at, grant.telegram_id))


class FakeStreamRepository:
    """Streams and announcements in memory, with the real repository's conditional moves."""

    def __init__(self, data: ShopData) -> None:
        self.data = data

    async def add(self, plan: StreamPlan, product_ids: Sequence[int], now: datetime) -> int:
        stream_id = self.data.new_id()
        self.data.streams[stream_id] = Stream(
            stream_id=stream_id,
            title=plan.title,
            starts_at=plan.starts_at,
            duration=plan.duration,
            status=StreamStatus.SCHEDULED,
            timezone=plan.timezone,
            product_codes=(),
            titles=dict(plan.titles),
            link=plan.link,
            chat_id=plan.chat_id,
            created_by=plan.created_by,
        )
        await self.set_products(stream_id, product_ids)
        return stream_id

    async def set_products(self, stream_id: int, product_ids: Sequence[int]) -> None:
        self.data.stream_products[stream_id] = list(product_ids)

    async def get(self, stream_id: int) -> Stream | None:
        stream = self.data.streams.get(stream_id)
        if stream is None:
            return None
        codes = {product.id: product.code for product in self.data.products.values()}
        return replace(stream, product_codes=tuple(codes[i] for i in self.data.stream_products.get(stream_id, [])))

    async def listed(self, statuses: Sequence[StreamStatus]) -> Sequence[Stream]:
        found = [await self.get(i) for i, s in self.data.streams.items() if s.status in statuses]
        return sorted((s for s in found if s is not None), key=lambda s: (s.starts_at, s.stream_id))

    async def audience_languages(self) -> Sequence[str]:
        reachable = [b.language for b in self.data.buyers.values() if b.subscribed and b.started and not b.blocked]
        counts = Counter(reachable)
        return sorted(counts, key=lambda language: (-counts[language], language))

    async def live(self, chat_id: int | None = None) -> Stream | None:
        live = sorted(
            await self.listed([StreamStatus.LIVE]), key=lambda s: (s.live_at or s.starts_at, s.stream_id), reverse=True
        )
        if chat_id is None:
            return live[0] if live else None
        own = [s for s in live if s.chat_id == chat_id] or [s for s in live if s.chat_id is None]
        return own[0] if own else None

    async def product_ids(self, stream_id: int) -> Sequence[int]:
        return list(self.data.stream_products.get(stream_id, []))

    async def set_details(self, stream_id: int, values: Mapping[str, object]) -> None:
        changes = dict(values)
        if "duration_seconds" in changes:
            changes["duration"] = timedelta(seconds=int(changes.pop("duration_seconds")))  # type: ignore[call-overload]
        self.data.streams[stream_id] = replace(self.data.streams[stream_id], **changes)  # type: ignore[arg-type]

    async def set_start(self, stream_id: int, starts_at: datetime) -> bool:
        stream = self.data.streams[stream_id]
        if stream.status is not StreamStatus.SCHEDULED:
            return False
        self.data.streams[stream_id] = replace(stream, starts_at=starts_at)
        return True

    async def set_status(self, stream_id: int, old: StreamStatus, new: StreamStatus, now: datetime) -> bool:
        stream = self.data.streams[stream_id]
        if stream.status is not old:
            return False
        stream = replace(stream, status=new)
        if new is StreamStatus.LIVE:
            stream = replace(stream, live_at=now)
        elif new in (StreamStatus.ENDED, StreamStatus.CANCELLED):
            stream = replace(stream, ended_at=now)
        self.data.streams[stream_id] = stream
        return True

    async def set_pinned(self, stream_id: int, chat_id: int, message_id: int) -> None:
        stream = self.data.streams[stream_id]
        self.data.streams[stream_id] = replace(stream, pinned_chat_id=chat_id, pinned_message_id=message_id)

    async def schedule(self, stream_id: int, kind: AnnouncementKind, due: Sequence[tuple[int, datetime]]) -> None:
        for offset, due_at in due:
            known = next(
                (
                    a
                    for a in self.data.announcements.values()
                    if (a.stream_id, a.kind, a.offset_seconds) == (stream_id, kind, offset)
                ),
                None,
            )
            if known is None:
                new_id = self.data.new_id()
                self.data.announcements[new_id] = Announcement(
                    new_id, stream_id, kind, offset, due_at, AnnouncementStatus.PENDING
                )
            elif known.status in (AnnouncementStatus.PENDING, AnnouncementStatus.CANCELLED):
                self.data.announcements[known.announcement_id] = replace(
                    known, due_at=due_at, status=AnnouncementStatus.PENDING
                )

    async def cancel_pending(
        self, stream_id: int, keep: Sequence[int] = (), kind: AnnouncementKind | None = None
    ) -> int:
        cancelled = 0
        for a in list(self.data.announcements.values()):
            if a.stream_id != stream_id or a.status is not AnnouncementStatus.PENDING:
                continue
            if (kind is not None and a.kind is not kind) or (
                a.kind is AnnouncementKind.REMINDER and a.offset_seconds in keep
            ):
                continue
            self.data.announcements[a.announcement_id] = replace(a, status=AnnouncementStatus.CANCELLED)
            cancelled += 1
        return cancelled

    async def announcement(self, announcement_id: int) -> Announcement | None:
        return self.data.announcements.get(announcement_id)

    async def announcements(self, stream_id: int) -> Sequence[Announcement]:
        return sorted(
            (a for a in self.data.announcements.values() if a.stream_id == stream_id),
            key=lambda a: (a.due_at, a.announcement_id),
        )

    async def claim_due(self, now: datetime, limit: int, due_before: datetime | None = None) -> Sequence[Announcement]:
        until = now if due_before is None else due_before
        due = sorted(
            (
                a
                for a in self.data.announcements.values()
                if a.status is AnnouncementStatus.PENDING and a.due_at <= until
            ),
            key=lambda a: (a.due_at, a.announcement_id),
        )[:limit]
        for a in due:
            self.data.announcements[a.announcement_id] = replace(a, status=AnnouncementStatus.SENDING)
            self.data.claimed_at[a.announcement_id] = now
        return [self.data.announcements[a.announcement_id] for a in due]

    async def reclaim_stale(self, claimed_before: datetime, now: datetime, limit: int) -> Sequence[Announcement]:
        stale = [
            a
            for a in self.data.announcements.values()
            if a.status is AnnouncementStatus.SENDING
            and a.announcement_id not in self.data.broadcasts
            and self.data.claimed_at.get(a.announcement_id, now) < claimed_before
        ][:limit]
        for a in stale:
            self.data.claimed_at[a.announcement_id] = now
        return stale

    async def set_broadcast(self, announcement_id: int, broadcast_id: int) -> None:
        self.data.broadcasts[announcement_id] = broadcast_id

    async def set_announcement_status(
        self, announcement_id: int, old: AnnouncementStatus, new: AnnouncementStatus, now: datetime
    ) -> bool:
        known = self.data.announcements.get(announcement_id)
        if known is None or known.status is not old:
            return False
        self.data.announcements[announcement_id] = replace(known, status=new)
        return True

    async def orders(self, stream_id: int) -> Sequence[StreamOrder]:
        return list(self.data.stream_orders.get(stream_id, []))


class FakeUnitOfWork:
    """Works on a copy of the shop's data; only `commit` publishes it, like a transaction."""

    catalogue: CatalogueRepository
    buyers: BuyerRepository
    streams: StreamRepository
    roles: RoleRepository

    def __init__(self, shop: FakeShop) -> None:
        self.shop = shop

    async def __aenter__(self) -> Self:
        self._working = copy.deepcopy(self.shop.data)
        self.catalogue = FakeCatalogueRepository(self._working)
        self.buyers = FakeBuyerRepository(self._working)
        self.streams = FakeStreamRepository(self._working)
        self.roles = FakeRoleRepository(self._working)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Uncommitted changes die with the working copy."""

    async def commit(self) -> None:
        self.shop.data = copy.deepcopy(self._working)
        self.shop.commits += 1

    async def rollback(self) -> None:
        self._working.__dict__.update(copy.deepcopy(self.shop.data).__dict__)


class FakeShop:
    """The unit-of-work factory services receive, plus what tests look at afterwards."""

    def __init__(self) -> None:
        self.data = ShopData()
        self.commits = 0

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def add_product(
        self,
        code: str,
        title: str = "",
        variants: Sequence[tuple[str, int]] = (("", 5),),
        price: Money = Money(1990, "EUR"),
        translations: dict[str, tuple[str, str]] | None = None,
    ) -> Product:
        product_id = self.data.new_id()
        skus = tuple(Sku(self.data.new_id(), product_id, variant, price, stock) for variant, stock in variants)
        product = Product(
            id=product_id,
            code=code,
            title=title or f"Product {code}",
            description="",
            image_url="",
            ships_to=frozenset({"*"}),
            skus=skus,
            translations=translations or {},
        )
        self.data.products[code] = product
        self.data.version += 1
        return product
