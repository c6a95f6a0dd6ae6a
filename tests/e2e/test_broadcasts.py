"""Broadcasts through the real bot process and the sandbox Bot API: `livesell broadcast send` reaches every subscriber
once, in their language, with an Unsubscribe button; a subscriber who blocked the bot gets nothing and is marked so;
the sandbox's 429s are waited out; a bot killed with SIGKILL halfway resumes after a restart with nobody served twice
or skipped; and a buyer is answered while a broadcast runs.

Subscribing is another feature's; here subscribers are marked in the bot's database after their /start."""

from __future__ import annotations

import asyncio
import html
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiogram.utils.i18n import I18n

from handlers.callbacks import SubscriptionCb
from sandbox.client import ChatMessage, SandboxClient, SandboxPersona
from sandbox.server import SandboxServer, serve_in_thread
from tests.e2e.conftest import running_bot
from tests.e2e.harness import ROOT, BotProcess, bot_environment, livesell

CATALOGUE = "code,variant,title,description,price,currency,stock,ships_to,image_url\nA12,,Silk scarf,,39.00,EUR,10,*,\n"
LANGUAGES = ["en", "de", "es", "zh", "fr"]
TEXT = "Live tonight at 20:00 <new scarves> & more"
DONE_WITHIN = 90.0


@dataclass
class Shop:
    """A shop folder, the sandbox, and its merchant Mira; `bot()` runs the bot process on them."""

    server: SandboxServer
    sandbox: SandboxClient
    merchant: SandboxPersona
    folder: Path
    settings: dict[str, str]

    @contextmanager
    def bot(self) -> Iterator[BotProcess]:
        with running_bot(self.server, self.folder, settings=self.settings) as bot:
            yield bot

    async def greeted(self) -> None:
        """The merchant has started the bot, so reports can reach them."""
        await self.merchant.send("/start")
        await self.merchant.wait_for_reply()


@asynccontextmanager
async def shop(tmp_path: Path, broadcast_rate: int) -> AsyncIterator[Shop]:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "catalog.csv").write_text(CATALOGUE)
    with serve_in_thread() as server:
        async with SandboxClient(server.url) as sandbox:
            merchant = await sandbox.persona(first_name="Mira")
            settings = {"MERCHANT_IDS": str(merchant.id), "BROADCAST_RATE": str(broadcast_rate)}
            yield Shop(server, sandbox, merchant, folder, settings)


def unsubscribe_label(language: str) -> str:
    i18n = I18n(path=ROOT / "locales", default_locale="en", domain="messages")
    return i18n.gettext("🔕 Unsubscribe", locale=language)


async def started(sandbox: SandboxClient, count: int, prefix: str = "Fan") -> list[SandboxPersona]:
    people = [
        await sandbox.persona(first_name=f"{prefix} {n}", language_code=LANGUAGES[n % len(LANGUAGES)])
        for n in range(count)
    ]
    for person in people:
        await person.send("/start")
        await person.wait_for_reply()
    return people


def subscribe(folder: Path, people: Sequence[SandboxPersona]) -> None:
    with sqlite3.connect(folder / "shop.db") as database:
        database.executemany("UPDATE buyer SET subscribed = 1 WHERE telegram_id = ?", [(p.id,) for p in people])


def blocked_in_database(folder: Path, person: SandboxPersona) -> bool:
    with sqlite3.connect(folder / "shop.db") as database:
        (blocked,) = database.execute("SELECT blocked FROM buyer WHERE telegram_id = ?", (person.id,)).fetchone()
    return bool(blocked)


async def cli(server: SandboxServer, folder: Path, *args: str) -> str:
    env = bot_environment(server.url, f"sqlite+aiosqlite:///{folder / 'shop.db'}")
    command = await asyncio.create_subprocess_exec(
        *livesell(*args), cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, errors = await command.communicate()
    assert command.returncode == 0, errors.decode(errors="replace")
    return out.decode()


async def broadcast(server: SandboxServer, folder: Path, text: str = TEXT) -> None:
    assert "broadcast" in await cli(server, folder, "broadcast", "send", text)


def is_broadcast(message: ChatMessage) -> bool:
    # Sent as HTML, as the merchant wrote it: their "<" and "&" escaped, not taken for markup.
    return message.from_bot and message.text == html.escape(TEXT) and message.parse_mode == "HTML"


async def received(people: Sequence[SandboxPersona]) -> dict[int, int]:
    return {person.id: sum(1 for message in await person.transcript() if is_broadcast(message)) for person in people}


async def report_to(merchant: SandboxPersona) -> ChatMessage:
    return await merchant.wait_for_message(lambda message: "📣" in message.body, timeout=DONE_WITHIN)


def kill(bot: BotProcess) -> None:
    bot.process.send_signal(signal.SIGKILL)
    bot.process.wait()


async def test_a_broadcast_reaches_every_subscriber_once_in_their_language_and_skips_who_blocked_the_bot(
    tmp_path: Path,
) -> None:
    # Slow enough that the last fan's send comes seconds after the broadcast opens, whatever the machine: they block
    # the bot in between, so the send meets a 403.
    async with shop(tmp_path, broadcast_rate=2) as at:
        with at.bot() as bot:
            await at.greeted()
            fans = await started(at.sandbox, 10)
            quiet = (await started(at.sandbox, 1, prefix="Quiet"))[0]  # never subscribed
            subscribe(at.folder, fans)
            gone = fans[-1]
            await broadcast(at.server, at.folder)
            await gone.block()  # after the broadcast opened with them in it, before its last send
            report = await report_to(at.merchant)
            assert bot.alive(), bot.log_tail()

        reached = fans[:-1]
        assert await received(reached) == dict.fromkeys([fan.id for fan in reached], 1)
        assert await received([gone, quiet]) == {gone.id: 0, quiet.id: 0}
        assert blocked_in_database(at.folder, gone) and not blocked_in_database(at.folder, fans[0])
        for fan in reached:
            [message] = [message for message in await fan.transcript() if is_broadcast(message)]
            language = LANGUAGES[fans.index(fan) % len(LANGUAGES)]
            assert message.buttons == [unsubscribe_label(language)]
            assert message.callback_data(message.buttons[0]) == SubscriptionCb(action="off").pack()
        assert "Delivered: 9" in report.body and "Blocked the bot: 1" in report.body


async def test_429s_from_the_bot_api_are_waited_out_with_nobody_lost_or_served_twice(tmp_path: Path) -> None:
    # The bot sends 20 a second; Telegram (the sandbox) takes 4.
    async with shop(tmp_path, broadcast_rate=20) as at:
        with at.bot():
            await at.greeted()
            fans = await started(at.sandbox, 16)
            subscribe(at.folder, fans)
            await at.sandbox.request("PUT", "/rate_limits", {"overall_per_second": 4, "private_per_second": 1})
            await broadcast(at.server, at.folder)
            await report_to(at.merchant)
            refused = (await at.sandbox.status())["rate_limited"]
            await at.sandbox.request("PUT", "/rate_limits", {})

        assert refused > 0
        assert await received(fans) == dict.fromkeys([fan.id for fan in fans], 1)


async def test_a_broadcast_killed_halfway_resumes_after_a_restart_with_nobody_served_twice_or_skipped(
    tmp_path: Path,
) -> None:
    async with shop(tmp_path, broadcast_rate=2) as at:  # slow: it is mid-way for seconds
        with at.bot() as bot:
            await at.greeted()
            fans = await started(at.sandbox, 12)
            buyer = (await started(at.sandbox, 1, prefix="Buyer"))[0]
            subscribe(at.folder, fans)
            await broadcast(at.server, at.folder)
            await fans[0].wait_for_message(is_broadcast, timeout=DONE_WITHIN)

            # A buyer asking for the catalogue is answered while the broadcast runs, not after it.
            asked = time.monotonic()
            await buyer.send("/catalog")
            await buyer.wait_for_reply(timeout=10)
            assert time.monotonic() - asked < 3
            delivered = sum((await received(fans)).values())
            assert 0 < delivered < len(fans) - 3  # well before the broadcast's end

            await fans[5].wait_for_message(is_broadcast, timeout=DONE_WITHIN)
            kill(bot)
        before = sum((await received(fans)).values())
        assert before < len(fans)

        with at.bot() as bot:
            await report_to(at.merchant)
            assert bot.alive(), bot.log_tail()

        assert await received(fans) == dict.fromkeys([fan.id for fan in fans], 1)


async def test_a_stream_going_live_is_announced_to_every_subscriber_once_in_their_language(tmp_path: Path) -> None:
    async with shop(tmp_path, broadcast_rate=20) as at:
        with at.bot() as bot:
            await at.greeted()
            fans = await started(at.sandbox, 5)
            subscribe(at.folder, fans)
            start = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M+00:00")
            planned = await cli(
                at.server,
                at.folder,
                *("streams", "add", "--title", "Autumn scarves", "--title-lang", "de=Herbstschals"),
                *("--start", start, "--duration", "60", "--products", "a12"),
            )
            stream_id = re.search(r"stream (\d+) planned", planned)
            assert stream_id is not None, planned
            await cli(at.server, at.folder, "streams", "live", stream_id.group(1))
            report = await at.merchant.wait_for_message(lambda m: "📣" in m.body, timeout=DONE_WITHIN)
            assert bot.alive(), bot.log_tail()

        assert "Delivered: 5" in report.body
        for number, fan in enumerate(fans):
            announcements = [m for m in await fan.transcript() if m.from_bot and "🔴" in m.body]
            assert len(announcements) == 1, [m.body for m in await fan.transcript()]
            language = LANGUAGES[number % len(LANGUAGES)]
            title = "Herbstschals" if language == "de" else "Autumn scarves"
            assert title in announcements[0].body and "A12" in announcements[0].body
            assert unsubscribe_label(language) in announcements[0].buttons
