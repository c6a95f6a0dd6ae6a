"""A small run of bench/export.py (generated orders exported by the service next to the sqlite3 tool's dump of the
same rows), so the benchmark cannot rot: both files hold every order."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "export.py"


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="the sqlite3 command-line tool is not installed")
def test_a_small_export_bench_exports_every_order(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--orders", "3000"], cwd=tmp_path, capture_output=True, text=True, timeout=240
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "[sqlite] 3,000 orders generated" in run.stdout
    assert re.search(r"export to CSV: [\d.]+ s, sqlite3 tool's CSV dump of the same rows: [\d.]+ s, ratio", run.stdout)
    assert "same rows: yes" in run.stdout
