"""A small flash sale through bench/flash_sale.py (its own bot and sandbox): nothing oversold, no order lost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "flash_sale.py"


def test_a_small_flash_sale_oversells_nothing_and_loses_no_order(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--buyers", "50", "--backend", "sqlite"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "oversold units: 0 (must be 0)" in run.stdout
    assert "lost orders: 0 (must be 0); failed updates: 0" in run.stdout
    assert "added to a cart: 50, told sold out: 0" in run.stdout
