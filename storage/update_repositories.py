"""Update claims (bot/domain/updates.py): inserting an update's row is the claim (ON CONFLICT DO NOTHING says who won
without breaking the transaction, on both backends); taking over an abandoned claim is one conditional UPDATE on the
holder and time that were read, so two processes taking over the same claim cannot both win."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from bot.domain.updates import ClaimStatus, HeldClaim
from storage.order_repositories import _Repository, _utc
from storage.tables import update_claims

HANDLING = ClaimStatus.HANDLING.value


class SqlUpdateClaimRepository(_Repository):
    async def take(self, update_id: int, holder: str, now: datetime) -> bool:
        inserted = (
            await self._run(
                self._insert(update_claims)
                .values(update_id=update_id, status=HANDLING, holder=holder, claimed_at=now)
                .on_conflict_do_nothing(index_elements=["update_id"])
                .returning(update_claims.c.update_id)
            )
        ).first()
        return inserted is not None

    async def held(self, update_id: int) -> HeldClaim | None:
        row = (
            await self._run(
                sa.select(update_claims.c.status, update_claims.c.holder, update_claims.c.claimed_at).where(
                    update_claims.c.update_id == update_id
                )
            )
        ).first()
        if row is None:
            return None
        return HeldClaim(ClaimStatus(row.status), row.holder, _utc(row.claimed_at) or row.claimed_at)

    async def take_over(self, update_id: int, previous: HeldClaim, holder: str, now: datetime) -> bool:
        taken = await self._run(
            sa.update(update_claims)
            .where(
                update_claims.c.update_id == update_id,
                update_claims.c.status == HANDLING,
                update_claims.c.holder == previous.holder,
                # A holder alive after all has refreshed its claim since it was read: not abandoned.
                update_claims.c.claimed_at <= previous.claimed_at,
            )
            .values(holder=holder, claimed_at=now)
        )
        return taken.rowcount == 1

    async def finish(self, update_id: int, holder: str, now: datetime) -> bool:
        finished = await self._run(
            sa.update(update_claims)
            .where(
                update_claims.c.update_id == update_id,
                update_claims.c.holder == holder,
                update_claims.c.status == HANDLING,
            )
            .values(status=ClaimStatus.DONE.value, done_at=now)
        )
        return finished.rowcount == 1

    async def release(self, update_id: int, holder: str) -> bool:
        released = await self._run(
            sa.delete(update_claims).where(
                update_claims.c.update_id == update_id,
                update_claims.c.holder == holder,
                update_claims.c.status == HANDLING,
            )
        )
        return released.rowcount == 1

    async def refresh(self, holder: str, update_ids: Sequence[int], now: datetime) -> int:
        refreshed = await self._run(
            sa.update(update_claims)
            .where(
                update_claims.c.update_id.in_(list(update_ids)),
                update_claims.c.holder == holder,
                update_claims.c.status == HANDLING,
            )
            .values(claimed_at=now)
        )
        return int(refreshed.rowcount)

    async def prune(self, done_before: datetime) -> int:
        pruned = await self._run(
            # By claimed_at, which is indexed and never later than done_at. A claim still `handling` that old was
            # left by a process that could not mark it (the database away): nobody handles it any more.
            sa.delete(update_claims).where(update_claims.c.claimed_at < done_before)
        )
        return int(pruned.rowcount)
