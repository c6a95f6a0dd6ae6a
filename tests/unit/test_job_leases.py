"""A lease holder that cannot reach the database keeps running its job until its lease has run out, then stops the
run (another process may hold the job by then)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self

from bot.services.job_leases import JobLeases

TTL = timedelta(seconds=15)


class Database:
    """The job_lease table of one job; `reachable` False makes every unit fail as a dropped connection does."""

    def __init__(self) -> None:
        self.reachable = True
        self.claims = 0

    def __call__(self) -> Unit:
        return Unit(self)


class Unit:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.leases = self

    async def __aenter__(self) -> Self:
        if not self.database.reachable:
            raise ConnectionRefusedError(111, "Connection refused")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        pass

    async def commit(self) -> None:
        pass

    async def claim(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        self.database.claims += 1
        return True


async def test_a_holder_cut_off_from_the_database_stops_its_run_once_its_lease_has_run_out() -> None:
    database = Database()
    now = [datetime(2026, 12, 8, 4, 0, tzinfo=UTC)]
    beats: list[datetime] = []

    async def beat(seconds: float) -> None:  # the keeper's wait, on the test's clock
        now[0] += timedelta(seconds=seconds)
        beats.append(now[0])
        await asyncio.sleep(0)

    leases = JobLeases(database, "host:1:cafe", clock=lambda: now[0], sleep=beat)  # type: ignore[arg-type]
    stopped = asyncio.Event()

    async def long_sweep() -> None:
        database.reachable = False  # the database goes away once the run has begun
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            stopped.set()
            raise

    assert await asyncio.wait_for(leases.run("sweep_holds", TTL, long_sweep), 5) is True
    assert stopped.is_set() and database.claims == 1
    # Renewals failed at 5 s and 10 s (still within the lease) and the run stopped at the first beat past 15 s.
    assert [moment - beats[0] for moment in beats] == [timedelta(0), timedelta(seconds=5), timedelta(seconds=10)]
