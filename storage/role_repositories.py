"""Roles granted in chat or the CLI (the role_grant table); MERCHANT_IDS and OPS_IDS stay in the settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.buyer import Role
from bot.domain.roles import RoleGrant
from storage.order_repositories import _utc
from storage.tables import role_grants


class SqlRoleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def granted(self, telegram_id: int) -> frozenset[Role]:
        connection = await self.session.connection()
        rows = await connection.execute(sa.select(role_grants.c.role).where(role_grants.c.telegram_id == telegram_id))
        return frozenset(Role(role) for role in rows.scalars())

    async def grant(self, telegram_id: int, role: Role, granted_by: int | None, now: datetime) -> bool:
        dialect = self.session.get_bind().dialect.name
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(role_grants)
        connection = await self.session.connection()
        result = await connection.execute(
            insert.values(
                telegram_id=telegram_id, role=role.value, granted_by=granted_by, granted_at=now
            ).on_conflict_do_nothing(index_elements=["telegram_id", "role"])
        )
        return result.rowcount == 1

    async def revoke(self, telegram_id: int, role: Role) -> bool:
        connection = await self.session.connection()
        result = await connection.execute(
            sa.delete(role_grants).where(role_grants.c.telegram_id == telegram_id, role_grants.c.role == role.value)
        )
        return result.rowcount == 1

    async def grants(self) -> Sequence[RoleGrant]:
        connection = await self.session.connection()
        rows = await connection.execute(
            sa.select(role_grants).order_by(role_grants.c.role, role_grants.c.granted_at, role_grants.c.telegram_id)
        )
        return [
            RoleGrant(
                telegram_id=row.telegram_id,
                role=Role(row.role),
                granted_by=row.granted_by,
                granted_at=_utc(row.granted_at) or row.granted_at,
            )
            for row in rows
        ]
