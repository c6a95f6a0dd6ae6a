"""Job leases on SQLite and PostgreSQL: of two processes asking at once one wins, a holder keeps its lease by renewing
it, a dead holder's lease runs out and another process takes the job over, and only the holder runs the job.

Each "process" is a JobLeases with an engine (connection pool) of its own, as two bot processes have."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.services.job_leases import JobLeases
from storage.engine import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWorkFactory

TTL = timedelta(seconds=15)
START = datetime(2026, 12, 8, 4, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def processes(database_url: str, clock: Clock) -> AsyncIterator[list[JobLeases]]:
    """Two bot processes on one database, each with its own engine and name, on one clock."""
    engines = [make_engine(database_url) for _ in range(2)]
    try:
        yield [
            JobLeases(SqlUnitOfWorkFactory(make_sessionmaker(engine)), f"host:{n}:cafe", clock=clock)
            for n, engine in enumerate(engines)
        ]
    finally:
        for engine in engines:
            await engine.dispose()


async def holder(process: JobLeases, name: str, at: datetime) -> str | None:
    async with process.uow() as uow:
        return await uow.leases.holder(name, at)


async def test_of_two_processes_claiming_a_free_job_at_once_exactly_one_wins(processes: list[JobLeases]) -> None:
    for round_ in range(10):
        name = f"sweep_holds_{round_}"
        won = await asyncio.gather(*(process.claim(name, TTL) for process in processes))
        assert sorted(won) == [False, True]
        winner = processes[won.index(True)]
        assert await holder(processes[0], name, START) == winner.holder


async def test_the_holder_renews_its_lease_and_keeps_the_job_past_the_first_expiry(
    processes: list[JobLeases], clock: Clock
) -> None:
    first, second = processes
    assert await first.claim("run_broadcasts", TTL)
    clock.now += TTL * 2 / 3
    assert await first.claim("run_broadcasts", TTL)  # renewed: until now + TTL
    clock.now += TTL * 2 / 3  # past the first lease's end, within the renewed one
    assert not await second.claim("run_broadcasts", TTL)
    assert await holder(first, "run_broadcasts", clock.now) == first.holder


async def test_a_dead_holders_lease_runs_out_and_another_process_takes_the_job_over(
    processes: list[JobLeases], clock: Clock
) -> None:
    dead, survivor = processes
    assert await dead.claim("sweep_payments", TTL)
    assert not await survivor.claim("sweep_payments", TTL)
    clock.now += TTL + timedelta(seconds=1)  # the holder stopped renewing
    won = await asyncio.gather(survivor.claim("sweep_payments", TTL), dead.claim("other_job", TTL))
    assert won == [True, True]
    assert await holder(survivor, "sweep_payments", clock.now) == survivor.holder
    # The old holder, back (a paused process, not a dead one), finds the job taken.
    assert not await dead.claim("sweep_payments", TTL)


async def test_only_the_holder_runs_the_job_and_a_released_lease_is_taken_at_the_next_try(
    processes: list[JobLeases],
) -> None:
    runs: list[str] = []

    def job(process: JobLeases) -> Callable[[], Awaitable[None]]:
        async def work() -> None:
            runs.append(process.holder)

        return work

    ran = await asyncio.gather(*(process.run("announce_streams", TTL, job(process)) for process in processes))
    assert sorted(ran) == [False, True] and len(runs) == 1
    holder_process = processes[ran.index(True)]
    other = processes[ran.index(False)]
    for _ in range(3):  # the holder keeps it, run after run; the other never runs it
        assert await holder_process.run("announce_streams", TTL, job(holder_process))
        assert not await other.run("announce_streams", TTL, job(other))
    assert runs == [holder_process.holder] * 4

    await holder_process.release_all()  # stopping: it gives the lease up
    assert await other.run("announce_streams", TTL, job(other))
    assert runs[-1] == other.holder


async def test_a_long_run_keeps_its_lease_renewed_and_stops_once_another_process_has_it(
    processes: list[JobLeases], clock: Clock
) -> None:
    first, second = processes
    beats = 0
    three_beats, go_on = asyncio.Event(), asyncio.Event()

    async def quick_sleep(seconds: float) -> None:  # the keeper's wait between renewals, on the test's clock
        nonlocal beats
        clock.now += timedelta(seconds=seconds)
        beats += 1
        if beats == 4:
            three_beats.set()
            await go_on.wait()  # the keeper's next renewal waits while the test moves the lease
        await asyncio.sleep(0.01)

    first.sleep = quick_sleep
    started, stopped = asyncio.Event(), asyncio.Event()

    async def long_broadcast() -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            stopped.set()
            raise

    running = asyncio.create_task(first.run("run_broadcasts", TTL, long_broadcast))
    await started.wait()
    await three_beats.wait()
    assert clock.now > START + TTL  # past the first lease's end: renewed while running
    assert not await second.claim("run_broadcasts", TTL)

    # The lease goes to the other process (as if the first had been out of reach for a whole lease).
    async with second.uow() as uow:
        await uow.leases.release("run_broadcasts", first.holder)
        await uow.commit()
    assert await second.claim("run_broadcasts", TTL)
    go_on.set()
    assert await asyncio.wait_for(running, 10) is True
    assert stopped.is_set() and "run_broadcasts" not in first.held
