"""Job leases (the job_lease table): which bot process runs each periodic job until when.

Taking a lease is one upsert whose update is conditional (INSERT ... ON CONFLICT DO UPDATE ... WHERE, on SQLite and
PostgreSQL alike): the row is written only if it is new, its lease ran out, or it is the caller's already, and
RETURNING says whether it was. Two processes asking at once meet at the row's lock; one wins, the other gets nothing.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from storage.order_repositories import _Repository
from storage.tables import job_leases


class SqlJobLeaseRepository(_Repository):
    async def claim(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        insert = self._insert(job_leases).values(name=name, holder=holder, until=until)
        taken = insert.on_conflict_do_update(
            index_elements=["name"],
            set_={"holder": insert.excluded.holder, "until": insert.excluded.until},
            where=sa.or_(job_leases.c.holder == insert.excluded.holder, job_leases.c.until < now),
        ).returning(job_leases.c.name)
        return (await self._run(taken)).first() is not None

    async def release(self, name: str, holder: str) -> bool:
        released = await self._run(
            sa.delete(job_leases).where(job_leases.c.name == name, job_leases.c.holder == holder)
        )
        return released.rowcount == 1

    async def holder(self, name: str, now: datetime) -> str | None:
        row = (
            await self._run(sa.select(job_leases.c.holder).where(job_leases.c.name == name, job_leases.c.until >= now))
        ).first()
        return None if row is None else str(row.holder)
