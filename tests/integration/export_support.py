"""A shop's placed orders written straight into the tables, for the export tests: every column the export reads
filled with values whose export is known."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.services.export import ExportService
from storage.export import SqlOrderExport
from storage.tables import buyers, lines, orders, payment_attempts, products, skus, streams

ZONE = "Europe/Berlin"
# Winter (+01:00) and summer (+02:00) in the shop's zone.
WINTER = datetime(2026, 1, 15, 9, 30, 5, 123456, tzinfo=UTC)
SUMMER = datetime(2026, 7, 1, 22, 15, tzinfo=UTC)


@dataclass
class PlacedOrder:
    buyer_id: int
    created_at: datetime
    status: str = "paid"
    currency: str = "EUR"
    subtotal: int = 3900
    shipping: int = 500
    fx_rate: str | None = "1"
    name: str = "Anna Schmidt"
    address: str = "Hauptstraße 1, 10115 Berlin"
    phone: str = "+4930123456"
    country: str = "DE"
    paid_at: datetime | None = None
    stream_id: int | None = None
    # The settled (or latest) payment's reference; "" makes one from the order id, None: never sent to pay.
    reference: str | None = ""
    line_skus: Sequence[int] = (1,)
    order_id: int = field(default=0)

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping


class Shop:
    """Inserts products, buyers, a stream and orders; numbers each order it inserts."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.next_order = 1

    async def setup(self) -> None:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        async with self.engine.begin() as connection:
            await connection.execute(
                sa.insert(products),
                [
                    {"id": 1, "code": "A12", "title": "Silk scarf", "updated_at": now},
                    {"id": 2, "code": "=B7", "title": '@Leather, "belt"', "updated_at": now},
                ],
            )
            await connection.execute(
                sa.insert(skus),
                [
                    {"id": 1, "product_id": 1, "variant": "Ivory", "price_minor": 3900, "currency": "EUR",
                     "stock": 5, "variant_names": {}, "updated_at": now},
                    {"id": 2, "product_id": 2, "variant": "", "price_minor": 1250, "currency": "EUR",
                     "stock": 5, "variant_names": {}, "updated_at": now},
                ],
            )  # fmt: skip
            await connection.execute(
                sa.insert(streams).values(
                    id=1, title="Autumn, scarves", titles={}, starts_at=now, duration_seconds=3600, status="ended",
                    timezone=ZONE, created_at=now,
                )
            )  # fmt: skip

    async def buyer(self, telegram_id: int, name: str = "Anna", username: str | None = "anna", **values: object) -> int:
        values = {"language": "de", "country": "DE", **values}
        async with self.engine.begin() as connection:
            await connection.execute(
                sa.insert(buyers).values(telegram_id=telegram_id, name=name, username=username, **values)
            )
        return telegram_id

    async def place(self, *placed: PlacedOrder) -> list[PlacedOrder]:
        async with self.engine.begin() as connection:
            for order in placed:
                order.order_id = self.next_order
                self.next_order += 1
                await connection.execute(
                    sa.insert(orders).values(
                        id=order.order_id, buyer_id=order.buyer_id, status=order.status, currency=order.currency,
                        subtotal_minor=order.subtotal, shipping_minor=order.shipping, total_minor=order.total,
                        fx_rate=order.fx_rate, shop_currency="EUR" if order.fx_rate else None,
                        ship_country=order.country, ship_name=order.name, ship_address=order.address,
                        ship_phone=order.phone, placed_at=order.created_at, stream_id=order.stream_id,
                        paid_at=order.paid_at, created_at=order.created_at, updated_at=order.created_at,
                    )
                )  # fmt: skip
                for sku in order.line_skus:
                    await connection.execute(
                        sa.insert(lines).values(
                            order_id=order.order_id, sku_id=sku, quantity=2, unit_price_minor=1950, currency="EUR"
                        )
                    )
                if order.reference is not None:
                    await connection.execute(
                        sa.insert(payment_attempts),
                        [
                            {"order_id": order.order_id, "number": 1, "provider": "stripe", "status": "expired",
                             "idempotency_key": f"{order.order_id}-1", "reference": f"old-{order.order_id}",
                             "amount_minor": order.total, "currency": order.currency,
                             "created_at": order.created_at, "expires_at": order.created_at},
                            {"order_id": order.order_id, "number": 2, "provider": "sandbox",
                             "status": "paid" if order.status == "paid" else "open",
                             "idempotency_key": f"{order.order_id}-2",
                             "reference": order.reference or f"pi_{order.order_id}",
                             "amount_minor": order.total, "currency": order.currency,
                             "created_at": order.created_at, "expires_at": order.created_at},
                        ],
                    )  # fmt: skip
        return list(placed)


def export_service(
    engine: AsyncEngine, *, through_engine: bool = False, sheet_rows: int | None = None
) -> ExportService:
    """The export on `engine`; `through_engine` reads a SQLite file through SQLAlchemy as PostgreSQL is read."""
    source = SqlOrderExport(engine)
    if through_engine:
        source.sqlite_file = None
    extra = {"sheet_rows": sheet_rows} if sheet_rows is not None else {}
    return ExportService(source, shop_timezone=ZONE, **extra)  # type: ignore[arg-type]


def read_csv(*paths: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in paths:
        with path.open(encoding=encoding, newline="") as file:
            rows.extend(csv.DictReader(file))
    return rows


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))
