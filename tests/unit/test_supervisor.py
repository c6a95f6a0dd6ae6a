"""The parent of `livesell run --workers N` (bot/runner.py's Supervisor), with workers that are small functions
instead of the bot: a worker that dies is started again, SIGTERM is passed on and ends the parent with 0 once the
workers stopped, and a worker that cannot start stops everything with 2."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from bot import runner
from bot.runner import CANNOT_START, Supervisor

# A worker left waiting would hang the run (the parent waits for it): fail instead.
pytestmark = pytest.mark.timeout(30)


def starts(folder: Path) -> int:
    """Count this worker's start in `folder` (a file per start: forked workers share no memory); the count so far."""
    mark = folder / f"start-{os.getpid()}"
    mark.touch()
    return len(list(folder.glob("start-*")))


def wait_for_sigterm() -> None:
    # Blocked first, so a SIGTERM that comes later is not lost; one that came before was kept by the worker's handler.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    if not runner._stop_requested:
        signal.sigwait({signal.SIGTERM})


@pytest.fixture(autouse=True)
def quick_restarts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "FIRST_RESTART_WAIT", 0.01)


def test_a_worker_that_dies_is_started_again_and_sigterm_stops_all_with_0(tmp_path: Path) -> None:
    def work() -> int:
        if starts(tmp_path) == 1:
            os._exit(9)  # the first worker dies
        os.kill(os.getppid(), signal.SIGTERM)  # the parent is asked to stop once the new worker runs
        wait_for_sigterm()
        return 0

    assert Supervisor(1, work).run() == 0
    assert len(list(tmp_path.glob("start-*"))) == 2


def test_sigterm_is_passed_to_every_worker(tmp_path: Path) -> None:
    def work() -> int:
        if starts(tmp_path) == 3:
            os.kill(os.getppid(), signal.SIGTERM)
        wait_for_sigterm()
        return 0

    assert Supervisor(3, work).run() == 0


def test_a_worker_that_cannot_start_stops_the_others_and_the_parent_exits_2(tmp_path: Path) -> None:
    def work() -> int:
        if starts(tmp_path) == 1:
            return CANNOT_START
        wait_for_sigterm()
        return 0

    assert Supervisor(2, work).run() == CANNOT_START
