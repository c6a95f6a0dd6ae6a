"""What /healthz and /metrics read from the database: whether it answers, and the few counts shown as gauges."""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.domain.broadcasts import BroadcastStatus, DeliveryStatus
from storage.tables import BroadcastTable, DeliveryTable, OrderTable


class DatabaseProbe:
    """Asks the database `SELECT 1` on a connection of its own, so a pool busy with a flash sale does not read as a
    database that is down. Open no pool: each probe connects and closes."""

    def __init__(self, url: str) -> None:
        self.engine: AsyncEngine = create_async_engine(url, poolclass=NullPool)

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()


class SqlShopGauges:
    """bot.ports.ShopGauges: two small aggregate queries, each on an index (orders.status; delivery's
    (broadcast_id, status, id) under the running broadcasts)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def orders_by_status(self) -> Mapping[str, int]:
        orders = OrderTable.__table__
        query = sa.select(orders.c.status, sa.func.count()).group_by(orders.c.status)
        async with self.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return {status: count for status, count in rows}

    async def pending_sends(self) -> int:
        broadcast, delivery = BroadcastTable.__table__, DeliveryTable.__table__
        query = (
            sa.select(sa.func.count())
            .select_from(delivery.join(broadcast, broadcast.c.id == delivery.c.broadcast_id))
            .where(broadcast.c.status == BroadcastStatus.RUNNING, delivery.c.status == DeliveryStatus.PENDING)
        )
        async with self.engine.connect() as connection:
            return int((await connection.execute(query)).scalar_one())
