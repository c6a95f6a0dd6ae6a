"""A small run of bench/webhooks.py (the bot's real web app, signed webhooks posted at once, replays, forgeries and
stale ones among them): no wrong transition."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "webhooks.py"


def test_a_small_webhook_storm_makes_no_wrong_transition(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--webhooks", "30", "--postgres-url="],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "[sqlite] 30 webhooks (forged 5, genuine 20, replay 4, stale 1)" in run.stdout
    assert "wrong transitions: 0 (must be 0)" in run.stdout
