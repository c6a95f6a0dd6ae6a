"""Announcements as operators run them: two bot processes on one PostgreSQL database, one due reminder. Exactly one
process sends it; each subscriber reads it once, in their language, with the start in their time zone and prices in
their currency, under an Unsubscribe button; a subscriber who blocked the bot gets nothing; the merchant gets one
report."""

from __future__ import annotations

import asyncio
import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from handlers.callbacks import SubscriptionCb
from sandbox.client import ChatMessage, SandboxClient, SandboxPersona
from sandbox.server import SandboxServer, serve_in_thread
from tests.e2e.conftest import running_bot
from tests.e2e.harness import bot_environment, livesell

CATALOGUE = (
    "code,variant,title,description,price,currency,stock,ships_to,image_url,title.de,title.ru\n"
    "scarf-silk,,Silk scarf,,39.00,EUR,10,*,,Seidentuch,Шёлковый платок\n"
)
TITLE = {"en": "Winter scarves", "de": "Winterschals", "ru": "Зимние платки"}
# The same people exist in both sandboxes (each bot polls its own, as Telegram allows one poller per token), so
# whichever process sends the announcement, it reaches them; the transcripts of both together show every send.
MERCHANT = 930_001
PEOPLE = {  # id: (name, app language, how they subscribe, the zone their reminder must show)
    # Telegram tells no one's country: Greta picks her zone; Ivan's app says ru-RU, so Moscow (and roubles).
    930_011: ("Greta", "de", "/timezone Berlin", "Europe/Berlin"),
    930_012: ("Ivan", "ru-RU", "/subscribe", "Europe/Moscow"),
    930_013: ("Lena", "en", "/subscribe", "America/New_York"),  # blocks the bot after subscribing
}
REPORT_WITHIN = 120.0


async def _cli(server: SandboxServer, folder: Path, database_url: str, settings: dict[str, str], *args: str) -> str:
    env = bot_environment(server.url, database_url)
    env.update(settings)
    command = await asyncio.create_subprocess_exec(
        *livesell(*args), cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, errors = await command.communicate()
    assert command.returncode == 0, errors.decode(errors="replace")
    return out.decode()


async def _people(sandbox: SandboxClient) -> dict[int, SandboxPersona]:
    people = {MERCHANT: await sandbox.persona(first_name="Mira", language_code="en", id=MERCHANT)}
    for persona_id, (name, language, _first, _zone) in PEOPLE.items():
        people[persona_id] = await sandbox.persona(first_name=name, language_code=language, id=persona_id)
    return people


def _shop(path: Path) -> Path:
    path.mkdir()
    (path / "catalog.csv").write_text(CATALOGUE)
    return path


def _announcements(messages: list[ChatMessage]) -> list[ChatMessage]:
    return [m for m in messages if m.from_bot and any(title in m.body for title in TITLE.values())]


async def _report(persona: SandboxPersona) -> ChatMessage:
    return await persona.wait_for_message(lambda m: "📣" in m.body, timeout=REPORT_WITHIN)


@pytest.mark.postgres
async def test_two_bot_processes_send_a_due_reminder_once_to_each_subscriber_in_their_language_zone_and_currency(
    tmp_path: Path,
    postgres_url: str,
) -> None:
    settings = {
        "MERCHANT_IDS": str(MERCHANT),
        "SUPPORTED_LANGUAGES": "en de ru",
        "REMINDER_OFFSETS": "1h",
        "SHOP_TIMEZONE": "America/New_York",
    }
    with (
        serve_in_thread() as first_server,
        serve_in_thread() as second_server,
        running_bot(first_server, _shop(tmp_path / "first"), postgres_url, settings) as first,
        running_bot(second_server, _shop(tmp_path / "second"), postgres_url, settings) as second,
    ):
        async with SandboxClient(first_server.url) as one, SandboxClient(second_server.url) as other:
            here, there = await _people(one), await _people(other)
            for people in (here, there):  # everyone has started both bots, so either may write to them
                for persona_id in [MERCHANT, *PEOPLE]:
                    await people[persona_id].send("/start")
                    await people[persona_id].wait_for_reply()
            for persona_id, (_name, _language, opening, _zone) in PEOPLE.items():
                for command in dict.fromkeys([opening, "/subscribe"]):
                    await here[persona_id].send(command)
                    await here[persona_id].wait_for_reply()
            lena = 930_013
            await here[lena].block()
            await there[lena].block()

            # A reminder an hour before a start an hour and 20 seconds away: due in 20 seconds, for both bots.
            starts_at = datetime.now(UTC) + timedelta(hours=1, seconds=20)
            planned = await _cli(
                first_server,
                tmp_path,
                postgres_url,
                settings,
                *("streams", "add", "--title", TITLE["en"], "--start", starts_at.isoformat(timespec="seconds")),
                *("--title-lang", f"de={TITLE['de']}", "--title-lang", f"ru={TITLE['ru']}"),
                *("--duration", "45", "--products", "SCARF-SILK"),
            )
            assert re.search(r"stream \d+ planned", planned), planned

            reports = [asyncio.ensure_future(_report(here[MERCHANT])), asyncio.ensure_future(_report(there[MERCHANT]))]
            done, pending = await asyncio.wait(reports, return_when=asyncio.FIRST_COMPLETED)
            for waiting in pending:
                waiting.cancel()
            report = done.pop().result()
            assert "Delivered: 2" in report.body  # Greta and Ivan; Lena blocked the bot

            unsubscribe = SubscriptionCb(action="off").pack()
            sent_by = set()
            for persona_id, (_name, app_language, _first, zone) in PEOPLE.items():
                language = app_language[:2]
                seen_here = _announcements(await here[persona_id].transcript())
                seen_there = _announcements(await there[persona_id].transcript())
                if persona_id == lena:
                    assert seen_here == seen_there == []
                    continue
                assert len(seen_here) + len(seen_there) == 1, (seen_here, seen_there)
                sent_by.add("first" if seen_here else "second")
                (announcement,) = seen_here or seen_there
                assert TITLE[language] in announcement.body
                local = starts_at.astimezone(ZoneInfo(zone))
                assert f"{local:%H:%M}" in announcement.body, announcement.body
                assert ("€" if language == "de" else "₽") in announcement.body
                assert unsubscribe in [
                    button["callback_data"]
                    for row in announcement.keyboard
                    for button in row
                    if "callback_data" in button
                ]
            assert len(sent_by) == 1  # one process sent the whole broadcast

            reported = [m for s in (here, there) for m in await s[MERCHANT].transcript() if "📣" in m.body]
            assert len(reported) == 1
        assert first.alive(), first.log_tail()
        assert second.alive(), second.log_tail()
