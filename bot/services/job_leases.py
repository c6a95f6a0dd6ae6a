"""Periodic jobs run by one bot process at a time: the process holding a job's lease runs it and the others skip it.

A holder renews its lease at every run, and every third of the lease while a long run goes on (a broadcast to
thousands), so it keeps the job as long as it lives. A process that dies stops renewing: its lease runs out and the
next process to ask takes the job over, within a lease and a period. The database decides who holds a lease
(`JobLeaseRepository.claim`, one conditional statement), never a check in Python before a write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.ports import UnitOfWorkFactory
from bot.services.cart import Clock, utc_now

log = logging.getLogger(__name__)


class JobLeases:
    """The leases of one process (`holder`, its name in the job_lease table)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        holder: str,
        clock: Clock = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.uow = uow
        self.holder = holder
        self.clock = clock
        self.sleep = sleep
        # The leases this process holds, and until when (as of its last successful claim).
        self.held: dict[str, datetime] = {}

    async def claim(self, name: str, ttl: timedelta) -> bool:
        """Take or renew the lease of job `name` for `ttl` from now; False while another process holds it."""
        now = self.clock()
        until = now + ttl
        async with self.uow() as uow:
            won = await uow.leases.claim(name, self.holder, now, until)
            await uow.commit()
        if won:
            self.held[name] = until
        else:
            self.held.pop(name, None)
        return won

    async def run(self, name: str, ttl: timedelta, job: Callable[[], Awaitable[None]]) -> bool:
        """Run `job` if this process holds the lease of `name` or takes it now; False (and nothing run) while another
        process holds it. The lease is renewed while the job runs; a run whose lease is lost (another process took
        it after this one could not reach the database for a whole lease) is stopped, as if the process had died:
        the jobs are written to survive that."""
        if not await self.claim(name, ttl):
            return False
        running = asyncio.ensure_future(job())
        keeper = asyncio.ensure_future(self._keep(name, ttl, running))
        try:
            await running
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise  # this process is stopping
            # Else the keeper stopped the run: the lease is another process's now.
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
        return True

    async def _keep(self, name: str, ttl: timedelta, running: asyncio.Future[None]) -> None:
        while True:
            await self.sleep(ttl.total_seconds() / 3)
            try:
                held = await self.claim(name, ttl)
            except Exception:
                log.warning("could not renew the lease of job %s", name, exc_info=True)
                held = name in self.held and self.clock() < self.held[name]
            if not held:
                log.warning("job %s: lease lost to another process; this run stops", name)
                running.cancel()
                return

    async def release_all(self) -> None:
        """Give up every lease this process holds (it is stopping), so the others take the jobs at their next try
        instead of after the leases run out."""
        if not self.held:
            return
        try:
            async with self.uow() as uow:
                for name in self.held:
                    await uow.leases.release(name, self.holder)
                await uow.commit()
        except Exception:
            log.warning("could not release the job leases %s; they run out by themselves", sorted(self.held))
        self.held.clear()
