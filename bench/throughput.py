"""Throughput: updates a second the real bot process (`livesell run`) answers under a mixed buyer workload, next to a
bare aiogram echo bot (bench/echo_bot.py) measured the same way in the same run.

The sandbox Bot API runs in this process, with a crowd of simulated buyers acting in it directly (no HTTP on their
side, so the crowd costs little). Each of `--buyers` slots plays one buyer after another, each buyer taking seven
steps and waiting for the bot's answer before the next: /start, /catalog, a tap on a product (its card), a tap on
"Next" (the page edited), a keyword order ("B07 M x2"), /cart, and a product question in the buyer's language
(answered from the database: no language model). Buyers speak six languages. The echo bot gets the same seven texts
(a tap's callback data as text) and answers each with its text.

An update counts when its answer arrived (the bot's message, or its edit for "Next"), within a measuring window that
follows a warm-up; rounds alternate between the two bots, so both see the same machine. Both bots run as their own
processes; this process is Telegram's side. Prints, per row, updates/s of each and their ratio (goal >= 0.6), the
spread over rounds, each bot's CPU time an update (the figure other processes disturb least), the answer latency and
the machine's load average. Rows: SQLite with one process (long polling); PostgreSQL + Redis with one process; and,
when `livesell run --workers N` serves webhooks, PostgreSQL + Redis with 1, 2 and 4 webhook workers.

    .venv/bin/python bench/throughput.py [--buyers 60] [--rounds 3] [--seconds 10] [--rows sqlite postgres webhook]
        [--postgres-url postgresql+asyncpg://...] [--redis-url redis://...]

Exit status 1 when an update went unanswered.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import logging
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from databases import fresh_database

from bot.app import open_core
from bot.config import Settings, load_settings
from sandbox.params import ApiError
from sandbox.server import DEFAULT_TOKEN, Sandbox, SandboxServer
from sandbox.world import Persona

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples"
ECHO_BOT = Path(__file__).resolve().with_name("echo_bot.py")
LANGUAGES = "en de es fr ru zh"
# Every variant in stock stays in stock: the bench measures answers, not a sale running dry.
STOCK = 1_000_000
STEP_TIMEOUT = 60.0
START_TIMEOUT = 180.0
LIVESELL = [sys.executable, "-c", "from bot.cli import main; main()", "run"]
# `--profile FILE`: the one-process bot under the standard library's profiler, its statistics written when it stops.
PROFILED = """
import cProfile, sys
from bot.cli import main
sys.argv = ["livesell", "run"]
profile = cProfile.Profile()
try:
    profile.runcall(main)
except SystemExit:
    pass
finally:
    profile.dump_stats({path!r})
"""


@dataclass(frozen=True, slots=True)
class Profile:
    """A kind of buyer: their app's language and country, the keyword order they send and the question they ask."""

    language: str
    country: str
    order: str
    question: str


PROFILES = (
    Profile("en", "IE", "A12 Ivory x2", "How much is the silk scarf?"),
    Profile("de", "DE", "B07 M x2", "Versendet ihr den Becher nach Italien?"),
    Profile("es", "ES", "#C03", "¿De qué material es el tarjetero?"),
    Profile("fr", "FR", "E01 Sage x1", "Combien coûte le foulard en soie ?"),
    Profile("ru", "RU", "sold D04 Nude", "Сколько стоит шёлковый платок?"),
    Profile("zh", "CN", "B09 M", "亚麻衬衫多少钱？"),
)


@dataclass(frozen=True, slots=True)
class Step:
    """One update a buyer sends: a text, or a tap on the button whose callback data starts with `button` under the
    answer to the step `on`. Answered by the bot's next message in the chat, or (`edits`) an edit of that message."""

    name: str
    text: str = ""
    button: str = ""
    on: str = ""
    edits: bool = False


SHOP_STEPS = ("start", "catalogue", "card", "page", "order", "cart", "question")


def shop_steps(profile: Profile) -> list[Step]:
    return [
        Step("start", "/start"),
        Step("catalogue", "/catalog"),
        Step("card", button="prod:", on="catalogue"),
        Step("page", button="cat:", on="catalogue", edits=True),
        Step("order", profile.order),
        Step("cart", "/cart"),
        Step("question", profile.question),
    ]


def echo_steps(profile: Profile) -> list[Step]:
    """The same seven updates as texts: a bare echo bot draws no buttons to tap."""
    return [
        Step("start", "/start"),
        Step("catalogue", "/catalog"),
        Step("card", "prod:1:0"),
        Step("page", "cat:1"),
        Step("order", profile.order),
        Step("cart", "/cart"),
        Step("question", profile.question),
    ]


@dataclass(slots=True)
class Expected:
    future: asyncio.Future[tuple[float, dict[str, Any]]]
    edit_of: int | None = None


class WatchedSandbox(Sandbox):
    """The sandbox, telling a waiting buyer the moment the bot's answer reaches their chat."""

    def __init__(self, **options: Any) -> None:
        self.waiting: dict[int, Expected] = {}
        super().__init__(**options)

    def expect(self, chat_id: int, edit_of: int | None = None) -> asyncio.Future[tuple[float, dict[str, Any]]]:
        expected = Expected(asyncio.get_running_loop().create_future(), edit_of)
        self.waiting[chat_id] = expected
        return expected.future

    def emit(self, kind: str, **payload: Any) -> None:
        super().emit(kind, **payload)
        if kind not in ("message", "edit"):
            return
        message = payload["message"]
        expected = self.waiting.get(message["chat_id"]) if message["from_bot"] else None
        if expected is None or expected.future.done():
            return
        if (expected.edit_of is None) == (kind == "message") and expected.edit_of in (None, message["message_id"]):
            del self.waiting[message["chat_id"]]
            expected.future.set_result((time.monotonic(), message))


@dataclass
class Round:
    """What one bot answered in one measuring window."""

    seconds: float
    answered: list[tuple[str, float]] = field(default_factory=list)  # (step, latency) answered in the window
    unanswered: int = 0
    problems: list[str] = field(default_factory=list)
    bot_cpu: float = 0.0
    bot_waited: float = 0.0  # seconds the bot's threads were ready but other processes held the cores
    sandbox_cpu: float = 0.0
    load: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.answered) / self.seconds

    @property
    def cpu_per_update(self) -> float:
        return self.bot_cpu / len(self.answered) if self.answered else float("nan")

    @property
    def sandbox_cpu_per_update(self) -> float:
        return self.sandbox_cpu / len(self.answered) if self.answered else float("nan")


def tree_cpu(root: int) -> tuple[float, float]:
    """CPU seconds (user + system) of process `root` and its living descendants (webhook workers), and the seconds
    their threads were ready to run but waited for a core other processes held (Linux's schedstat), from /proc."""
    parents: dict[int, int] = {}
    used: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        used[int(entry)] = int(fields[11]) + int(fields[12])
    family, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in family]
        family.update(children)
        frontier.extend(children)
    waited = 0.0
    for pid in family:
        with contextlib.suppress(OSError, IndexError, ValueError):
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/schedstat") as stats:
                    waited += int(stats.read().split()[1]) / 1e9
    return sum(used.get(pid, 0) for pid in family) / os.sysconf("SC_CLK_TCK"), waited


async def take_step(sandbox: WatchedSandbox, persona: Persona, step: Step, answers: dict[str, dict[str, Any]]) -> Any:
    """Send the step's update; the (monotonic time, message) of the bot's answer."""
    if not step.button:
        answer = sandbox.expect(persona.id)
        sandbox.persona_says(persona, step.text)
        return await asyncio.wait_for(answer, STEP_TIMEOUT)
    under = answers[step.on]
    buttons = [
        button["callback_data"]
        for row in (under.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in row
        if str(button.get("callback_data", "")).startswith(step.button)
    ]
    if not buttons:
        raise ApiError(400, f"no {step.button!r} button under the {step.on!r} answer")
    data = buttons[persona.id % len(buttons)]
    answer = sandbox.expect(persona.id, edit_of=under["message_id"] if step.edits else None)
    sandbox.press(persona, persona.id, under["message_id"], data=data, text=None)
    return await asyncio.wait_for(answer, STEP_TIMEOUT)


async def run_round(
    sandbox: WatchedSandbox,
    steps: Callable[[Profile], list[Step]],
    bot_pid: int,
    buyers: int,
    warmup: float,
    seconds: float,
) -> Round:
    """`buyers` slots, each playing buyer after buyer, for `warmup` + `seconds`; counts the answers of the last
    `seconds`, then lets the updates in flight finish so the next round starts on an idle bot."""
    result = Round(seconds=seconds)
    stopping = asyncio.Event()
    began = time.monotonic()
    window = (began + warmup, began + warmup + seconds)

    async def slot(number: int) -> None:
        # The slots' first buyers join at different steps (a tap at the page it needs), so every kind of update is
        # in every window in its share, not all buyers on /start together.
        first = number % len(SHOP_STEPS)
        while not stopping.is_set():
            profile = PROFILES[number % len(PROFILES)]
            persona = sandbox.add_persona(f"Buyer {number}", language_code=profile.language, country=profile.country)
            number += buyers
            answers: dict[str, dict[str, Any]] = {}
            script = steps(profile)
            if first and script[first].on:
                first = script.index(next(step for step in script if step.name == script[first].on))
            script, first = script[first:], 0
            for step in script:
                if stopping.is_set():
                    return
                sent = time.monotonic()
                try:
                    answered_at, answers[step.name] = await take_step(sandbox, persona, step, answers)
                except (TimeoutError, ApiError) as exc:
                    sandbox.waiting.pop(persona.id, None)
                    result.unanswered += 1
                    result.problems.append(f"{step.name}: {exc or 'no answer within the step timeout'}")
                    break
                if window[0] <= answered_at <= window[1]:
                    result.answered.append((step.name, answered_at - sent))

    slots = [asyncio.create_task(slot(number)) for number in range(buyers)]
    await asyncio.sleep(warmup)
    result.load = os.getloadavg()[0]
    (bot_cpu, bot_waited), own_cpu = tree_cpu(bot_pid), time.process_time()
    await asyncio.sleep(seconds)
    (cpu_after, waited_after), own_after = tree_cpu(bot_pid), time.process_time()
    result.bot_cpu, result.bot_waited, result.sandbox_cpu = (
        cpu_after - bot_cpu,
        waited_after - bot_waited,
        own_after - own_cpu,
    )
    stopping.set()
    await asyncio.gather(*slots)
    return result


@dataclass(frozen=True, slots=True)
class Row:
    title: str
    database: str  # "sqlite" or "postgresql"
    redis: bool
    workers: int  # 0: long polling; N: `livesell run --workers N` serving webhooks


ROWS = {
    "sqlite": [Row("SQLite, 1 process, long polling", "sqlite", False, 0)],
    "postgres": [Row("PostgreSQL + Redis, 1 process, long polling", "postgresql", True, 0)],
    "webhook": [
        Row(f"PostgreSQL + Redis, {count} webhook worker{'s' if count > 1 else ''}", "postgresql", True, count)
        for count in (1, 2, 4)
    ],
}


@dataclass
class Measured:
    row: Row
    shop: list[Round]
    echo: list[Round]

    def report(self) -> str:
        def rates(rounds: list[Round]) -> str:
            values = [r.rate for r in rounds]
            return f"{statistics.median(values):.0f} updates/s (rounds {min(values):.0f}-{max(values):.0f})"

        def latency(rounds: list[Round]) -> str:
            seconds = sorted(latency for r in rounds for _, latency in r.answered)
            if not seconds:
                return "no answers"
            p99 = seconds[min(len(seconds) - 1, int(0.99 * len(seconds)))]
            return f"answer p50 {statistics.median(seconds) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"

        def cpu(rounds: list[Round]) -> str:
            used = statistics.median(r.cpu_per_update for r in rounds) * 1000
            busy = statistics.median(r.bot_cpu / r.seconds for r in rounds)
            waited = statistics.median(r.bot_waited / r.seconds for r in rounds)
            return f"bot CPU {used:.2f} ms an update, {busy:.2f} of a core; waited for a core {waited:.2f} s a second"

        ratios = [shop.rate / echo.rate for shop, echo in zip(self.shop, self.echo, strict=True) if echo.rate]
        # CPU an update is what other processes on the cores disturb least: the ratio with the cores to itself.
        cpu_ratio = statistics.median(r.cpu_per_update for r in self.echo) / statistics.median(
            r.cpu_per_update for r in self.shop
        )
        steps: dict[str, list[float]] = {}
        for r in self.shop:
            for name, seconds in r.answered:
                steps.setdefault(name, []).append(seconds)
        per_step = ", ".join(
            f"{name} {statistics.median(steps[name]) * 1000:.0f}" for name in SHOP_STEPS if name in steps
        )
        sandbox = statistics.median(r.sandbox_cpu_per_update for r in self.shop + self.echo)
        loads = [r.load for r in self.shop + self.echo]
        unanswered = sum(r.unanswered for r in self.shop + self.echo)
        problems = sorted({p for r in self.shop + self.echo for p in r.problems})[:3]
        lines = [
            f"[{self.row.title}]",
            f"  livesell: {rates(self.shop)}; {latency(self.shop)}; {cpu(self.shop)}",
            f"  echo bot: {rates(self.echo)}; {latency(self.echo)}; {cpu(self.echo)}",
            f"  ratio {statistics.median(ratios):.2f} (rounds {min(ratios):.2f}-{max(ratios):.2f}; goal >= 0.6); "
            f"by CPU an update {cpu_ratio:.2f}"
            if ratios
            else "  ratio: the echo bot answered nothing",
            f"  livesell answer p50 by step (ms): {per_step}",
            f"  sandbox (Telegram's side, this process) CPU {sandbox * 1000:.2f} ms an update; load average "
            f"{min(loads):.1f}-{max(loads):.1f} on {os.cpu_count()} cores (other processes share them)",
            f"  unanswered updates: {unanswered}" + (f" ({'; '.join(problems)})" if problems else ""),
        ]
        return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bench_catalogue() -> str:
    """The demo catalogue (examples/catalog.csv, six languages, photos) with every variant in stock plentifully."""
    rows = list(csv.DictReader(io.StringIO((DEMO / "catalog.csv").read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        if row["stock"] and int(row["stock"]) > 0:
            row["stock"] = str(STOCK)
        writer.writerow(row)
    return out.getvalue()


def settings_environment(url: str, database_url: str, redis_url: str | None) -> dict[str, str]:
    """The bot's environment: this one's less every livesell setting, plus the bench shop's."""
    names = {name.upper() for name in Settings.model_fields}
    env = {name: value for name, value in os.environ.items() if name.upper() not in names}
    env.update(
        BOT_TOKEN=DEFAULT_TOKEN,
        TELEGRAM_API_URL=url,
        DATABASE_URL=database_url,
        SUPPORTED_LANGUAGES=LANGUAGES,
        DEFAULT_LANGUAGE="en",
        WEB_HOST="127.0.0.1",
        WEB_PORT=str(free_port()),
        PYTHONPATH=str(ROOT),
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


class BotUnavailable(RuntimeError):
    """A bot that did not come up (or answer a first /start): its row is skipped, with this reason."""


@asynccontextmanager
async def bot_process(
    name: str, command: Sequence[str], env: dict[str, str], folder: Path, ready: Callable[[], bool]
) -> AsyncIterator[asyncio.subprocess.Process]:
    """A bot process logging to `folder`/`name`.log, awaited until `ready()`; stopped with SIGTERM afterwards."""
    log = folder / f"{name}.log"
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=folder, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not ready():
            if process.returncode is not None:
                tail = log.read_text(errors="replace").strip().splitlines()[-3:]
                raise BotUnavailable(f"{name} exited with {process.returncode}: {' | '.join(tail)}")
            if time.monotonic() > deadline:
                raise BotUnavailable(f"{name} was not ready within {START_TIMEOUT:.0f} s")
            await asyncio.sleep(0.1)
        yield process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


async def first_answer(sandbox: WatchedSandbox, name: str) -> None:
    """One /start answered: the bot is warm enough to measure (its first update loads models and caches)."""
    persona = sandbox.add_persona("Probe", language_code="en")
    try:
        await take_step(sandbox, persona, Step("start", "/start"), {})
    except TimeoutError:
        raise BotUnavailable(f"{name} did not answer a first /start within {STEP_TIMEOUT:.0f} s") from None


async def settled(pid: int, idle: float = 0.15, patience: float = 120.0) -> None:
    """Wait until the bot, given nothing to do, uses less than `idle` of a core: every worker has loaded its language
    models (seconds of CPU each) and its first scheduled jobs ran, so none of that lands in a measuring window."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        before = tree_cpu(pid)[0]
        await asyncio.sleep(1)
        if tree_cpu(pid)[0] - before < idle:
            return


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


async def measure_row(row: Row, arguments: argparse.Namespace) -> Measured:
    async with contextlib.AsyncExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="livesell-throughput-")))
        postgres_url = arguments.postgres_url if row.database == "postgresql" else None
        database_url = await stack.enter_async_context(fresh_database(postgres_url, "throughput"))
        shop_settings = load_settings(database_url=database_url, supported_languages=LANGUAGES.split())
        async with open_core(shop_settings) as core:
            await core.catalogue.import_file(bench_catalogue(), image_base=str(DEMO))
        # Persona ids far from the tests' (100001 on), as Redis may be shared with a test run.
        first_id = random.randrange(1_000_000_000, 1_900_000_000)
        shop_sandbox = WatchedSandbox(first_persona_id=first_id)
        echo_sandbox = WatchedSandbox(first_persona_id=first_id)
        shop_server = await SandboxServer(shop_sandbox).start()
        stack.push_async_callback(shop_server.stop)
        echo_server = await SandboxServer(echo_sandbox).start()
        stack.push_async_callback(echo_server.stop)

        env = settings_environment(shop_server.url, database_url, arguments.redis_url if row.redis else None)
        command = list(LIVESELL)
        if arguments.profile and not row.workers:
            command = [sys.executable, "-c", PROFILED.format(path=str(Path(arguments.profile).resolve()))]
        ready: Callable[[], bool] = shop_sandbox.polling.is_set
        if row.workers:
            command += ["--workers", str(row.workers)]
            env.update(
                WEBHOOK_URL=f"http://127.0.0.1:{env['WEB_PORT']}/telegram/{secrets.token_hex(8)}",
                WEBHOOK_SECRET=secrets.token_urlsafe(24),
                WORKERS=str(row.workers),
            )
            port = int(env["WEB_PORT"])

            def ready() -> bool:
                return bool(getattr(shop_sandbox, "webhook_url", "")) and port_open(port)

        echo_env = settings_environment(echo_server.url, database_url, None)
        shop = await stack.enter_async_context(bot_process("livesell", command, env, folder, ready))
        echo = await stack.enter_async_context(
            bot_process(
                "echo", [sys.executable, str(ECHO_BOT), echo_server.url], echo_env, folder, echo_sandbox.polling.is_set
            )
        )
        await first_answer(shop_sandbox, "livesell")
        await first_answer(echo_sandbox, "the echo bot")
        await settled(shop.pid)
        # For a profiler to attach to (py-spy record --pid ...; docs/throughput.md).
        print(f"[{row.title}] measuring: livesell pid {shop.pid}, echo bot pid {echo.pid}", flush=True)
        measured = Measured(row, [], [])
        for _ in range(arguments.rounds):
            for rounds, sandbox, steps, pid in (
                (measured.echo, echo_sandbox, echo_steps, echo.pid),
                (measured.shop, shop_sandbox, shop_steps, shop.pid),
            ):
                rounds.append(
                    await run_round(sandbox, steps, pid, arguments.buyers, arguments.warmup, arguments.seconds)
                )
        return measured


def growth(results: list[Measured]) -> str | None:
    """How webhook throughput grows with workers, and why it grows as it does here."""
    workers = [m for m in results if m.row.workers]
    if len(workers) < 2:
        return None
    base = statistics.median(r.rate for r in workers[0].shop)
    steps = ", ".join(
        f"{m.row.workers} worker{'s' if m.row.workers > 1 else ''} {statistics.median(r.rate for r in m.shop):.0f}/s "
        f"(x{statistics.median(r.rate for r in m.shop) / base:.2f})"
        for m in workers
    )
    cores = os.cpu_count() or 1
    return (
        f"webhook workers: {steps}. This machine has {cores} cores, shared by the workers, PostgreSQL, Redis, the "
        "sandbox and its crowd (this process) and whatever else runs: past the cores there is nothing to add, and "
        "each worker brings its own connections, caches and scheduler."
    )


async def main(arguments: argparse.Namespace) -> int:
    results: list[Measured] = []
    failed = False
    print(
        f"{arguments.buyers} buyers at once, {arguments.rounds} rounds of {arguments.seconds:.0f} s per bot "
        f"(after {arguments.warmup:.0f} s of warm-up each), rounds alternating between the bots",
        flush=True,
    )
    for key in arguments.rows:
        for row in ROWS[key]:
            if row.database == "postgresql" and not (arguments.postgres_url and arguments.redis_url):
                print(f"[{row.title}] skipped: set TEST_POSTGRES_URL and TEST_REDIS_URL", flush=True)
                continue
            try:
                measured = await measure_row(row, arguments)
            except BotUnavailable as exc:
                reason = f" ({WEBHOOK_MISSING})" if row.workers else ""
                print(f"[{row.title}] skipped: {exc}{reason}", flush=True)
                continue
            results.append(measured)
            failed |= any(r.unanswered for r in measured.shop + measured.echo)
            print(measured.report(), flush=True)
    line = growth(results)
    if line:
        print(line, flush=True)
    return 1 if failed else 0


WEBHOOK_MISSING = "webhook workers need `livesell run --workers N` and the sandbox delivering updates to WEBHOOK_URL"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=60, help="buyers at once (default 60)")
    parser.add_argument("--rounds", type=int, default=3, help="measuring rounds per bot (default 3)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of a measuring window (default 10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds before each window (default 3)")
    parser.add_argument(
        "--rows", nargs="+", choices=list(ROWS), default=list(ROWS), help="which rows to run (default all)"
    )
    parser.add_argument(
        "--profile", metavar="FILE", help="run the one-process bot under cProfile and write its statistics to FILE"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL"),
        help="postgresql+asyncpg:// URL of a server where a scratch database may be made (default TEST_POSTGRES_URL)",
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("TEST_REDIS_URL"), help="Redis for the PostgreSQL rows (TEST_REDIS_URL)"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(asyncio.run(main(parse_args())))
