"""Broadcast: one message to N subscribers in 8 languages through the real wiring (build()'s BroadcastService and
TelegramBroadcastSender, the broadcaster's own Bot) against the sandbox Bot API with its rate limit set to R, on SQLite
and on PostgreSQL.

Two runs per database: paid (PAID_BROADCAST=true, the sandbox allowing R=1,000 paid sends a second, 20,000
subscribers) and plain (R=30 a second, Telegram's limit without paying, 1,200 subscribers so it takes under a
minute). The sandbox runs in a child process, as Telegram would be elsewhere; it also keeps Telegram's one message a
second per private chat.

Prints, per run: the achieved rate (delivered / time from the first send to the last recorded) next to R, as a
ratio (goal >= 0.95), the bot's CPU time a message (what bounds the rate on a busy machine), the 429s the sandbox
answered, duplicates (chats that got the message more than once) and missed subscribers (chats that got nothing);
both must be 0.

    .venv/bin/python bench/broadcast.py [--subscribers 20000] [--rate 1000] [--plain-subscribers 1200]
        [--plain-rate 30] [--postgres-url postgresql+asyncpg://...]

Exit status 1 when anyone got the message twice or not at all.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from children import child_process
from databases import fresh_database

from bot.app import build
from bot.config import load_settings
from bot.domain.broadcasts import BroadcastKind, Recipient, SendResult
from bot.runner import freeze_startup_heap
from handlers.broadcast_sender import TelegramBroadcastSender
from sandbox.rate_limits import RateLimits
from sandbox.server import DEFAULT_TOKEN, SandboxServer
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.tables import buyers

LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "ru", "zh"]
TEXT = "Live tonight at 20:00: new scarves, first come first served."


@dataclass(frozen=True, slots=True)
class Outcome:
    backend: str
    kind: str
    subscribers: int
    limit: int
    seconds: float
    delivered: int
    rate_limited: int
    duplicates: int
    missed: int
    cpu_seconds: float  # the bot process's, while it sent
    sandbox_cpu_seconds: float  # the sandbox process's (Telegram's side), meanwhile
    answered_in: float  # median seconds from a send leaving to its answer
    longest_gap: float  # the longest time without a send leaving
    gc_seconds: float  # the bot's garbage collector's, while it sent
    load: float  # the machine's load average (1 min) when the run began: other processes on its cores
    waited: float  # seconds the bot was ready to run but had no core (other processes had them)
    sandbox_waited: float  # the same for the sandbox

    @property
    def cpu_per_message(self) -> float:
        return self.cpu_seconds / self.delivered if self.delivered else 0.0

    @property
    def sandbox_cpu_per_message(self) -> float:
        return self.sandbox_cpu_seconds / self.delivered if self.delivered else 0.0

    @property
    def rate(self) -> float:
        return self.delivered / self.seconds if self.seconds else 0.0

    def report(self) -> str:
        return "\n".join(
            [
                f"[{self.backend}] {self.kind}: {self.subscribers} subscribers in {len(LANGUAGES)} languages, "
                f"sandbox limit R={self.limit}/s",
                f"  achieved: {self.rate:.1f}/s in {self.seconds:.1f} s = {self.rate / self.limit:.3f} of R "
                "(goal >= 0.95)",
                f"  bot CPU: {self.cpu_per_message * 1000:.2f} ms a message (one free core: "
                f"{1 / self.cpu_per_message if self.cpu_per_message else 0:.0f}/s at most)",
                f"  sandbox CPU: {self.sandbox_cpu_per_message * 1000:.2f} ms a message (Telegram's side, on the same "
                f"cores here; both: {(self.cpu_per_message + self.sandbox_cpu_per_message) * 1000:.2f} ms)",
                f"  median answer: {self.answered_in * 1000:.0f} ms (a send counts against R until a second after it)",
                f"  longest gap between two sends: {self.longest_gap * 1000:.0f} ms; garbage collection: "
                f"{self.gc_seconds:.2f} s",
                f"  waited for a core held by other processes: bot {self.waited:.1f} s, sandbox "
                f"{self.sandbox_waited:.1f} s (machine load when it began: {self.load:.2f} on {os.cpu_count()} cores)",
                f"  429s received: {self.rate_limited}",
                f"  duplicates: {self.duplicates} (must be 0)",
                f"  missed: {self.missed} (must be 0)",
            ]
        )


class AnswerTimes:
    """How long each of the broadcaster's sends waited for its answer (the sender's `send`, wrapped)."""

    def __init__(self, sender: TelegramBroadcastSender) -> None:
        self.seconds: list[float] = []
        self.left: list[float] = []
        send = sender.send

        async def timed(kind: BroadcastKind, reference: int, recipient: Recipient, paid: bool) -> SendResult:
            started = time.monotonic()
            self.left.append(started)
            try:
                return await send(kind, reference, recipient, paid)
            finally:
                self.seconds.append(time.monotonic() - started)

        sender.send = timed  # type: ignore[method-assign]


def waited_for_a_core() -> float:
    """Seconds this process's threads spent ready to run while other processes held the cores (Linux's schedstat;
    0 elsewhere)."""
    total = 0.0
    try:
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/schedstat") as stats:
                total += int(stats.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0
    return total


class GcPauses:
    """The time the bot's garbage collector stopped everything, until `stop`."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._began = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._began

    def stop(self) -> None:
        gc.callbacks.remove(self._on_gc)


async def serve_sandbox() -> None:
    """The child: serve the sandbox; `people N PAID R` makes N started personas and sets the limits, `tally` counts
    the bot's messages per private chat."""
    server = await SandboxServer().start()
    sandbox = server.sandbox
    print(json.dumps(server.url), flush=True)
    try:
        while line := await asyncio.to_thread(sys.stdin.readline):
            command, *arguments = line.split()
            answer: Any
            if command == "people":
                count, paid, limit = int(arguments[0]), arguments[1] == "paid", int(arguments[1 + 1])
                people = []
                for number in range(count):
                    persona = sandbox.add_persona(f"Subscriber {number}", language_code=LANGUAGES[number % 8])
                    persona.has_started_bot = True
                    people.append([persona.id, persona.language_code])
                sandbox.rate_limits = (
                    RateLimits(private_per_second=1, paid_per_second=limit)
                    if paid
                    else RateLimits(overall_per_second=limit, private_per_second=1)
                )
                answer = people
            elif command == "cpu":
                answer = [time.process_time(), waited_for_a_core()]
            elif command == "tally":
                counts = [
                    sum(1 for message in chat.messages.values() if message.from_bot)
                    for chat in sandbox.chats.values()
                    if chat.type == "private"
                ]
                answer = {
                    "duplicates": sum(count - 1 for count in counts if count > 1),
                    "missed": sum(1 for count in counts if count == 0),
                    "rate_limited": sandbox.flood.refused,
                }
            else:
                raise ValueError(f"unknown command {command!r}")
            print(json.dumps(answer), flush=True)
    finally:
        await server.stop()


async def add_subscribers(database_url: str, people: list[list[Any]]) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.insert(buyers),
                [
                    {"telegram_id": person_id, "language": language, "subscribed": True, "started": True}
                    for person_id, language in people
                ],
            )
    finally:
        await engine.dispose()


async def run_broadcast(backend: str, database_url: str, subscribers: int, limit: int, paid: bool) -> Outcome:
    await upgrade(database_url)
    async with child_process(__file__, "--serve-sandbox") as (url, sandbox):
        people = await sandbox.ask(f"people {subscribers} {'paid' if paid else 'plain'} {limit}")
        await add_subscribers(database_url, people)
        settings = load_settings(
            bot_token=DEFAULT_TOKEN,
            telegram_api_url=url,
            database_url=database_url,
            redis_url=None,
            supported_languages=LANGUAGES,
            default_language="en",
            paid_broadcast=paid,
            paid_broadcast_rate=limit if paid else 1000,
            broadcast_rate=limit if not paid else 25,
            merchant_ids=[],
        )
        application = build(settings)
        try:
            broadcaster = application.make_broadcaster()
            application.broadcast_sender.attach(broadcaster)
            answers = AnswerTimes(application.broadcast_sender)
            broadcasts = application.broadcasts
            broadcast_id = await broadcasts.send_message(TEXT)
            sandbox_cpu, sandbox_waited = await sandbox.ask("cpu")
            freeze_startup_heap()  # as `livesell run` does once the bot is built
            pauses = GcPauses()
            load = os.getloadavg()[0]
            started, cpu, waited = time.monotonic(), time.process_time(), waited_for_a_core()
            await broadcasts.run_pending()
            seconds, cpu = time.monotonic() - started, time.process_time() - cpu
            waited = waited_for_a_core() - waited
            pauses.stop()
            sandbox_cpu_after, sandbox_waited_after = await sandbox.ask("cpu")
            sandbox_cpu, sandbox_waited = sandbox_cpu_after - sandbox_cpu, sandbox_waited_after - sandbox_waited
            report = await broadcasts.report(broadcast_id)
        finally:
            await application.close()
        tally = await sandbox.ask("tally")
    return Outcome(
        backend=backend,
        kind="paid" if paid else "plain",
        subscribers=subscribers,
        limit=limit,
        seconds=report.took.total_seconds() or seconds,
        delivered=report.delivered,
        rate_limited=tally["rate_limited"],
        duplicates=tally["duplicates"],
        missed=tally["missed"],
        cpu_seconds=cpu,
        sandbox_cpu_seconds=sandbox_cpu,
        answered_in=statistics.median(answers.seconds) if answers.seconds else 0.0,
        longest_gap=max((b - a for a, b in zip(answers.left, answers.left[1:], strict=False)), default=0.0),
        gc_seconds=pauses.seconds,
        load=load,
        waited=waited,
        sandbox_waited=sandbox_waited,
    )


async def run_on(backend: str, postgres_url: str | None, arguments: argparse.Namespace) -> list[Outcome]:
    outcomes = []
    runs = [(arguments.subscribers, arguments.rate, True), (arguments.plain_subscribers, arguments.plain_rate, False)]
    for subscribers, limit, paid in runs:
        if subscribers <= 0:
            continue
        async with fresh_database(postgres_url if backend == "postgresql" else None, "broadcast") as database_url:
            outcomes.append(await run_broadcast(backend, database_url, subscribers, limit, paid))
        print(outcomes[-1].report(), flush=True)
    return outcomes


def main(arguments: argparse.Namespace) -> int:
    if arguments.serve_sandbox:
        asyncio.run(serve_sandbox())
        return 0
    failed = False
    for backend in ("sqlite", "postgresql"):
        if backend == "postgresql" and not arguments.postgres_url:
            print("[postgresql] skipped: set TEST_POSTGRES_URL or pass --postgres-url", flush=True)
            continue
        outcomes = asyncio.run(run_on(backend, arguments.postgres_url, arguments))
        failed |= any(outcome.duplicates or outcome.missed for outcome in outcomes)
    return 1 if failed else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=20_000, help="subscribers of the paid run (default 20000)")
    parser.add_argument("--rate", type=int, default=1000, help="the sandbox's paid limit R a second (default 1000)")
    parser.add_argument(
        "--plain-subscribers", type=int, default=1200, help="subscribers of the plain run (default 1200; 0: skip it)"
    )
    parser.add_argument("--plain-rate", type=int, default=30, help="the sandbox's plain limit a second (default 30)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL"),
        help="postgresql+asyncpg:// URL of a server where a scratch database may be made (default TEST_POSTGRES_URL)",
    )
    parser.add_argument("--serve-sandbox", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(main(parse_args()))
