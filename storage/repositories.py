"""Repositories: rows in, domain objects out. They never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, fields

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.buyer import Buyer, Role
from bot.domain.catalog import Product, ProductSummary, Sku
from bot.domain.catalog_file import ImportReport, ProductRow, SkuChange, changed_fields, listing
from bot.domain.keyword import IndexedProduct, IndexedVariant
from bot.domain.money import Money
from bot.domain.orders import RESERVING_STATUSES, SkuRef
from bot.domain.product_match import NamedProduct
from storage.tables import (
    BuyerTable,
    ProductTable,
    ProductTranslationTable,
    SkuTable,
    buyers,
    catalogue_versions,
    lines,
    orders,
    products,
    role_grants,
    skus,
    translations,
    utcnow,
)

# Orders whose units are taken off `sku.stock` but not sold yet.
RESERVING = [status.value for status in RESERVING_STATUSES]


# The columns an import writes from the file, besides the keys and the stock.
PRODUCT_LISTING = ("title", "description", "image_url", "ships_to", "active", "updated_at")
SKU_LISTING = ("price_minor", "currency", "position", "variant_names", "active", "updated_at")


def _ships_to(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _bound(values: dict[str, object]) -> dict[str, object]:
    """Values for an executemany UPDATE, under `b_` names: a column's own name is SQLAlchemy's to bind."""
    return {f"b_{name}": value for name, value in values.items()}


class SqlCatalogueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count_active(self) -> int:
        result = await self.session.exec(
            select(sa.func.count()).select_from(ProductTable).where(col(ProductTable.active).is_(True))
        )
        return int(result.one())

    async def page(self, offset: int, limit: int, language: str) -> Sequence[ProductSummary]:
        stock = (
            select(sa.func.coalesce(sa.func.sum(SkuTable.stock), 0))
            .where(SkuTable.product_id == ProductTable.id, col(SkuTable.active).is_(True))
            .scalar_subquery()
        )
        translated = sa.func.nullif(ProductTranslationTable.title, "")
        query = (
            select(ProductTable.id, ProductTable.code, ProductTable.title, translated, stock)
            .outerjoin(
                ProductTranslationTable,
                sa.and_(
                    ProductTranslationTable.product_id == ProductTable.id,
                    ProductTranslationTable.language == language,
                ),
            )
            .where(col(ProductTable.active).is_(True))
            .order_by(ProductTable.code)
            .offset(offset)
            .limit(limit)
        )
        rows = (await self.session.exec(query)).all()
        return [
            ProductSummary(id=pid, code=code, title=local or title, total_stock=int(total))
            for pid, code, title, local, total in rows
        ]

    async def get(self, product_id: int) -> Product | None:
        return await self._load(products.c.id == product_id)

    async def get_by_code(self, code: str) -> Product | None:
        return await self._load(products.c.code == code.upper())

    async def _load(self, which: sa.ColumnElement[bool]) -> Product | None:
        # Core, two statements (the product with its SKUs, then its texts): a keyword order looks a product up
        # by code every time, thousands at once in a flash sale.
        connection = await self.session.connection()
        rows = (
            await connection.execute(
                sa.select(
                    products,
                    skus.c.id.label("sku_id"),
                    skus.c.variant,
                    skus.c.price_minor,
                    skus.c.currency,
                    skus.c.stock,
                    skus.c.variant_names,
                )
                .outerjoin(skus, sa.and_(skus.c.product_id == products.c.id, skus.c.active.is_(True)))
                .where(which, products.c.active.is_(True))
                .order_by(skus.c.position, skus.c.id)
            )
        ).all()
        if not rows:
            return None
        row = rows[0]
        texts = await connection.execute(
            sa.select(translations.c.language, translations.c.title, translations.c.description).where(
                translations.c.product_id == row.id
            )
        )
        return Product(
            id=row.id,
            code=row.code,
            title=row.title,
            description=row.description,
            image_url=row.image_url,
            ships_to=_ships_to(row.ships_to),
            skus=tuple(
                Sku(
                    id=sku.sku_id,
                    product_id=row.id,
                    variant=sku.variant,
                    price=Money(sku.price_minor, sku.currency),
                    stock=sku.stock,
                    names=dict(sku.variant_names),
                )
                for sku in rows
                if sku.sku_id is not None
            ),
            translations={language: (title, description) for language, title, description in texts},
        )

    async def coded_products(self) -> Sequence[IndexedProduct]:
        connection = await self.session.connection()
        rows = await connection.execute(
            sa.select(products.c.id, products.c.code, skus.c.id.label("sku_id"), skus.c.variant, skus.c.variant_names)
            .join(skus, skus.c.product_id == products.c.id)
            .where(products.c.active.is_(True), skus.c.active.is_(True))
            .order_by(products.c.code, skus.c.position, skus.c.id)
        )
        found: dict[int, IndexedProduct] = {}
        for row in rows:
            product = found.get(row.id) or IndexedProduct(row.id, row.code, ())
            found[row.id] = IndexedProduct(
                row.id,
                row.code,
                (*product.variants, IndexedVariant(row.sku_id, row.variant, dict(row.variant_names or {}))),
            )
        return list(found.values())

    async def named_products(self) -> Sequence[NamedProduct]:
        connection = await self.session.connection()
        active = products.c.active.is_(True)
        titles: dict[int, dict[str, str]] = {}
        codes: dict[int, str] = {}
        for row in await connection.execute(sa.select(products.c.id, products.c.code, products.c.title).where(active)):
            codes[row.id] = row.code
            titles[row.id] = {"": row.title}
        translated = sa.select(translations.c.product_id, translations.c.language, translations.c.title).join(
            products, products.c.id == translations.c.product_id
        )
        for row in await connection.execute(translated.where(active, translations.c.title != "")):
            titles[row.product_id][row.language] = row.title
        variants: dict[int, list[str]] = {}
        named_skus = sa.select(skus.c.product_id, skus.c.variant, skus.c.variant_names).join(
            products, products.c.id == skus.c.product_id
        )
        for row in await connection.execute(named_skus.where(active, skus.c.active.is_(True), skus.c.variant != "")):
            variants.setdefault(row.product_id, []).extend([row.variant, *(row.variant_names or {}).values()])
        return [
            NamedProduct(
                product_id, codes[product_id], titles[product_id], tuple(dict.fromkeys(variants.get(product_id, ())))
            )
            for product_id in sorted(codes, key=codes.__getitem__)
        ]

    async def sku_in_stock(self) -> SkuRef | None:
        connection = await self.session.connection()
        row = (
            await connection.execute(
                sa.select(skus, products.c.code)
                .join(products, products.c.id == skus.c.product_id)
                .where(products.c.active.is_(True), skus.c.active.is_(True), skus.c.stock > 0)
                .order_by((skus.c.variant == "").asc(), products.c.code, skus.c.position, skus.c.id)
                .limit(1)
            )
        ).first()
        if row is None:
            return None
        return SkuRef(row.id, row.product_id, row.code, row.variant, Money(row.price_minor, row.currency), row.stock)

    async def version(self) -> int:
        connection = await self.session.connection()
        found = await connection.scalar(sa.select(catalogue_versions.c.version).where(catalogue_versions.c.id == 1))
        return int(found or 0)

    async def bump_version(self) -> None:
        connection = await self.session.connection()
        await connection.execute(
            sa.update(catalogue_versions)
            .where(catalogue_versions.c.id == 1)
            .values(version=catalogue_versions.c.version + 1, updated_at=utcnow())
        )

    async def upsert(self, rows: Sequence[ProductRow]) -> ImportReport:
        """Update by (code, variant); what left the file is retired (hidden), never deleted. Only what differs from
        the file is written, and the report names it.

        A few statements whatever the file's size: the catalogue is read once, then each kind of write is one
        executemany, so a big import holds the write lock for as short a time as it can (bench/catalog_import.py)."""
        now = utcnow()
        connection = await self.session.connection()
        existing = {p.code: p for p in await connection.execute(sa.select(products))}
        existing_skus = {
            (s.product_id, s.variant): s for s in await connection.execute(sa.select(skus).order_by(skus.c.id))
        }
        stored_texts: dict[int, dict[str, tuple[str, str]]] = {}
        for text in await connection.execute(sa.select(translations)):
            stored_texts.setdefault(text.product_id, {})[text.language] = (text.title, text.description)
        unsold = await self._unsold()

        def product_values(row: ProductRow) -> dict[str, object]:
            return {
                "title": row.title,
                "description": row.description,
                "image_url": row.image_url,
                "ships_to": " ".join(sorted(row.ships_to)),
                "active": True,
                "updated_at": now,
            }

        new_products = [{"code": row.code, **product_values(row)} for row in rows if row.code not in existing]
        if new_products:
            await connection.execute(sa.insert(products), new_products)
        product_ids = {
            code: product_id for code, product_id in await connection.execute(sa.select(products.c.code, products.c.id))
        }

        product_updates: list[dict[str, object]] = []
        texts_replaced: list[dict[str, object]] = []
        texts_written: list[dict[str, object]] = []
        sku_inserts: list[dict[str, object]] = []
        sku_updates: list[dict[str, object]] = []
        created: list[SkuChange] = []
        updated: list[SkuChange] = []
        restored: list[SkuChange] = []
        unchanged = 0
        kept_skus: set[int] = set()
        for row in rows:
            product_id = product_ids[row.code]
            stored = existing.get(row.code)
            listed_before = stored is not None and stored.active
            texts_before = stored_texts.get(product_id, {})
            # What the product showed before this import, for the report (a new product's SKUs are all created).
            shown_before = (
                (stored.title, stored.description, stored.image_url, frozenset(stored.ships_to.split()), texts_before)
                if stored is not None
                else None
            )
            shown = (row.title, row.description, row.image_url, row.ships_to, row.translations)
            if stored is not None and (shown != shown_before or not listed_before):
                product_updates.append(_bound(product_values(row)) | {"b_id": product_id})
            if texts_before != row.translations:
                if stored is not None:
                    texts_replaced.append({"b_product_id": product_id})
                texts_written.extend(
                    {"product_id": product_id, "language": language, "title": title, "description": description}
                    for language, (title, description) in row.translations.items()
                )
            for position, sku_row in enumerate(row.skus):
                values = {
                    "price_minor": sku_row.price.amount_minor,
                    "currency": sku_row.price.currency,
                    "position": position,
                    "variant_names": dict(sku_row.names),
                    "active": True,
                    "updated_at": now,
                }
                sku = existing_skus.get((product_id, sku_row.variant))
                if sku is None:
                    # A new SKU is in no cart: all the file's units are on sale.
                    sku_inserts.append(
                        {"product_id": product_id, "variant": sku_row.variant, "stock": sku_row.stock, "owed": 0}
                        | values
                    )
                    created.append(SkuChange(row.code, sku_row.variant))
                    continue
                if not (sku.active and listed_before):
                    restored.append(SkuChange(row.code, sku_row.variant))
                else:
                    assert shown_before is not None
                    before = listing(
                        *shown_before,
                        Money(sku.price_minor, sku.currency),
                        unsold.get(sku.id, sku.stock),
                        sku.position,
                        sku.variant_names,
                    )
                    after = listing(*shown, sku_row.price, sku_row.stock, position, sku_row.names)
                    fields = changed_fields(before, after)
                    if not fields:
                        unchanged += 1
                        kept_skus.add(sku.id)
                        continue
                    updated.append(SkuChange(row.code, sku_row.variant, fields))
                kept_skus.add(sku.id)
                sku_updates.append(_bound(values) | {"b_id": sku.id, "b_in_file": sku_row.stock})

        if product_updates:
            await connection.execute(
                sa.update(products)
                .where(products.c.id == sa.bindparam("b_id"))
                .values({name: sa.bindparam(f"b_{name}", type_=products.c[name].type) for name in PRODUCT_LISTING}),
                product_updates,
            )
        if texts_replaced:
            await connection.execute(
                sa.delete(translations).where(translations.c.product_id == sa.bindparam("b_product_id")), texts_replaced
            )
        if texts_written:
            await connection.execute(sa.insert(translations), texts_written)
        if sku_inserts:
            await connection.execute(sa.insert(skus), sku_inserts)
        if sku_updates:
            await connection.execute(self._relisted_skus(), sku_updates)
        listed = {row.code for row in rows}
        retired_products = [
            {"b_id": product.id} for code, product in existing.items() if code not in listed and product.active
        ]
        codes = {product.id: code for code, product in existing.items()}
        retired_skus = [sku for sku in existing_skus.values() if sku.id not in kept_skus and sku.active]
        for table, retiring in ((products, retired_products), (skus, [{"b_id": sku.id} for sku in retired_skus])):
            if retiring:
                await connection.execute(
                    sa.update(table).where(table.c.id == sa.bindparam("b_id")).values(active=False), retiring
                )
        return ImportReport(
            products=len(rows),
            created=tuple(created),
            updated=tuple(updated),
            unchanged=unchanged,
            retired=tuple(SkuChange(codes[sku.product_id], sku.variant) for sku in retired_skus),
            restored=tuple(restored),
        )

    @staticmethod
    def _relisted_skus() -> sa.Update:
        """A SKU the file lists again or differently, one executemany for all. The file counts units not yet sold;
        `sku.stock` is what is left to reserve, so carts and unpaid orders keep their units through a re-import (in
        the same statement, so a reservation made meanwhile is counted). `owed` keeps what carts hold beyond the
        file's count from going back on sale when their holds end."""
        reserved = (
            sa.select(sa.func.coalesce(sa.func.sum(lines.c.quantity), 0))
            .join(orders, orders.c.id == lines.c.order_id)
            # One bound value per status: a list bound as one ("expanding") cannot be used by an executemany.
            .where(lines.c.sku_id == skus.c.id, orders.c.status.in_([sa.literal(status) for status in RESERVING]))
            .scalar_subquery()
        )
        left = sa.bindparam("b_in_file", type_=sa.Integer) - reserved
        return (
            sa.update(skus)
            .where(skus.c.id == sa.bindparam("b_id"))
            .values(
                {name: sa.bindparam(f"b_{name}", type_=skus.c[name].type) for name in SKU_LISTING}
                # Fewer units in the file than carts hold: none on sale, and the difference is owed by the holds.
                | {"stock": sa.case((left > 0, left), else_=0), "owed": sa.case((left < 0, -left), else_=0)}
            )
        )

    async def _unsold(self) -> dict[int, int]:
        """Units not yet sold by SKU, as a file counts them: on sale, plus held by carts and unpaid orders, less
        what those holds owe (see `_relisted_skus`). Only SKUs with units held are listed; for the rest it is
        `sku.stock`."""
        connection = await self.session.connection()
        held = await connection.execute(
            sa.select(skus.c.id, skus.c.stock + sa.func.sum(lines.c.quantity) - skus.c.owed)
            .join(lines, lines.c.sku_id == skus.c.id)
            .join(orders, orders.c.id == lines.c.order_id)
            .where(orders.c.status.in_(RESERVING))
            .group_by(skus.c.id, skus.c.stock, skus.c.owed)
        )
        return {sku_id: int(units) for sku_id, units in held}


# A buyer's fields are the buyer table's columns (besides created_at): asdict() one way, this the other.
BUYER_FIELDS = tuple(field.name for field in fields(Buyer))

# Read on every update's way in (BuyerService.register_with_roles): the buyer row and their granted roles, one
# statement (a correlated aggregate). Built once with a bound parameter: building the statement and its cache key
# anew each time cost about as much as running it (docs/throughput.md).
BUYER_SEEN = sa.select(
    buyers,
    sa.select(sa.func.aggregate_strings(role_grants.c.role, ","))
    .where(role_grants.c.telegram_id == buyers.c.telegram_id)
    .scalar_subquery()
    .label("granted_roles"),
).where(buyers.c.telegram_id == sa.bindparam("telegram_id"))


class SqlBuyerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def last_product(self, telegram_id: int) -> int | None:
        connection = await self.session.connection()
        query = sa.select(buyers.c.last_product_id).where(buyers.c.telegram_id == telegram_id)
        product_id: int | None = (await connection.execute(query)).scalar()
        return product_id

    async def set_last_product(self, telegram_id: int, product_id: int) -> None:
        connection = await self.session.connection()
        await connection.execute(
            sa.update(buyers).where(buyers.c.telegram_id == telegram_id).values(last_product_id=product_id)
        )

    async def get(self, telegram_id: int) -> Buyer | None:
        # Core, not session.get: read on every update (language, register, prices), with no ORM state to keep.
        connection = await self.session.connection()
        row = (await connection.execute(sa.select(buyers).where(buyers.c.telegram_id == telegram_id))).first()
        if row is None:
            return None
        return Buyer(**{name: row._mapping[name] for name in BUYER_FIELDS})

    async def get_seen(self, telegram_id: int) -> tuple[Buyer | None, frozenset[Role]]:
        connection = await self.session.connection()
        row = (await connection.execute(BUYER_SEEN, {"telegram_id": telegram_id})).first()
        if row is None:
            return None, frozenset()
        roles = frozenset(Role(role) for role in (row.granted_roles or "").split(",") if role)
        return Buyer(**{name: row._mapping[name] for name in BUYER_FIELDS}), roles

    async def add(self, buyer: Buyer) -> None:
        connection = await self.session.connection()
        await connection.execute(sa.insert(buyers).values(**asdict(buyer), created_at=utcnow()))

    async def add_if_missing(self, buyer: Buyer) -> None:
        insert = (postgresql.insert if self.session.get_bind().dialect.name == "postgresql" else sqlite.insert)(buyers)
        connection = await self.session.connection()
        await connection.execute(
            insert.values(**asdict(buyer), created_at=utcnow()).on_conflict_do_nothing(index_elements=["telegram_id"])
        )

    async def set_language(self, telegram_id: int, language: str) -> None:
        await self.session.exec(
            sa.update(BuyerTable)  # type: ignore[call-overload]
            .where(col(BuyerTable.telegram_id) == telegram_id)
            .values(language=language)
        )

    async def set_country(self, telegram_id: int, country: str | None) -> None:
        await self._set(telegram_id, country=country)

    async def set_currency(self, telegram_id: int, currency: str | None) -> None:
        await self._set(telegram_id, currency=currency)

    async def set_region(self, telegram_id: int, region: str | None) -> None:
        await self._set(telegram_id, region=region)

    async def set_timezone(self, telegram_id: int, timezone: str | None) -> None:
        await self._set(telegram_id, timezone=timezone)

    async def set_started(self, telegram_id: int) -> None:
        await self._set(telegram_id, started=True)

    async def set_blocked(self, telegram_id: int, blocked: bool) -> None:
        await self._set(telegram_id, blocked=blocked)

    async def set_subscribed(self, telegram_id: int, subscribed: bool) -> bool:
        connection = await self.session.connection()
        result = await connection.execute(
            sa.update(buyers)
            .where(buyers.c.telegram_id == telegram_id, buyers.c.subscribed.is_not(subscribed))
            .values(subscribed=subscribed)
        )
        return result.rowcount == 1

    async def set_username(self, telegram_id: int, username: str | None) -> None:
        connection = await self.session.connection()
        if username is not None:
            await connection.execute(
                sa.update(buyers)
                .where(buyers.c.username == username, buyers.c.telegram_id != telegram_id)
                .values(username=None)
            )
        await connection.execute(sa.update(buyers).where(buyers.c.telegram_id == telegram_id).values(username=username))

    async def by_username(self, username: str) -> Buyer | None:
        connection = await self.session.connection()
        row = (await connection.execute(sa.select(buyers).where(buyers.c.username == username).limit(1))).first()
        if row is None:
            return None
        return Buyer(**{name: row._mapping[name] for name in BUYER_FIELDS})

    async def _set(self, telegram_id: int, **values: object) -> None:
        await self.session.exec(
            sa.update(BuyerTable)  # type: ignore[call-overload]
            .where(col(BuyerTable.telegram_id) == telegram_id)
            .values(**values)
        )
