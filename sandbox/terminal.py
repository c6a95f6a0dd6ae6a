"""The demo's terminal chat: one persona talks to the bot from a terminal, buttons numbered for `/press N`."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from dataclasses import dataclass
from typing import TextIO
from urllib.parse import parse_qs, urlsplit

from bot.domain.language import pick_language
from sandbox.client import ChatMessage, Event, SandboxClient, SandboxPersona
from sandbox.markup import EntityError, check_entities

TELEGRAM_HOSTS = ("t.me", "www.t.me", "telegram.me", "www.telegram.me")


def start_link_payload(url: str, bot_username: str) -> str | None:
    """The /start payload of a deep link to this bot (`https://t.me/<bot>?start=...` or
    `tg://resolve?domain=<bot>&start=...`), or None for any other link."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    if parts.scheme in ("http", "https") and parts.hostname in TELEGRAM_HOSTS:
        username = parts.path.strip("/").split("/", 1)[0]
    elif parts.scheme == "tg" and parts.netloc == "resolve":
        username = query.get("domain", [""])[0]
    else:
        return None
    if not bot_username or username.lower() != bot_username.lower() or "start" not in query:
        return None
    return query["start"][0]


@dataclass(frozen=True, slots=True)
class NumberedButton:
    """A button the terminal numbered: a callback button, tapped by its position (labels repeat on cart rows), or
    a deep link to the bot, followed by sending `/start <payload>` as Telegram does."""

    message: ChatMessage
    row: int
    column: int
    text: str
    start_payload: str | None = None


class TerminalChat:
    """One persona chatting from the terminal: bot messages as text, inline keyboards as numbered buttons."""

    HELP = "Type a message, /press N to tap button N, /block or /unblock the bot, /quit to leave."

    def __init__(
        self,
        base_url: str,
        languages: list[str],
        out: TextIO = sys.stdout,
        bot_username: str = "",
        default_language: str | None = None,
    ) -> None:
        self.base_url = base_url
        self.languages = languages  # the shop's; a persona may still pick any Telegram language, as real users do
        self.default_language = default_language or languages[0]
        self.out = out
        self.bot_username = bot_username  # from the sandbox's getMe once connected: deep links to it are followed
        self.lines: asyncio.Queue[str | None] = asyncio.Queue()
        self.buttons: list[NumberedButton] = []

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
                self.bot_username = str(client.bot.get("username", ""))
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
        self.say("Chat with the bot as a buyer. The shop speaks: " + ", ".join(self.languages))
        name = await self.ask("Your first name", "Alex")
        language = await self.ask("Your Telegram language", self.default_language)
        if not pick_language(language, self.languages, ""):
            self.say(f"(the shop does not speak {language}: it answers in {self.default_language})")
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
        button = self.buttons[int(number) - 1]
        if button.start_payload is not None:
            await persona.send(f"/start {button.start_payload}".rstrip())
        else:
            await persona.press(button.message, at=(button.row, button.column))

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
            for row_index, row in enumerate(message.keyboard):
                labels = []
                for column, button in enumerate(row):
                    payload = start_link_payload(button["url"], self.bot_username) if "url" in button else None
                    if "url" in button and payload is None:
                        labels.append(f"[{button['text']}: {button['url']}]")
                        continue
                    self.buttons.append(NumberedButton(message, row_index, column, button["text"], payload))
                    follow = f" (sends /start {payload})" if payload is not None else ""
                    labels.append(f"[{len(self.buttons)}] {button['text']}{follow}")
                lines.append("  " + "   ".join(labels))
        return "\n".join(lines)

    def _absolute(self, url: str) -> str:
        return self.base_url + url if url.startswith("/") else url
