"""Starting the real bot as a subprocess against a sandbox: its environment, its command line, its translations."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sandbox.server import DEFAULT_TOKEN
from tests.environment import without_settings

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = "en de es zh fr ar"
# Known to the tests, so they can send the bot webhooks signed as the sandbox provider signs them (and forge others).
SANDBOX_PAYMENT_SECRET = "whsec_e2e_sandbox"


@dataclass
class BotProcess:
    process: subprocess.Popen[bytes]
    log: Path
    web_url: str = ""  # the bot's web app: payment pages and webhooks

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def web_url(env: dict[str, str]) -> str:
    """Where the bot started with `env` serves its web app (payment pages, webhooks)."""
    return f"http://127.0.0.1:{env['WEB_PORT']}"


def bot_environment(server_url: str, database_url: str) -> dict[str, str]:
    env = without_settings(os.environ)
    env.update(
        # Each bot its own web app port: several run at once (tests/e2e/test_bot_processes.py).
        WEB_PORT=str(free_port()),
        SANDBOX_PAYMENT_SECRET=SANDBOX_PAYMENT_SECRET,
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
