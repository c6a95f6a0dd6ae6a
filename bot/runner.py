"""Run the bot: check the schema, build the application, then long-poll, or serve Telegram's webhook; with
`--workers N`, a parent process that prepares once and keeps N webhook workers running (docs/scale-out.md)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
import tempfile
import time
from collections.abc import Sequence

from bot.app import open_application
from bot.config import Settings

log = logging.getLogger(__name__)
# A worker that lived at least this long died of something else than how it starts: restarted at once.
HEALTHY_SECONDS = 30.0
# A worker dying soon after its start is restarted after a wait doubling from the first to the longest.
FIRST_RESTART_WAIT, LONGEST_RESTART_WAIT = 0.5, 30.0
# What a worker exits with when it cannot start at all (a setting, the schema): the parent gives up too.
CANNOT_START = 2


def freeze_startup_heap() -> None:
    """Leave what the bot built at startup (modules, models, schemas, translations: some 300,000 objects that live as
    long as the process) out of the garbage collector's full passes. Each full pass walked them all: 0.3-0.6 s in
    which nothing else ran, a gap in a 1,000-a-second broadcast and in every buyer's reply (docs/broadcasts.md)."""
    gc.collect()
    gc.freeze()


async def run_bot(settings: Settings, worker: bool = False) -> None:
    """One bot process: long polling, or in webhook mode (WEBHOOK_URL) the web app serving Telegram's updates. A
    `worker` of `livesell run --workers N` shares its address with its siblings and leaves the schema, the command
    menus and the webhook to its parent."""
    async with open_application(settings, check_schema=not worker) as application:
        bot = application.make_bot()
        scheduler = application.make_scheduler()
        claims = application.update_claims
        tending = asyncio.create_task(claims.tend()) if claims is not None else None
        freeze_startup_heap()
        try:
            if not worker:
                await application.set_commands(bot)
            if settings.webhook_url:
                try:
                    async with application.serve_web(bot, reuse_port=worker):
                        if not worker:
                            await application.set_webhook(bot)
                        scheduler.start()
                        log.info("serving Telegram's updates on %s", settings.webhook_path)
                        await application.serve_webhook(bot)
                finally:
                    await bot.session.close()
            else:
                await bot.delete_webhook(drop_pending_updates=False)
                async with application.serve_web():
                    scheduler.start()
                    log.info("polling %s", settings.telegram_api_url)
                    await application.poll(bot)
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=False)
            if tending is not None:
                tending.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await tending


async def prepare_workers(settings: Settings) -> None:
    """What the parent does once before its workers start: the schema check, the command menus and the webhook."""
    async with open_application(settings) as application:
        bot = application.make_bot()
        try:
            await application.set_commands(bot)
            await application.set_webhook(bot)
        finally:
            await bot.session.close()


def worker_command() -> list[str]:
    return [sys.executable, "-c", "from bot.cli import main; main()", "run", "--worker"]


def worker_environment() -> dict[str, str]:
    """The parent's environment, with a fresh metrics directory the workers share (unless one is set)."""
    env = dict(os.environ)
    if not env.get("PROMETHEUS_MULTIPROC_DIR"):
        env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="livesell-metrics-")
    return env


class Supervisor:
    """Keeps `count` worker processes running until SIGTERM or SIGINT, which it passes on to them; a worker that dies
    is started again (after a growing wait if it keeps dying young)."""

    def __init__(self, count: int, command: Sequence[str], env: dict[str, str]) -> None:
        self.count = count
        self.command = list(command)
        self.env = env
        self.stopping = asyncio.Event()
        self.workers: dict[int, asyncio.subprocess.Process] = {}
        self.gave_up = False

    def stop(self) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        for process in self.workers.values():
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)

    async def run(self) -> int:
        """0 when every worker stopped cleanly when asked; 2 when a worker could not start; 1 otherwise."""
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, self.stop)
        try:
            results = await asyncio.gather(*(self._keep(slot) for slot in range(1, self.count + 1)))
        finally:
            for number in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(number)
        if self.gave_up:
            return CANNOT_START
        return 0 if all(code == 0 for code in results) else 1

    async def _keep(self, slot: int) -> int:
        wait = FIRST_RESTART_WAIT
        while True:
            started = time.monotonic()
            process = await asyncio.create_subprocess_exec(*self.command, env=self.env)
            self.workers[slot] = process
            log.info("worker %d started (pid %d)", slot, process.pid)
            if self.stopping.is_set():  # asked to stop while it started
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
            code = await process.wait()
            if self.stopping.is_set():
                log.info("worker %d (pid %d) stopped with %s", slot, process.pid, code)
                return code
            lived = time.monotonic() - started
            if code == CANNOT_START and lived < HEALTHY_SECONDS:
                log.error("worker %d could not start (exit %d): stopping all workers", slot, code)
                self.gave_up = True
                self.stop()
                return code
            if lived >= HEALTHY_SECONDS:
                wait = FIRST_RESTART_WAIT
            delay, wait = wait, min(wait * 2, LONGEST_RESTART_WAIT)
            log.warning(
                "worker %d (pid %d) died with %s after %.1fs: restarting in %.1fs",
                slot,
                process.pid,
                code,
                lived,
                delay,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), delay)
            if self.stopping.is_set():
                return 0


async def supervise(settings: Settings, workers: int) -> int:
    """`livesell run --workers N`: prepare once, then keep N webhook workers serving WEB_HOST:WEB_PORT together."""
    await prepare_workers(settings)
    supervisor = Supervisor(workers, worker_command(), worker_environment())
    log.info("starting %d workers on %s:%s", workers, settings.web_host, settings.web_port)
    return await supervisor.run()
