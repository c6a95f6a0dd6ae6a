"""The demo's personas are new people every run, though its database remembers the buyers of earlier runs."""

from __future__ import annotations

from sandbox.demo import first_persona_id
from sandbox.world import Sandbox

TELEGRAM_ID_BITS = 52


async def test_personas_of_a_later_demo_run_never_take_an_earlier_runs_ids() -> None:
    started = 1_764_000_000.0
    first_run = Sandbox(first_persona_id=first_persona_id(started))
    earlier = {first_run.add_persona(f"Buyer {n}").id for n in range(500)}
    second_run = Sandbox(first_persona_id=first_persona_id(started + 1))  # restarted a second later, same database
    anna = second_run.add_persona("Anna", language_code="es")
    assert anna.id not in earlier and anna.id > max(earlier)
    assert anna.id < 2**TELEGRAM_ID_BITS


async def test_a_sandbox_numbers_its_personas_from_the_first_id_it_is_given() -> None:
    assert Sandbox().add_persona("Anna").id == 100_001  # tests and benchmarks keep their small, stable ids
    assert Sandbox(first_persona_id=5_000).add_persona("Anna").id == 5_000
