"""Run the bot: check the schema, build the application, then long-poll, or serve Telegram's webhook; with
`--workers N`, a parent process that prepares once and keeps N webhook workers running (docs/scale-out.md)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import select
import signal
import time
from collections.abc import AsyncIterator, Callable, Iterator

from bot.app import Application, open_application
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


# Set by a SIGTERM or SIGINT that comes before the bot listens for them (a worker stopped while it starts).
_stop_requested = False


def _request_stop(number: int, frame: object) -> None:
    global _stop_requested
    _stop_requested = True


@contextlib.contextmanager
def _stopped_by_signals(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    if _stop_requested:
        stop.set()
    try:
        yield
    finally:
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(number)


async def run_bot(settings: Settings, worker: bool = False) -> None:
    """One bot process: long polling, or in webhook mode (WEBHOOK_URL) the web app serving Telegram's updates. A
    `worker` of `livesell run --workers N` shares its address with its siblings and leaves the schema, the command
    menus and the webhook to its parent."""
    if settings.webhook_url:
        stop = asyncio.Event()
        with _stopped_by_signals(stop):
            await _serve_webhook(settings, worker, stop)
        return
    async with open_application(settings) as application:
        bot = application.make_bot()
        scheduler = application.make_scheduler()
        freeze_startup_heap()
        try:
            async with _tending(application):
                await application.set_commands(bot)
                await bot.delete_webhook(drop_pending_updates=False)
                async with application.serve_web():
                    scheduler.start()
                    log.info("polling %s", settings.telegram_api_url)
                    await application.poll(bot)
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=False)


async def _serve_webhook(settings: Settings, worker: bool, stop: asyncio.Event) -> None:
    async with open_application(settings, check_schema=not worker) as application:
        bot = application.make_bot()
        scheduler = application.make_scheduler()
        freeze_startup_heap()
        try:
            async with _tending(application), application.serve_web(bot, reuse_port=worker):
                if not worker:
                    await application.set_commands(bot)
                    await application.set_webhook(bot)
                scheduler.start()
                log.info("serving Telegram's updates on %s", settings.webhook_path)
                await application.serve_webhook(stop)
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=False)
            await bot.session.close()


@contextlib.asynccontextmanager
async def _tending(application: Application) -> AsyncIterator[None]:
    """Keep this process's update claims fresh (and prune old ones) while the block runs."""
    claims = application.update_claims
    tending = asyncio.create_task(claims.tend()) if claims is not None else None
    try:
        yield
    finally:
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


class Supervisor:
    """Keeps `count` worker processes running until SIGTERM or SIGINT, which it passes on to them; a worker that dies
    is started again (after a growing wait if it keeps dying young). Workers are forked from this process, which has
    imported everything already: a worker starts in a second instead of importing the bot anew (several seconds of
    CPU), and shares the parent's frozen startup heap until it writes to it."""

    def __init__(self, count: int, work: Callable[[], int]) -> None:
        self.count = count
        self.work = work
        self.stopping = False
        self.workers: dict[int, int] = {}  # pid -> slot
        self.results: dict[int, int] = {}  # slot -> exit status once stopped
        self.gave_up = False
        self._wake_read, self._wake_write = -1, -1

    def run(self) -> int:
        """0 when every worker stopped cleanly when asked; 2 when a worker could not start; 1 otherwise."""
        self._wake_read, self._wake_write = os.pipe()
        os.set_blocking(self._wake_write, False)
        previous_wakeup = signal.set_wakeup_fd(self._wake_write)
        previous = {number: signal.signal(number, self._on_signal) for number in (signal.SIGTERM, signal.SIGINT)}
        try:
            started_at: dict[int, float] = {}
            waits = dict.fromkeys(range(1, self.count + 1), FIRST_RESTART_WAIT)
            for slot in range(1, self.count + 1):
                started_at[slot] = self._start(slot)
            while self.workers:
                pid, status = os.wait()
                slot = self.workers.pop(pid, None)
                if slot is None:
                    continue
                code = os.waitstatus_to_exitcode(status)
                _forget_metrics_of(pid)
                if self.stopping:
                    log.info("worker %d (pid %d) stopped with %s", slot, pid, code)
                    # One killed by the SIGTERM before it could take any update stopped cleanly too.
                    self.results[slot] = 0 if code in (0, -signal.SIGTERM) else code
                    continue
                lived = time.monotonic() - started_at[slot]
                if code == CANNOT_START and lived < HEALTHY_SECONDS:
                    log.error("worker %d could not start (exit %d): stopping all workers", slot, code)
                    self.gave_up = True
                    self.results[slot] = code
                    self._stop()
                    continue
                if lived >= HEALTHY_SECONDS:
                    waits[slot] = FIRST_RESTART_WAIT
                delay, waits[slot] = waits[slot], min(waits[slot] * 2, LONGEST_RESTART_WAIT)
                log.warning(
                    "worker %d (pid %d) died with %s after %.1fs: restarting in %.1fs", slot, pid, code, lived, delay
                )
                self._pause(delay)
                if self.stopping:
                    self.results[slot] = 0
                    continue
                started_at[slot] = self._start(slot)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            signal.set_wakeup_fd(previous_wakeup)
            os.close(self._wake_read)
            os.close(self._wake_write)
        if self.gave_up:
            return CANNOT_START
        return 0 if all(code == 0 for code in self.results.values()) else 1

    def _start(self, slot: int) -> float:
        # A stop asked while the worker is being forked waits until it is known here (and so told to stop too); the
        # worker keeps one asked before its event loop listens for it.
        stops = {signal.SIGTERM, signal.SIGINT}
        signal.pthread_sigmask(signal.SIG_BLOCK, stops)
        try:
            pid = os.fork()
            if pid == 0:  # the worker
                for number in stops:
                    signal.signal(number, _request_stop)
                signal.set_wakeup_fd(-1)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
                os.close(self._wake_read)
                os.close(self._wake_write)
                code = 1
                try:
                    code = self.work()
                finally:
                    logging.shutdown()
                    os._exit(code)
            self.workers[pid] = slot
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
        log.info("worker %d started (pid %d)", slot, pid)
        return time.monotonic()

    def _on_signal(self, number: int, frame: object) -> None:
        self._stop()

    def _stop(self) -> None:
        if self.stopping:
            return
        self.stopping = True
        for pid in self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    def _pause(self, seconds: float) -> None:
        """Wait `seconds`, or less if a signal comes (the wakeup pipe is written then)."""
        ready, _, _ = select.select([self._wake_read], [], [], seconds)
        if ready:
            with contextlib.suppress(BlockingIOError):
                os.read(self._wake_read, 64)


def _forget_metrics_of(pid: int) -> None:
    """A dead worker's live gauges leave the shared metrics directory (prometheus_client's multiprocess mode)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    try:
        from prometheus_client import multiprocess
    except ImportError:
        return
    with contextlib.suppress(Exception):
        multiprocess.mark_process_dead(pid)


def supervise(settings: Settings, workers: int, work: Callable[[], int]) -> int:
    """`livesell run --workers N`, after `prepare_workers`: keep N webhook workers serving WEB_HOST:WEB_PORT
    together; `work` is what each worker runs (its exit status)."""
    log.info("starting %d workers on %s:%s", workers, settings.web_host, settings.web_port)
    return Supervisor(workers, work).run()
