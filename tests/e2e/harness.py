"""Starting the real bot as a subprocess against a sandbox: its environment, its command line, its translations."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sandbox.server import DEFAULT_TOKEN
from tests.environment import without_settings

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = "en de es zh fr"


@dataclass
class BotProcess:
    process: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def compile_translations() -> None:
    """The bot refuses to start without compiled catalogues (they are build output, ignored by git)."""
    for po in (ROOT / "locales").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            pybabel = Path(sys.executable).with_name("pybabel")
            subprocess.run([str(pybabel), "compile", "-i", str(po), "-o", str(mo)], check=True, capture_output=True)


def bot_environment(server_url: str, database_url: str) -> dict[str, str]:
    env = without_settings(os.environ)
    env.update(
        BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_URL=server_url,
        DATABASE_URL=database_url,
        SUPPORTED_LANGUAGES=LANGUAGES,
        DEFAULT_LANGUAGE="en",
        CATALOG_PAGE_SIZE="2",
        LOG_LEVEL="INFO",
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
    )
    return env


def livesell(*args: str) -> list[str]:
    return [sys.executable, "-c", "from bot.cli import main; main()", *args]
