"""Update claims on both backends: an update is handled by one process, skipped by all once done, taken over from a
process that died (at once when it is known gone, else once its claim went stale), and never by two at once, even
when two processes claim or take over in the same moment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.domain.updates import Claim
from bot.services.updates import KEEP_DONE, STALE_AFTER, UpdateClaimService
from storage.engine import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWorkFactory

START = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def process(database_url: str, clock: Clock) -> AsyncIterator[Callable[..., UpdateClaimService]]:
    """A bot process of its own (its own engine and pool, as another worker has) claiming as `holder`."""
    engines = []

    def make(holder: str, gone: Callable[[str], bool] = lambda other: False) -> UpdateClaimService:
        engine = make_engine(database_url)
        engines.append(engine)
        return UpdateClaimService(SqlUnitOfWorkFactory(make_sessionmaker(engine)), holder, gone, clock=clock)

    yield make
    for engine in engines:
        await engine.dispose()


async def rows(service: UpdateClaimService) -> list[tuple[int, str, str]]:
    async with service.uow() as uow:
        connection = await uow.session.connection()  # type: ignore[attr-defined]
        result = await connection.execute(sa.text("SELECT update_id, status, holder FROM update_claim ORDER BY 1"))
        return [(row.update_id, row.status, row.holder) for row in result]


async def test_an_update_is_handled_by_one_process_and_skipped_by_all_once_done(
    process: Callable[..., UpdateClaimService],
) -> None:
    first, second = process("host:1:a"), process("host:2:b")
    assert await first.claim(7) is Claim.TAKEN
    assert await second.claim(7) is Claim.BUSY
    assert await first.claim(7) is Claim.BUSY  # delivered again to the process handling it
    await first.finish(7)
    assert await second.claim(7) is Claim.DONE
    assert await first.claim(7) is Claim.DONE
    assert await rows(first) == [(7, "done", "host:1:a")]


async def test_two_processes_claiming_the_same_updates_at_once_take_each_exactly_once(
    process: Callable[..., UpdateClaimService],
) -> None:
    first, second = process("host:1:a"), process("host:2:b")
    updates = range(1000, 1040)
    claims = await asyncio.gather(*(worker.claim(update) for update in updates for worker in (first, second)))
    for index, update in enumerate(updates):
        pair = sorted((claims[2 * index], claims[2 * index + 1]))
        assert pair == [Claim.BUSY, Claim.TAKEN], (update, pair)
    assert len(await rows(first)) == len(updates)


async def test_the_claim_of_a_process_known_gone_is_taken_over_at_once_by_exactly_one(
    process: Callable[..., UpdateClaimService], clock: Clock
) -> None:
    dead = process("host:9:dead")
    assert await dead.claim(5) is Claim.TAKEN
    clock.now += timedelta(seconds=1)  # long before the claim could go stale
    gone = "host:9:dead".__eq__
    first, second = process("host:1:a", gone), process("host:2:b", gone)
    outcomes = sorted(await asyncio.gather(first.claim(5), second.claim(5)))
    assert outcomes == [Claim.BUSY, Claim.TAKEN]
    winner = first if (await rows(first))[0][2] == first.holder else second
    await winner.finish(5)
    assert await process("host:3:c").claim(5) is Claim.DONE
    await dead.finish(5)  # a late finish by the one taken over changes nothing
    assert await rows(first) == [(5, "done", winner.holder)]


async def test_a_claim_is_taken_over_only_once_its_holder_stopped_refreshing_it(
    process: Callable[..., UpdateClaimService], clock: Clock
) -> None:
    holder, other = process("far:1:a"), process("host:2:b")
    assert await holder.claim(11) is Claim.TAKEN
    clock.now += STALE_AFTER - timedelta(seconds=30)
    assert await holder.refresh() == 1  # a slow handler, still alive
    clock.now += timedelta(seconds=60)  # stale since the claim, fresh since the refresh
    assert await other.claim(11) is Claim.BUSY
    clock.now += STALE_AFTER  # no refresh since: its process is gone
    assert await other.claim(11) is Claim.TAKEN
    await holder.finish(11)  # too late: it no longer holds it
    assert await rows(other) == [(11, "handling", "host:2:b")]
    await other.finish(11)
    assert await holder.claim(11) is Claim.DONE


async def test_an_update_whose_handling_failed_is_released_and_handled_when_it_comes_again(
    process: Callable[..., UpdateClaimService],
) -> None:
    first, second = process("host:1:a"), process("host:2:b")
    assert await first.claim(3) is Claim.TAKEN
    await first.release(3)
    assert await second.claim(3) is Claim.TAKEN


async def test_done_updates_are_forgotten_after_telegram_stops_redelivering_them(
    process: Callable[..., UpdateClaimService], clock: Clock
) -> None:
    worker = process("host:1:a")
    for update in (1, 2):
        assert await worker.claim(update) is Claim.TAKEN
    await worker.finish(1)
    clock.now += KEEP_DONE - timedelta(minutes=1)
    assert await worker.claim(3) is Claim.TAKEN
    await worker.finish(3)
    clock.now += timedelta(minutes=2)
    # Update 1, done, and 2, left `handling` 48 hours ago by a process that never marked it; 3 is recent.
    assert await worker.prune() == 2
    assert [row[0] for row in await rows(worker)] == [3]


async def test_a_process_takes_back_its_own_claim_its_failed_try_could_not_release(
    process: Callable[..., UpdateClaimService],
) -> None:
    worker, other = process("host:1:a"), process("host:2:b")
    assert await worker.claim(13) is Claim.TAKEN
    assert await worker.claim(13) is Claim.BUSY  # in its hands: a second delivery is not handled beside it
    worker.in_hand.discard(13)  # the try failed and the database was away for the release
    assert await other.claim(13) is Claim.BUSY  # still this live process's
    assert await worker.claim(13) is Claim.TAKEN  # Telegram's redelivery (or the outage retry) takes it back
