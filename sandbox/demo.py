"""`livesell demo`: the sandbox Bot API on loopback, the real bot polling it, and a chat in the terminal or browser."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot.app import TranslationsMissing, build
from bot.config import Settings
from bot.services.catalog import CatalogueService
from sandbox.client import ChatMessage, Event, SandboxClient, SandboxPersona
from sandbox.markup import EntityError, check_entities
from sandbox.server import DEFAULT_TOKEN, RateLimits, Sandbox, SandboxServer
from storage.migrate import upgrade

log = logging.getLogger(__name__)
DEMO_CATALOGUE = Path(__file__).resolve().parent.parent / "examples" / "catalog.csv"


async def import_demo_catalogue(catalogue: CatalogueService, language: str, path: Path = DEMO_CATALOGUE) -> None:
    """Fill an empty catalogue from the example file, so a first demo has something to browse."""
    if (await catalogue.page(0, language)).total:
        return
    if not path.is_file():
        log.warning("no demo catalogue at %s: the catalogue stays empty", path)
        return
    report = await catalogue.import_file(path.read_text(encoding="utf-8"), image_base=str(path.parent))
    log.info("imported the demo catalogue: %s products", report.products)


async def run_demo(settings: Settings, port: int, terminal_chat: bool, telegram_limits: bool = False) -> None:
    """Serve until SIGINT or SIGTERM, with or without a terminal; the terminal chat is an extra, not the lifetime."""
    await upgrade(settings.database_url)
    try:
        # With Telegram's limits the sandbox answers 429 with retry_after as Telegram would, to rehearse a busy stream.
        limits = RateLimits.telegram() if telegram_limits else None
        server = await SandboxServer(Sandbox(token=DEFAULT_TOKEN, rate_limits=limits)).start("127.0.0.1", port)
    except OSError as exc:
        raise SystemExit(f"livesell demo: cannot listen on 127.0.0.1:{port} ({exc.strerror}); try --port") from None
    try:
        application = build(
            settings.model_copy(update={"bot_token": SecretStr(DEFAULT_TOKEN), "telegram_api_url": server.url})
        )
    except TranslationsMissing as exc:
        await server.stop()
        raise SystemExit(f"livesell demo: {exc}") from None
    bot = application.make_bot()
    scheduler = application.make_scheduler()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    polling: asyncio.Task[None] | None = None
    chat: asyncio.Task[None] | None = None
    try:
        await import_demo_catalogue(application.core.catalogue, settings.default_language)
        await application.set_commands(bot)
        await bot.delete_webhook(drop_pending_updates=False)
        scheduler.start()
        polling = asyncio.create_task(application.poll(bot, handle_signals=False))
        print(f"livesell demo: open {server.url}/ to chat with the bot as any number of personas.", flush=True)
        print("Press Ctrl+C to stop.", flush=True)
        if terminal_chat and sys.stdin.isatty():
            chat = asyncio.create_task(TerminalChat(server.url, settings.supported_languages).run())
            chat.add_done_callback(_chat_ended)
        await asyncio.wait([asyncio.create_task(stop.wait()), polling], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if chat is not None:
            chat.cancel()
        if scheduler.running:
            scheduler.shutdown(wait=False)
        with contextlib.suppress(RuntimeError):  # polling already ended
            await application.dispatcher.stop_polling()
        if polling is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await polling
        else:
            await bot.session.close()
        await application.close()
        await server.stop()
        print("livesell demo stopped.", flush=True)


def _chat_ended(task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    if task.exception() is not None:
        log.error("the terminal chat failed", exc_info=task.exception())
    print("(you left the terminal chat; the demo keeps serving until Ctrl+C)", flush=True)


class TerminalChat:
    """One persona chatting from the terminal: bot messages as text, inline keyboards as numbered buttons."""

    HELP = "Type a message, /press N to tap button N, /block or /unblock the bot, /quit to leave."

    def __init__(self, base_url: str, languages: list[str], out: TextIO = sys.stdout) -> None:
        self.base_url = base_url
        self.languages = languages
        self.out = out
        self.lines: asyncio.Queue[str | None] = asyncio.Queue()
        self.buttons: list[tuple[ChatMessage, str]] = []

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    async def ask(self, prompt: str, default: str) -> str:
        print(f"{prompt} [{default}]: ", end="", file=self.out, flush=True)
        line = await self.lines.get()
        if line is None:
            raise EOFError
        return line.strip() or default

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_reader(sys.stdin.fileno(), self._read_line)
        try:
            async with SandboxClient(self.base_url) as client:
                persona = await self._make_persona(client)
                self.say(f"You are {persona.first_name} ({persona.language_code}, {persona.country}). {self.HELP}")
                watcher = asyncio.create_task(self._watch(client, persona))
                try:
                    await persona.send("/start")
                    await self._converse(persona)
                finally:
                    watcher.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await watcher
        except EOFError:
            pass
        finally:
            loop.remove_reader(sys.stdin.fileno())

    def _read_line(self) -> None:
        line = sys.stdin.readline()
        self.lines.put_nowait(line.rstrip("\n") if line else None)

    async def _make_persona(self, client: SandboxClient) -> SandboxPersona:
        self.say("Chat with the bot as a buyer. Languages: " + ", ".join(self.languages))
        name = await self.ask("Your first name", "Alex")
        language = await self.ask("Your Telegram language", self.languages[0])
        country = await self.ask("Your country (two letters)", "DE")
        return await client.persona(first_name=name, language_code=language, country=country.upper())

    async def _converse(self, persona: SandboxPersona) -> None:
        while (line := await self.lines.get()) is not None:
            line = line.strip()
            if not line:
                continue
            try:
                if line in ("/quit", "/exit"):
                    return
                if line == "/block":
                    await persona.block()
                    self.say("(you blocked the bot)")
                elif line == "/unblock":
                    await persona.unblock()
                    self.say("(you unblocked the bot)")
                elif line.startswith("/press"):
                    await self._press(persona, line.removeprefix("/press").strip())
                else:
                    await persona.send(line)
            except Exception as exc:  # a refused request must not end the chat
                self.say(f"(sandbox: {exc})")

    async def _press(self, persona: SandboxPersona, number: str) -> None:
        if not number.isdigit() or not 1 <= int(number) <= len(self.buttons):
            self.say(f"(press a button from 1 to {len(self.buttons)})" if self.buttons else "(no buttons to press)")
            return
        message, text = self.buttons[int(number) - 1]
        await persona.press(message, text)

    async def _watch(self, client: SandboxClient, persona: SandboxPersona) -> None:
        seen = client.seq
        while True:
            event = await client.wait_for_event(lambda e: self._concerns(e, persona), after=seen, timeout=3600)
            seen = event.seq
            if text := self.render(event):
                self.say(text)

    @staticmethod
    def _concerns(event: Event, persona: SandboxPersona) -> bool:
        if event.type == "callback_answer":
            return bool(event.payload["answer"]["persona_id"] == persona.id)
        message = event.message
        return event.type in ("message", "edit") and message is not None and message.chat_id == persona.id

    def render(self, event: Event) -> str:
        if event.type == "callback_answer":
            answer = event.payload["answer"]
            if not answer["text"]:
                return ""
            return f"  ({'alert' if answer['show_alert'] else 'toast'}) {answer['text']}"
        message = event.message
        assert message is not None
        if not message.from_bot:
            return ""
        lines = ["bot (edited):" if event.type == "edit" else "bot:"]
        if message.photo_url:
            lines.append(f"  [photo] {self._absolute(message.photo_url)}")
        if message.document:
            lines.append(f"  [document] {message.document['file_name']}: {self._absolute(message.document['url'])}")
        body = message.body
        with contextlib.suppress(EntityError):
            body = check_entities(body, message.parse_mode)
        lines += [f"  {line}" for line in body.splitlines()]
        if message.keyboard:
            self.buttons = []
            for row in message.keyboard:
                labels = []
                for button in row:
                    if "url" in button:
                        labels.append(f"[{button['text']}: {button['url']}]")
                    else:
                        self.buttons.append((message, button["text"]))
                        labels.append(f"[{len(self.buttons)}] {button['text']}")
                lines.append("  " + "   ".join(labels))
        return "\n".join(lines)

    def _absolute(self, url: str) -> str:
        return self.base_url + url if url.startswith("/") else url
