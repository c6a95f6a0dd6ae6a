"""Each Telegram update handled once across bot processes (bot/domain/updates.py): claim it before handling, mark it
done after, keep the claims in hand fresh while handling, and forget old done ones."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.domain.updates import Claim, ClaimStatus, abandoned
from bot.ports import UnitOfWorkFactory

log = logging.getLogger(__name__)
# A process refreshes the claims it is handling this often...
REFRESH_EVERY = timedelta(seconds=20)
# ...so one not refreshed for this long belongs to a process that died on another host (one of this host is seen to
# be gone at once). Longer than any pause of a live process, so a slow handler is never handled twice.
STALE_AFTER = timedelta(seconds=90)
# Telegram gives up redelivering an update within a day; done updates are remembered twice as long.
KEEP_DONE = timedelta(hours=48)
PRUNE_EVERY = timedelta(minutes=10)


def _now() -> datetime:
    return datetime.now(UTC)


class UpdateClaimService:
    """Claims for `holder` (this process's name, bot/instance.py); `holder_gone` tells whether another holder's
    process is known to have ended."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        holder: str,
        holder_gone: Callable[[str], bool] = lambda holder: False,
        stale_after: timedelta = STALE_AFTER,
        keep_done: timedelta = KEEP_DONE,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.uow = uow
        self.holder = holder
        self.holder_gone = holder_gone
        self.stale_after = stale_after
        self.keep_done = keep_done
        self.clock = clock
        # The updates this process claimed and has not finished or released: the ones it refreshes.
        self.in_hand: set[int] = set()

    async def claim(self, update_id: int) -> Claim:
        """Take the update if nobody has, or if its holder abandoned it; else say it is done or busy elsewhere."""
        if update_id in self.in_hand:
            return Claim.BUSY  # delivered again while this very process handles it
        self.in_hand.add(update_id)
        claim = Claim.BUSY
        try:
            claim = await self._claim(update_id)
        finally:
            if claim is not Claim.TAKEN:
                self.in_hand.discard(update_id)
        return claim

    async def _claim(self, update_id: int) -> Claim:
        now = self.clock()
        async with self.uow() as uow:
            if await uow.update_claims.take(update_id, self.holder, now):
                await uow.commit()
                return Claim.TAKEN
            held = await uow.update_claims.held(update_id)
            if held is None:  # released between the two statements: its holder failed on it, so it is free again
                taken = await uow.update_claims.take(update_id, self.holder, now)
                await uow.commit()
                return Claim.TAKEN if taken else Claim.BUSY
            if held.status is ClaimStatus.DONE:
                return Claim.DONE
            if held.holder == self.holder:
                # Not in hand: this process's earlier try ended without giving it back (the database was away).
                taken = await uow.update_claims.take_over(update_id, held, self.holder, now)
                await uow.commit()
                return Claim.TAKEN if taken else Claim.BUSY
            gone = self.holder_gone(held.holder)
            if abandoned(held, now, self.stale_after, gone) and await uow.update_claims.take_over(
                update_id, held, self.holder, now
            ):
                await uow.commit()
                log.warning("update %s taken over from %s (%s)", update_id, held.holder, "gone" if gone else "stale")
                return Claim.TAKEN
        return Claim.BUSY

    async def finish(self, update_id: int) -> None:
        self.in_hand.discard(update_id)
        async with self.uow() as uow:
            finished = await uow.update_claims.finish(update_id, self.holder, self.clock())
            await uow.commit()
        if not finished:
            log.warning("update %s was taken over while this process handled it", update_id)

    async def release(self, update_id: int) -> None:
        """Give up an update whose handling failed, so it is handled when Telegram delivers it again."""
        self.in_hand.discard(update_id)
        async with self.uow() as uow:
            await uow.update_claims.release(update_id, self.holder)
            await uow.commit()

    async def refresh(self) -> int:
        if not self.in_hand:
            return 0
        async with self.uow() as uow:
            refreshed = await uow.update_claims.refresh(self.holder, sorted(self.in_hand), self.clock())
            await uow.commit()
        return refreshed

    async def prune(self) -> int:
        async with self.uow() as uow:
            pruned = await uow.update_claims.prune(self.clock() - self.keep_done)
            await uow.commit()
        return pruned

    async def tend(self, refresh_every: timedelta = REFRESH_EVERY, prune_every: timedelta = PRUNE_EVERY) -> None:
        """Until cancelled: refresh the claims in hand, and now and then forget old done updates. A failed round (the
        database away for a moment) is logged and the next one tried."""
        pruned_at: datetime | None = None
        while True:
            try:
                await self.refresh()
                now = self.clock()
                if pruned_at is None or now - pruned_at >= prune_every:
                    pruned_at = now
                    pruned = await self.prune()
                    if pruned:
                        log.info("forgot %d updates done before %s", pruned, now - self.keep_done)
            except Exception:
                log.warning("could not tend the update claims", exc_info=True)
            await asyncio.sleep(refresh_every.total_seconds())
