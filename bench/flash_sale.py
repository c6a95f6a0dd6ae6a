"""Flash sale: N buyers send a keyword order for one product with 500 units at once, through the real bot
(build(), its dispatcher polling the sandbox Bot API over HTTP), on SQLite and on PostgreSQL.

The bot runs alone in this process; the sandbox server and the crowd's load generator run in a child process, as
Telegram and the buyers would be elsewhere: in one process they took the bot's GIL and event loop and made it look
slower than it is (`--sandbox-in-process` runs them in a thread here, as the bench first did, to compare).

Prints, per database: oversold units and lost orders (both must be 0), and the claim latency p50/p99 next to the
latency of a single buyer ordering alone in the same run. Claim latency is what a buyer waits: from sending the
keyword (the bench's request to the sandbox) to the Bot API accepting the bot's answer (added, or sold out); both
moments are read from the system's monotonic clock, which the two processes share.

    .venv/bin/python bench/flash_sale.py [--buyers 2000] [--postgres-url postgresql+asyncpg://...]

With `--telegram-limits` the sandbox keeps Telegram's limits (30 messages a second per bot, one a second per private
chat after a burst of 3, 20 a minute per group) and answers anything over them with 429, as Telegram does: the limit
is then Telegram's, not the bot's. It prints the time until every winner (a buyer who got units) holds their
confirmation next to the floor the limits set (winners / 30 s; goal <= 1.2x), the same for every buyer's answer, and
how many of the bot's sends got a 429 (goal <= 1%). See docs/outbound.md.

Exit status 1 when anything was oversold or lost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import Response, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import TelegramObject
from children import Child, child_process
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import build, open_core
from bot.config import load_settings
from bot.domain.outbound import OutboundLimits
from bot.services.outbound import OutboundQueue
from sandbox.client import SandboxClient, SandboxPersona
from sandbox.server import DEFAULT_TOKEN, SandboxServer, serve_in_thread
from storage.engine import make_engine

UNITS = 500
SOLO_ORDERS = 20
CATALOGUE = f"""code,variant,title,description,price,currency,stock,ships_to,image_url
FLASH1,,Flash sale scarf,One product and {UNITS} units.,9.90,EUR,{UNITS},*,
SOLO1,,Solo scarf,Ordered by one buyer at a time.,9.90,EUR,100000,*,
"""
ADDED = "Added to your cart"
SOLD_OUT = "sold out"
DEADLINE = 900.0
UNLIMITED = 1_000_000


@dataclass
class Stopwatch:
    """When each buyer's order left and when the bot's answer arrived, by chat id."""

    sent: dict[int, float] = field(default_factory=dict)
    answered: dict[int, float] = field(default_factory=dict)
    answers: dict[int, str] = field(default_factory=dict)

    def latencies(self, chats: list[int]) -> list[float]:
        return [self.answered[c] - self.sent[c] for c in chats if c in self.answered and c in self.sent]


class AnswerRecorder(BaseRequestMiddleware):
    """Notes the first message the bot sends to each chat, once the Bot API has accepted it. (A handler hands an
    order's answer to a task of its own, so an update may be done before its answer is sent: `answered` awaits them.)"""

    def __init__(self, clock: Stopwatch) -> None:
        self.clock = clock
        self._awaited: set[int] = set()
        self._all_in = asyncio.Event()

    async def answered(self, chats: list[int]) -> None:
        self._awaited = {chat for chat in chats if chat not in self.clock.answered}
        self._all_in = asyncio.Event()
        if not self._awaited:
            return
        await self._all_in.wait()

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        response = await make_request(bot, method)
        if isinstance(method, SendMessage) and isinstance(method.chat_id, int):
            self.clock.answered.setdefault(method.chat_id, time.monotonic())
            self.clock.answers.setdefault(method.chat_id, method.text)
            self._awaited.discard(method.chat_id)
            if not self._awaited:
                self._all_in.set()
        return response


class UpdateCounter(BaseMiddleware):
    """Counts updates the dispatcher finished with (handled or failed), so the run awaits the last one."""

    def __init__(self) -> None:
        self.finished = 0
        self.failed = 0
        self._target = 0
        self._reached = asyncio.Event()

    def expect(self, more: int) -> asyncio.Event:
        self._target = self.finished + more
        self._reached = asyncio.Event()
        return self._reached

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        except Exception:
            self.failed += 1
            raise
        finally:
            self.finished += 1
            if self.finished >= self._target:
                self._reached.set()


@dataclass
class Outcome:
    backend: str
    buyers: int
    added: int
    sold_out: int
    oversold: int
    lost: int
    units_left: int
    failed_updates: int
    p50: float
    p99: float
    solo: float
    seconds: float
    limits: LimitsOutcome | None = None

    def report(self) -> str:
        ms = 1000
        if self.limits is not None:
            return self.limits.report(self)
        return "\n".join(
            [
                f"[{self.backend}] {self.buyers} buyers, {UNITS} units, {self.seconds:.1f} s",
                f"  added to a cart: {self.added}, told sold out: {self.sold_out}, units left: {self.units_left}",
                f"  oversold units: {self.oversold} (must be 0)",
                f"  lost orders: {self.lost} (must be 0); failed updates: {self.failed_updates}",
                f"  claim latency p50 {self.p50 * ms:.0f} ms, p99 {self.p99 * ms:.0f} ms; "
                f"single buyer {self.solo * ms:.0f} ms; ratio p50 {self.p50 / self.solo:.1f}x, "
                f"p99 {self.p99 / self.solo:.1f}x",
            ]
        )


@dataclass
class LimitsOutcome:
    """The flash sale under Telegram's limits: how long answers took next to what the limits allow at best."""

    rate: float
    winners: int
    winners_confirmed: float  # seconds from the orders until the last winner's confirmation was accepted
    everyone_answered: float
    sends: int  # the bot's sends Telegram (the sandbox) counted or refused
    refused: int  # 429s the sandbox answered
    queue_refused: int  # 429s the bot's outbound queue received (the same, seen from the bot)
    unanswered: int
    orders_taken: float  # seconds until the bot had handled every order (answers may still wait for their turn)
    load: float  # the machine's load average (1 min) when the sale began

    def report(self, sale: Outcome) -> str:
        winners_floor = self.winners / self.rate
        everyone_floor = sale.buyers / self.rate
        share = self.refused / self.sends if self.sends else 0.0
        return "\n".join(
            [
                f"[{sale.backend}, Telegram's limits] {sale.buyers} buyers, {UNITS} units, {sale.seconds:.1f} s "
                f"(load {self.load:.1f} on {os.cpu_count()} cores)",
                f"  every order taken after {self.orders_taken:.1f} s ({sale.buyers / self.orders_taken:.0f} a second)",
                f"  every winner confirmed after {self.winners_confirmed:.1f} s; floor {winners_floor:.1f} s "
                f"({self.winners} winners / {self.rate:.0f} a second); "
                f"ratio {self.winners_confirmed / winners_floor:.2f}x (goal <= 1.2x)",
                f"  every buyer answered after {self.everyone_answered:.1f} s; floor {everyone_floor:.1f} s; ratio "
                f"{self.everyone_answered / everyone_floor:.2f}x",
                f"  429s: {self.refused} of the bot's {self.sends} sends ({share:.2%}; goal <= 1%); the bot's queue "
                f"saw {self.queue_refused}",
                f"  buyers without an answer: {self.unanswered} (must be 0); oversold units: {sale.oversold}; "
                f"lost orders: {sale.lost} (both must be 0); failed updates: {sale.failed_updates}",
            ]
        )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def prepare_shop(database_url: str) -> None:
    settings = load_settings(database_url=database_url, supported_languages=["en"], default_language="en")
    async with open_core(settings) as core:
        await core.catalogue.import_file(CATALOGUE)


async def held_and_left(database_url: str) -> tuple[set[int], int, int]:
    """Buyers holding FLASH1 units, the units they hold, and the stock the database says is left."""
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            sku = (
                await connection.execute(
                    text(
                        "SELECT sku.id, sku.stock FROM sku JOIN product ON product.id = sku.product_id "
                        "WHERE product.code = 'FLASH1'"
                    )
                )
            ).one()
            rows = (
                await connection.execute(
                    text(
                        "SELECT orders.buyer_id, order_line.quantity FROM order_line "
                        "JOIN orders ON orders.id = order_line.order_id WHERE order_line.sku_id = :sku"
                    ),
                    {"sku": sku.id},
                )
            ).all()
    finally:
        await engine.dispose()
    return {row.buyer_id for row in rows}, sum(row.quantity for row in rows), int(sku.stock)


async def order(persona: SandboxPersona, code: str, clock: Stopwatch) -> None:
    clock.sent[persona.id] = time.monotonic()
    await persona.send(code)


class Crowd:
    """The buyers of the sale, sending from wherever the sandbox runs; `sent` are their monotonic send times."""

    async def personas(self, count: int) -> list[int]:
        raise NotImplementedError

    async def send_all(self, code: str) -> dict[int, float]:
        raise NotImplementedError


class LocalCrowd(Crowd):
    """The crowd in this process (with the sandbox in a thread): how the bench first ran."""

    def __init__(self, sandbox: SandboxClient) -> None:
        self.sandbox = sandbox
        self.people: list[SandboxPersona] = []

    async def personas(self, count: int) -> list[int]:
        self.people = [await self.sandbox.persona(first_name=f"Buyer {n}") for n in range(count)]
        return [persona.id for persona in self.people]

    async def send_all(self, code: str) -> dict[int, float]:
        clock = Stopwatch()
        await asyncio.gather(*(order(persona, code, clock) for persona in self.people))
        return clock.sent


class RemoteCrowd(Crowd):
    """The crowd in the sandbox's process, told what to do one line at a time (see `serve_sandbox`)."""

    def __init__(self, child: Child) -> None:
        self.child = child

    async def personas(self, count: int) -> list[int]:
        return [int(persona_id) for persona_id in await self.child.ask(f"personas {count}")]

    async def send_all(self, code: str) -> dict[int, float]:
        return {int(chat): float(at) for chat, at in (await self.child.ask(f"send {code}")).items()}


@asynccontextmanager
async def sandbox_process() -> AsyncIterator[tuple[str, RemoteCrowd]]:
    """A child process serving the sandbox (and sending the crowd's orders); its URL, and the crowd to command."""
    async with child_process(__file__, "--serve-sandbox") as (url, child):
        yield url, RemoteCrowd(child)


@contextmanager
def sandbox_thread() -> Iterator[str]:
    with serve_in_thread() as server:
        yield server.url


async def serve_sandbox() -> None:
    """The child's side: serve the sandbox, then obey `personas N` and `send CODE` from stdin until it closes."""
    server = await SandboxServer().start()
    print(json.dumps(server.url), flush=True)
    try:
        async with SandboxClient(server.url) as sandbox:
            crowd = LocalCrowd(sandbox)
            while line := await asyncio.to_thread(sys.stdin.readline):
                command, _, argument = line.strip().partition(" ")
                if command == "personas":
                    answer: Any = await crowd.personas(int(argument))
                elif command == "send":
                    answer = await crowd.send_all(argument)
                else:
                    raise ValueError(f"unknown command {command!r}")
                print(json.dumps(answer), flush=True)
    finally:
        await server.stop()


async def run_sale(
    backend: str, database_url: str, buyers: int, sandbox_in_process: bool = False, telegram_limits: bool = False
) -> Outcome:
    await prepare_shop(database_url)
    async with contextlib.AsyncExitStack() as stack:
        remote: RemoteCrowd | None = None
        if sandbox_in_process:
            url = stack.enter_context(sandbox_thread())
        else:
            url, remote = await stack.enter_async_context(sandbox_process())
        settings = load_settings(
            bot_token=DEFAULT_TOKEN,
            telegram_api_url=url,
            database_url=database_url,
            redis_url=None,
            supported_languages=["en"],
            default_language="en",
            keyword_group_ids=[],
            # The sandbox's Telegram preset is the strict reading (a burst of 3 per private chat): the bot keeps to it.
            outbound_private_burst=3,
        )
        application = build(settings)
        if not telegram_limits:
            # Without Telegram's limits the sale measures the bot's own pace: its outbound queue still takes every
            # send (its cost counts) but keeps no rate (a sandbox without limits has none to keep).
            application.outbound = OutboundQueue(OutboundLimits(rate=UNLIMITED, private_burst=UNLIMITED))
        bot = application.make_bot()
        clock = Stopwatch()
        recorder = AnswerRecorder(clock)
        bot.session.middleware(recorder)
        counter = UpdateCounter()
        application.dispatcher.update.outer_middleware(counter)
        polling = asyncio.create_task(application.poll(bot, handle_signals=False, polling_timeout=1))
        try:
            async with SandboxClient(url) as sandbox, asyncio.timeout(deadline(buyers)):
                crowd: Crowd = remote or LocalCrowd(sandbox)
                solo = [await sandbox.persona(first_name=f"Solo {n}") for n in range(SOLO_ORDERS)]
                crowd_ids = await crowd.personas(buyers)
                for persona in solo:  # one at a time: the latency of a quiet shop
                    done = counter.expect(1)
                    await order(persona, "SOLO1", clock)
                    await done.wait()
                    await recorder.answered([persona.id])
                if telegram_limits:
                    await sandbox.request("PUT", "/rate_limits", {"preset": "telegram"})
                    before = await sandbox.status()
                load = os.getloadavg()[0]
                started = time.monotonic()
                done = counter.expect(buyers)
                clock.sent.update(await crowd.send_all("FLASH1"))
                await done.wait()
                orders_taken = time.monotonic()
                await recorder.answered(crowd_ids)
                seconds = time.monotonic() - started
                if telegram_limits:
                    after = await sandbox.status()
        finally:
            await application.dispatcher.stop_polling()
            await polling
            await application.close()
    holders, held, left = await held_and_left(database_url)
    told_added = {c for c in crowd_ids if ADDED in clock.answers.get(c, "")}
    told_sold_out = {c for c in crowd_ids if SOLD_OUT in clock.answers.get(c, "")}
    # Lost: no answer, an answer that is neither, or told "added" without holding the unit (or the reverse).
    confirmed = told_added & holders
    refused = told_sold_out - holders
    latencies = clock.latencies(crowd_ids)
    limits = None
    if telegram_limits:
        first_sent = min(clock.sent[c] for c in crowd_ids)
        refused_429 = after["rate_limited"] - before["rate_limited"]
        limits = LimitsOutcome(
            rate=settings.outbound_rate,
            winners=len(confirmed),
            winners_confirmed=max((clock.answered[c] for c in confirmed), default=first_sent) - first_sent,
            everyone_answered=max((clock.answered.get(c, first_sent) for c in crowd_ids), default=first_sent)
            - first_sent,
            sends=after["rate_counted"] - before["rate_counted"] + refused_429,
            refused=refused_429,
            queue_refused=application.outbound.refused,
            unanswered=sum(1 for c in crowd_ids if c not in clock.answered),
            orders_taken=orders_taken - first_sent,
            load=load,
        )
    return Outcome(
        backend=backend,
        buyers=buyers,
        added=len(told_added),
        sold_out=len(told_sold_out),
        oversold=max(0, held - UNITS, -left, held + left - UNITS),
        lost=buyers - len(confirmed) - len(refused),
        units_left=left,
        failed_updates=counter.failed,
        p50=percentile(latencies, 0.50),
        p99=percentile(latencies, 0.99),
        solo=statistics.median(clock.latencies([persona.id for persona in solo])),
        seconds=seconds,
        limits=limits,
    )


def deadline(buyers: int) -> float:
    """Seconds after which a run that has not finished is a failure, not a slow result."""
    return DEADLINE + buyers * 0.05


@asynccontextmanager
async def postgres_database(admin_url: str) -> AsyncIterator[str]:
    """A fresh database on the server of `admin_url`, dropped afterwards."""
    name = f"livesell_bench_{uuid.uuid4().hex[:10]}"
    dsn = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


async def sale_on(
    backend: str, buyers: int, postgres_url: str | None, sandbox_in_process: bool = False, telegram_limits: bool = False
) -> Outcome:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="livesell-bench-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'flash.db'}"
            return await run_sale("sqlite", url, buyers, sandbox_in_process, telegram_limits)
    assert postgres_url is not None
    async with postgres_database(postgres_url) as database_url:
        return await run_sale("postgresql", database_url, buyers, sandbox_in_process, telegram_limits)


def main(arguments: argparse.Namespace) -> int:
    """Each database in a process of its own, so neither run inherits the other's heap, threads or warm caches."""
    if arguments.serve_sandbox:
        asyncio.run(serve_sandbox())
        return 0
    if arguments.backend:
        outcome = asyncio.run(
            sale_on(
                arguments.backend,
                arguments.buyers,
                arguments.postgres_url,
                arguments.sandbox_in_process,
                arguments.telegram_limits,
            )
        )
        print(outcome.report(), flush=True)
        unanswered = outcome.limits.unanswered if outcome.limits is not None else 0
        return 1 if outcome.oversold or outcome.lost or unanswered else 0
    failed = False
    for backend in ("sqlite", "postgresql"):
        if backend == "postgresql" and not arguments.postgres_url:
            print("[postgresql] skipped: set TEST_POSTGRES_URL or pass --postgres-url", flush=True)
            continue
        command = [sys.executable, __file__, "--backend", backend, "--buyers", str(arguments.buyers)]
        if arguments.postgres_url:
            command += ["--postgres-url", arguments.postgres_url]
        if arguments.sandbox_in_process:
            command.append("--sandbox-in-process")
        if arguments.telegram_limits:
            command.append("--telegram-limits")
        failed |= subprocess.run(command, check=False).returncode != 0
    return 1 if failed else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=2000, help="buyers ordering at once (default 2000)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL"),
        help="postgresql+asyncpg:// URL of a server where a scratch database may be made (default TEST_POSTGRES_URL)",
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), help="run on this database only")
    parser.add_argument(
        "--sandbox-in-process",
        action="store_true",
        help="run the sandbox and the crowd in a thread of the bot's process (how the bench first ran)",
    )
    parser.add_argument(
        "--telegram-limits",
        action="store_true",
        help="the sandbox keeps Telegram's limits and answers 429: time to confirm every winner against the floor",
    )
    parser.add_argument("--serve-sandbox", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(main(parse_args()))
