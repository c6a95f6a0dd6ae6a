"""A small run of bench/broadcast.py (the real wiring sending to sandbox subscribers at the sandbox's rate limit,
paid and plain): nobody served twice or missed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "broadcast.py"


def test_a_small_broadcast_bench_serves_everyone_once(tmp_path: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            *("--subscribers", "200", "--rate", "400", "--plain-subscribers", "30", "--plain-rate", "30"),
            "--postgres-url=",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "[sqlite] paid: 200 subscribers in 8 languages, sandbox limit R=400/s" in run.stdout
    assert "[sqlite] plain: 30 subscribers in 8 languages, sandbox limit R=30/s" in run.stdout
    assert run.stdout.count("duplicates: 0 (must be 0)") == 2
    assert run.stdout.count("missed: 0 (must be 0)") == 2
