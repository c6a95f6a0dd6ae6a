"""Repositories for carts, holds, orders and waitlists.

Everything that must hold under concurrency is one conditional statement here (the caller checks the row count),
so two buyers, or two bot instances running the hold job, can never both win the same unit or the same claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.cart import HeldItem
from bot.domain.checkout import Quote, ShippingDetails
from bot.domain.money import Money
from bot.domain.orders import (
    OPEN_STATUSES,
    DueReminder,
    EventKind,
    ExpiredHold,
    OpenOrder,
    OrderEvent,
    OrderStatus,
    OrderSummary,
    SkuRef,
    WaitingEntry,
)
from storage.tables import (
    OPEN_ORDER,
    buyers,
    events,
    lines,
    orders,
    products,
    skus,
    streams,
    translations,
    waitlist,
)

OPEN = [status.value for status in OPEN_STATUSES]


def live_stream_id() -> sa.ScalarSelect[Any]:
    """The stream live now (the one that went live last, if several are), inside the statement that writes an order:
    the stream's totals count the orders opened or placed while it is live, at no extra round trip."""
    return (
        sa.select(streams.c.id)
        .where(streams.c.status == "live")
        .order_by(streams.c.live_at.desc(), streams.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite hands timestamps back without a zone; every one we store is UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class _Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _run(self, statement: sa.Executable, params: Any = None) -> CursorResult[Any]:
        # Core statements on the session's own connection: same transaction, plain row counts, no ORM state.
        connection = await self.session.connection()
        return await connection.execute(statement, params)  # type: ignore[return-value]

    def _insert(self, table: sa.Table) -> Any:
        dialect = self.session.get_bind().dialect.name
        return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


class SqlStockRepository(_Repository):
    async def reserve(self, sku_id: int, quantity: int, buyer_id: int | None = None) -> bool:
        # Still one statement: the units others wait for are subtracted inside the same conditional UPDATE.
        on_sale = skus.c.stock if buyer_id is None else skus.c.stock - _waited_for(sku_id, buyer_id)
        result = await self._run(
            sa.update(skus)
            .where(skus.c.id == sku_id, on_sale >= quantity, skus.c.active.is_(True))
            .values(stock=skus.c.stock - quantity)
        )
        return result.rowcount == 1

    async def available(self, sku_id: int, buyer_id: int) -> int:
        left = await self._run(
            sa.select(skus.c.stock - _waited_for(sku_id, buyer_id)).where(skus.c.id == sku_id, skus.c.active.is_(True))
        )
        return max(0, int(left.scalar_one_or_none() or 0))

    async def release(self, sku_id: int, quantity: int) -> None:
        """Put units back on sale, except those the merchant took off sale while they were held (`owed`)."""
        covered = skus.c.owed >= quantity
        await self._run(
            sa.update(skus)
            .where(skus.c.id == sku_id)
            .values(
                stock=sa.case((covered, skus.c.stock), else_=skus.c.stock + quantity - skus.c.owed),
                owed=sa.case((covered, skus.c.owed - quantity), else_=0),
            )
        )

    async def sku(self, sku_id: int) -> SkuRef | None:
        row = (
            await self._run(
                sa.select(skus, products.c.code)
                .join(products, products.c.id == skus.c.product_id)
                .where(skus.c.id == sku_id, skus.c.active.is_(True), products.c.active.is_(True))
            )
        ).first()
        if row is None:
            return None
        return SkuRef(
            sku_id=row.id,
            product_id=row.product_id,
            code=row.code,
            variant=row.variant,
            price=Money(row.price_minor, row.currency),
            stock=row.stock,
            names=dict(row.variant_names),
        )


def _waited_for(sku_id: int, buyer_id: int) -> sa.ScalarSelect[int]:
    """Units other buyers wait for on the SKU's waitlist."""
    return (
        sa.select(sa.func.coalesce(sa.func.sum(waitlist.c.quantity), 0))
        .where(waitlist.c.sku_id == sku_id, waitlist.c.buyer_id != buyer_id)
        .scalar_subquery()
    )


class SqlOrderRepository(_Repository):
    async def open_cart(self, buyer_id: int, currency: str, now: datetime) -> OpenOrder:
        # A cart that is placed or expired between our insert and our lock is no longer open: try again.
        for _ in range(5):
            created = (
                await self._run(
                    self._insert(orders)
                    .values(
                        buyer_id=buyer_id,
                        status=OrderStatus.CART.value,
                        currency=currency,
                        created_at=now,
                        updated_at=now,
                        stream_id=live_stream_id(),
                    )
                    .on_conflict_do_nothing(index_elements=["buyer_id"], index_where=OPEN_ORDER)
                    .returning(orders.c.id)
                )
            ).first()
            if created is not None:  # a new cart: our insert holds its row until the commit
                return OpenOrder(created.id, buyer_id, OrderStatus.CART)
            order = await self.lock_open(buyer_id, now)
            if order is not None:
                return order
        raise RuntimeError(f"could not open a cart for buyer {buyer_id}")

    async def lock_open(self, buyer_id: int, now: datetime) -> OpenOrder | None:
        # Touching the row locks it (PostgreSQL) for the rest of the unit: every change to a cart starts here.
        row = (
            await self._run(
                sa.update(orders)
                .where(orders.c.buyer_id == buyer_id, orders.c.status.in_(OPEN))
                .values(updated_at=now)
                .returning(orders.c.id, orders.c.status)
            )
        ).first()
        return None if row is None else OpenOrder(row.id, buyer_id, OrderStatus(row.status))

    async def find_open(self, buyer_id: int) -> OpenOrder | None:
        row = (
            await self._run(
                sa.select(orders.c.id, orders.c.status).where(orders.c.buyer_id == buyer_id, orders.c.status.in_(OPEN))
            )
        ).first()
        return None if row is None else OpenOrder(row.id, buyer_id, OrderStatus(row.status))

    async def set_status(
        self, order_id: int, old: OrderStatus, new: OrderStatus, now: datetime, detail: str = ""
    ) -> bool:
        values: dict[str, Any] = {"status": new.value, "updated_at": now}
        if new is OrderStatus.AWAITING_PAYMENT:
            values["placed_at"] = now  # the payment timeout counts from here
            # A cart filled before the stream and placed during it is the stream's order too.
            values["stream_id"] = sa.func.coalesce(orders.c.stream_id, live_stream_id())
        elif new is OrderStatus.PAID:
            values["paid_at"] = now
        result = await self._run(
            sa.update(orders).where(orders.c.id == order_id, orders.c.status == old.value).values(**values)
        )
        if result.rowcount != 1:
            return False
        await self._run(
            sa.insert(events).values(
                order_id=order_id,
                kind=EventKind.STATUS.value,
                from_status=old.value,
                to_status=new.value,
                detail=detail[:200],
                at=now,
            )
        )
        return True

    async def record(self, order_id: int, kind: EventKind, now: datetime, detail: str = "") -> None:
        await self._run(sa.insert(events).values(order_id=order_id, kind=kind.value, detail=detail[:200], at=now))

    async def events(self, order_id: int) -> Sequence[OrderEvent]:
        rows = await self._run(sa.select(events).where(events.c.order_id == order_id).order_by(events.c.id))
        return [
            OrderEvent(
                order_id=row.order_id,
                kind=EventKind(row.kind),
                from_status=None if row.from_status is None else OrderStatus(row.from_status),
                to_status=None if row.to_status is None else OrderStatus(row.to_status),
                detail=row.detail,
                at=_utc(row.at) or row.at,
            )
            for row in rows
        ]

    async def items(self, order_id: int, language: str) -> Sequence[HeldItem]:
        """The order's lines, with the product's title and the variant's name in `language` where translated."""
        local = sa.func.nullif(translations.c.title, "")
        rows = await self._run(
            sa.select(
                lines.c.id,
                lines.c.sku_id,
                lines.c.quantity,
                lines.c.unit_price_minor,
                lines.c.currency,
                lines.c.hold_expires_at,
                skus.c.product_id,
                skus.c.variant,
                skus.c.variant_names,
                products.c.code,
                products.c.title,
                products.c.ships_to,
                local.label("local_title"),
            )
            .join(skus, skus.c.id == lines.c.sku_id)
            .join(products, products.c.id == skus.c.product_id)
            .outerjoin(
                translations,
                sa.and_(translations.c.product_id == products.c.id, translations.c.language == language),
            )
            .where(lines.c.order_id == order_id)
            .order_by(lines.c.id)
        )
        return [
            HeldItem(
                line_id=row.id,
                sku_id=row.sku_id,
                product_id=row.product_id,
                code=row.code,
                title=row.local_title or row.title,
                variant=row.variant_names.get(language) or row.variant,
                quantity=row.quantity,
                price=Money(row.unit_price_minor, row.currency),
                ships_to=frozenset(row.ships_to.split()),
                hold_expires_at=_utc(row.hold_expires_at),
            )
            for row in rows
        ]

    async def add_units(
        self, order_id: int, sku_id: int, quantity: int, price: Money, hold_until: datetime, maximum: int
    ) -> int | None:
        insert = self._insert(lines).values(
            order_id=order_id,
            sku_id=sku_id,
            quantity=quantity,
            unit_price_minor=price.amount_minor,
            currency=price.currency,
            hold_expires_at=hold_until,
            reminded_at=None,
        )
        statement = insert.on_conflict_do_update(
            index_elements=["order_id", "sku_id"],
            set_={
                "quantity": lines.c.quantity + insert.excluded.quantity,
                "hold_expires_at": insert.excluded.hold_expires_at,
                "reminded_at": None,
            },
            where=lines.c.quantity + insert.excluded.quantity <= maximum,
        ).returning(lines.c.quantity)
        row = (await self._run(statement)).first()
        return None if row is None else int(row.quantity)

    async def change_quantity(self, line_id: int, old: int, new: int, hold_until: datetime | None) -> bool:
        values: dict[str, Any] = {"quantity": new}
        if hold_until is not None:
            values.update(hold_expires_at=hold_until, reminded_at=None)
        result = await self._run(
            sa.update(lines)
            .where(lines.c.id == line_id, lines.c.quantity == old, lines.c.hold_expires_at.is_not(None))
            .values(**values)
        )
        return result.rowcount == 1

    async def delete_line(self, line_id: int, quantity: int) -> bool:
        result = await self._run(
            sa.delete(lines).where(
                lines.c.id == line_id, lines.c.quantity == quantity, lines.c.hold_expires_at.is_not(None)
            )
        )
        return result.rowcount == 1

    async def due_reminders(self, until: datetime, now: datetime) -> Sequence[DueReminder]:
        rows = await self._run(
            sa.select(
                lines.c.id,
                lines.c.sku_id,
                lines.c.order_id,
                lines.c.hold_expires_at,
                orders.c.buyer_id,
                buyers.c.language,
            )
            .join(orders, orders.c.id == lines.c.order_id)
            .join(buyers, buyers.c.telegram_id == orders.c.buyer_id)
            .where(
                lines.c.reminded_at.is_(None),
                lines.c.hold_expires_at > now,
                lines.c.hold_expires_at <= until,
                orders.c.status.in_(OPEN),
            )
            .order_by(lines.c.order_id, lines.c.id)
        )
        due: dict[int, DueReminder] = {}
        for row in rows:
            expires = _utc(row.hold_expires_at) or now
            known = due.get(row.order_id)
            if known is None:
                due[row.order_id] = DueReminder(
                    row.order_id, row.buyer_id, row.language, (row.id,), expires, (row.sku_id,)
                )
            else:
                due[row.order_id] = DueReminder(
                    row.order_id,
                    row.buyer_id,
                    row.language,
                    (*known.line_ids, row.id),
                    min(known.expires_at, expires),
                    (*known.sku_ids, row.sku_id),
                )
        return list(due.values())

    async def claim_reminder(self, line_ids: Sequence[int], now: datetime) -> int:
        result = await self._run(
            sa.update(lines)
            .where(lines.c.id.in_(list(line_ids)), lines.c.reminded_at.is_(None), lines.c.hold_expires_at > now)
            .values(reminded_at=now)
        )
        return int(result.rowcount)

    async def expired_holds(self, now: datetime, limit: int) -> Sequence[ExpiredHold]:
        rows = await self._run(
            sa.select(
                lines.c.id, lines.c.order_id, lines.c.sku_id, lines.c.quantity, orders.c.buyer_id, buyers.c.language
            )
            .join(orders, orders.c.id == lines.c.order_id)
            .join(buyers, buyers.c.telegram_id == orders.c.buyer_id)
            .where(lines.c.hold_expires_at <= now, orders.c.status.in_(OPEN))
            .order_by(lines.c.hold_expires_at, lines.c.id)
            .limit(limit)
        )
        return [ExpiredHold(row.id, row.order_id, row.buyer_id, row.language, row.sku_id, row.quantity) for row in rows]

    async def delete_expired_line(self, line_id: int, quantity: int, now: datetime) -> bool:
        result = await self._run(
            sa.delete(lines).where(lines.c.id == line_id, lines.c.quantity == quantity, lines.c.hold_expires_at <= now)
        )
        return result.rowcount == 1

    async def stop_holds(self, order_id: int, now: datetime) -> int:
        result = await self._run(
            sa.update(lines)
            .where(lines.c.order_id == order_id, lines.c.hold_expires_at > now)
            .values(hold_expires_at=None)
        )
        return int(result.rowcount)

    async def save_checkout(
        self,
        order_id: int,
        details: ShippingDetails | None,
        shop_currency: str,
        currency: str,
        rate: str,
        subtotal: Money,
        shipping: Money,
        total: Money,
    ) -> None:
        values: dict[str, Any] = {
            "shop_currency": shop_currency,
            "currency": currency,
            "fx_rate": rate,
            "subtotal_minor": subtotal.amount_minor,
            "shipping_minor": shipping.amount_minor,
            "total_minor": total.amount_minor,
        }
        if details is not None:
            values.update(
                ship_country=details.country,
                ship_name=details.name,
                ship_address=details.address,
                ship_phone=details.phone,
            )
        await self._run(sa.update(orders).where(orders.c.id == order_id).values(**values))

    async def quote(self, order_id: int) -> Quote | None:
        row = (
            await self._run(
                sa.select(orders.c.currency, orders.c.fx_rate, orders.c.total_minor).where(orders.c.id == order_id)
            )
        ).first()
        if row is None or row.fx_rate is None:
            return None
        return Quote(row.currency, Decimal(row.fx_rate), Money(row.total_minor, row.currency))

    async def list_for(self, buyer_id: int) -> Sequence[OrderSummary]:
        count = sa.select(sa.func.count()).where(lines.c.order_id == orders.c.id).scalar_subquery()
        units = sa.select(sa.func.coalesce(sa.func.sum(lines.c.quantity), 0)).where(lines.c.order_id == orders.c.id)
        rows = await self._run(
            sa.select(orders, count.label("line_count"), units.scalar_subquery().label("units"))
            .where(orders.c.buyer_id == buyer_id, count > 0)
            .order_by(orders.c.id.desc())
        )
        return [
            OrderSummary(
                order_id=row.id,
                status=OrderStatus(row.status),
                total=Money(row.total_minor, row.currency),
                created_at=_utc(row.created_at) or row.created_at,
                lines=int(row.line_count),
                units=int(row.units),
            )
            for row in rows
        ]


class SqlWaitlistRepository(_Repository):
    async def join(self, buyer_id: int, sku_id: int, quantity: int, now: datetime) -> int:
        insert = self._insert(waitlist).values(sku_id=sku_id, buyer_id=buyer_id, quantity=quantity, created_at=now)
        await self._run(
            insert.on_conflict_do_update(
                index_elements=["sku_id", "buyer_id"], set_={"quantity": insert.excluded.quantity}
            )
        )
        mine = (
            sa.select(waitlist.c.id)
            .where(waitlist.c.sku_id == sku_id, waitlist.c.buyer_id == buyer_id)
            .scalar_subquery()
        )
        result = await self._run(sa.select(sa.func.count()).where(waitlist.c.sku_id == sku_id, waitlist.c.id <= mine))
        return int(result.scalar_one())

    async def leave(self, buyer_id: int, sku_id: int) -> bool:
        result = await self._run(
            sa.delete(waitlist).where(waitlist.c.sku_id == sku_id, waitlist.c.buyer_id == buyer_id)
        )
        return result.rowcount == 1

    async def offerable(self) -> Sequence[int]:
        result = await self._run(
            sa.select(waitlist.c.sku_id)
            .distinct()
            .join(skus, skus.c.id == waitlist.c.sku_id)
            .join(products, products.c.id == skus.c.product_id)
            .where(skus.c.stock > 0, skus.c.active.is_(True), products.c.active.is_(True))
            .order_by(waitlist.c.sku_id)
        )
        return [sku_id for (sku_id,) in result]

    async def first(self, sku_id: int) -> WaitingEntry | None:
        row = (
            await self._run(sa.select(waitlist).where(waitlist.c.sku_id == sku_id).order_by(waitlist.c.id).limit(1))
        ).first()
        return None if row is None else WaitingEntry(row.id, row.buyer_id, row.sku_id, row.quantity)

    async def take(self, entry_id: int, quantity: int) -> bool:
        served = await self._run(
            sa.update(waitlist)
            .where(waitlist.c.id == entry_id, waitlist.c.quantity >= quantity)
            .values(quantity=waitlist.c.quantity - quantity)
        )
        if served.rowcount != 1:
            return False
        await self._run(sa.delete(waitlist).where(waitlist.c.id == entry_id, waitlist.c.quantity == 0))
        return True

    async def claim(self, entry_id: int) -> bool:
        result = await self._run(sa.delete(waitlist).where(waitlist.c.id == entry_id))
        return result.rowcount == 1
