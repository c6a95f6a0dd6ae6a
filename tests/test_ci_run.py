"""`.ci/run` on a machine where PostgreSQL and Redis are down and Chromium is missing: it starts both servers, tries to
install Chromium (saying the browser tests will skip when it cannot), and runs `make test` against databases that exist
on a new cluster. The machine's commands are stubs on PATH that record what was asked of them."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Each stub appends its name and arguments to $CALLS; the servers are "up" once their start command has run.
STUBS = {
    "pg_isready": 'test -e "$STATE/postgres"',
    "pg_ctlcluster": 'touch "$STATE/postgres"',
    "redis-cli": 'test -e "$STATE/redis"',
    "redis-server": 'touch "$STATE/redis"',
    "apt-get": "exit 100",
    "make": 'echo "make $* with $TEST_POSTGRES_URL $TEST_REDIS_URL"',
}
# What the script may use from the machine besides the stubs (chromium is not among them).
TOOLS = ["bash", "env", "dirname", "ls", "seq", "sleep", "touch", "test", "cat"]


def _machine(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "state").mkdir()
    for name, body in STUBS.items():
        stub = bin_dir / name
        stub.write_text(f'#!/bin/bash\necho "{name} $*" >> "$CALLS"\n{body}\n')
        stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    for tool in TOOLS:
        for folder in ("/usr/bin", "/bin"):
            if (Path(folder) / tool).exists() and not (bin_dir / tool).exists():
                (bin_dir / tool).symlink_to(Path(folder) / tool)
    return {
        "PATH": str(bin_dir),
        "STATE": str(tmp_path / "state"),
        "CALLS": str(tmp_path / "calls"),
        "HOME": os.environ.get("HOME", "/tmp"),
    }


def test_ci_run_starts_the_servers_tries_chromium_and_runs_make_test(tmp_path: Path) -> None:
    env = _machine(tmp_path)
    finished = subprocess.run(
        ["bash", str(ROOT / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert finished.returncode == 0, finished.stderr
    calls = (tmp_path / "calls").read_text().splitlines()
    started = [call.split()[0] for call in calls if call.split()[0] in ("pg_ctlcluster", "redis-server", "apt-get")]
    assert started[:2] == ["pg_ctlcluster", "redis-server"] and "apt-get" in started
    assert "could not install chromium: browser tests will skip" in finished.stdout
    assert (
        "make test with postgresql+asyncpg://postgres@127.0.0.1:5432/postgres redis://127.0.0.1:6379/15"
        in finished.stdout
    )
