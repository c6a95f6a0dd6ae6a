"""An async client for the sandbox's control API: personas who write, tap buttons and await the bot's answers.

    async with SandboxClient("http://127.0.0.1:8080") as sandbox:
        anna = await sandbox.persona(first_name="Anna", language_code="de", country="DE")
        await anna.send("/catalog")
        page = await anna.wait_for_reply()
        await anna.press(page, "Next ▶")
        turned = await anna.wait_for_edit(page)

Every wait awaits the server's event stream (Server-Sent Events); nothing here sleeps or polls.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp

DEFAULT_TIMEOUT = 10.0


class SandboxError(RuntimeError):
    """The control API refused a request; `description` is its reason."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """A message of a transcript or event: what a person sees, edits applied (`version` counts them)."""

    raw: dict[str, Any]

    @property
    def chat_id(self) -> int:
        return int(self.raw["chat_id"])

    @property
    def message_id(self) -> int:
        return int(self.raw["message_id"])

    @property
    def from_bot(self) -> bool:
        return bool(self.raw["from_bot"])

    @property
    def text(self) -> str | None:
        return self.raw.get("text")

    @property
    def caption(self) -> str | None:
        return self.raw.get("caption")

    @property
    def body(self) -> str:
        """The text, or the caption of a photo or document."""
        return self.raw.get("text") or self.raw.get("caption") or ""

    @property
    def parse_mode(self) -> str | None:
        return self.raw.get("parse_mode")

    @property
    def photo_url(self) -> str | None:
        photo = self.raw.get("photo")
        return photo["url"] if photo else None

    @property
    def document(self) -> dict[str, Any] | None:
        return self.raw.get("document")

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        keyboard: list[list[dict[str, Any]]] = (self.raw.get("reply_markup") or {}).get("inline_keyboard", [])
        return keyboard

    @property
    def buttons(self) -> list[str]:
        """Every inline button's text, row by row."""
        return [button["text"] for row in self.keyboard for button in row]

    def callback_data(self, button: str) -> str:
        for row in self.keyboard:
            for candidate in row:
                if candidate["text"] == button:
                    return str(candidate["callback_data"])
        raise KeyError(f"no button {button!r}; the message has {self.buttons}")

    @property
    def version(self) -> int:
        return int(self.raw.get("version", 1))

    @property
    def edited(self) -> bool:
        return bool(self.raw.get("edited"))

    @property
    def deleted(self) -> bool:
        return bool(self.raw.get("deleted"))


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """What the bot answered to a button tap: a toast, or an alert when `show_alert`."""

    callback_query_id: str
    persona_id: int
    message_id: int
    data: str
    text: str
    show_alert: bool
    url: str

    @classmethod
    def of(cls, raw: dict[str, Any]) -> CallbackAnswer:
        return cls(
            callback_query_id=str(raw["callback_query_id"]),
            persona_id=int(raw["persona_id"]),
            message_id=int(raw["message_id"]),
            data=str(raw["data"]),
            text=str(raw["text"]),
            show_alert=bool(raw["show_alert"]),
            url=str(raw["url"]),
        )


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    type: str
    payload: dict[str, Any]

    @property
    def message(self) -> ChatMessage | None:
        raw = self.payload.get("message")
        return ChatMessage(raw) if raw else None


class SandboxClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.bot: dict[str, Any] = {}
        self._session: aiohttp.ClientSession | None = None
        self._reader: asyncio.Task[None] | None = None
        self._events: list[Event] = []
        self._arrived = asyncio.Event()
        self._connected = asyncio.Event()
        self._failure: BaseException | None = None
        self.seq = 0  # the newest event this client has seen

    async def __aenter__(self) -> SandboxClient:
        await self.connect()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()

    async def connect(self, timeout: float = DEFAULT_TIMEOUT) -> None:  # noqa: ASYNC109 (a deadline per wait reads best in tests)
        """Open the session and the event stream; returns once the stream is live, so no later event is missed."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_connect=timeout))
        self._reader = asyncio.create_task(self._read_events())
        waiter = asyncio.ensure_future(self._connected.wait())
        done, _ = await asyncio.wait({waiter, self._reader}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            waiter.cancel()
            await self.close()
            raise SandboxError(0, f"no event stream from {self.base_url} within {timeout}s") from self._failure

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _read_events(self) -> None:
        assert self._session is not None
        try:
            async with self._session.get(f"{self.base_url}/sandbox/api/events") as response:
                kind, data = "", ""
                async for raw in response.content:
                    line = raw.decode().rstrip("\r\n")
                    if line.startswith("event:"):
                        kind = line[6:].strip()
                    elif line.startswith("data:"):
                        data += line[5:].strip()
                    elif not line and data:
                        self._receive(kind, json.loads(data))
                        kind, data = "", ""
        except (aiohttp.ClientError, ValueError) as exc:
            self._failure = exc
        finally:
            self._arrived.set()

    def _receive(self, kind: str, payload: dict[str, Any]) -> None:
        if kind == "hello":
            self.seq = int(payload["seq"])
            self.bot = payload.get("bot", {})
            self._connected.set()
            return
        event = Event(seq=int(payload["seq"]), type=kind, payload=payload)
        self._events.append(event)
        self.seq = event.seq
        self._arrived.set()
        self._arrived = asyncio.Event()

    async def wait_for_event(
        self,
        predicate: Callable[[Event], bool],
        after: int,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 (a deadline per wait reads best in tests)
    ) -> Event:
        """The first event after seq `after` that matches, awaiting the stream until `timeout` seconds pass."""
        # Events arrive in seq order: skip straight past those at or before `after`.
        checked = bisect.bisect_right(self._events, after, key=lambda event: event.seq)
        try:
            async with asyncio.timeout(timeout):
                while True:
                    for event in self._events[checked:]:
                        if event.seq > after and predicate(event):
                            return event
                    checked = len(self._events)
                    if self._reader is None or self._reader.done():
                        raise SandboxError(0, "the event stream ended") from self._failure
                    await self._arrived.wait()
        except TimeoutError:
            since = [event for event in self._events if event.seq > after][-8:]
            seen = "; ".join(_summary(event) for event in since) or "none"
            raise TimeoutError(
                f"no matching event within {timeout}s after event {after}; the last ones: {seen}"
            ) from None

    def events_since(self, after: int) -> list[Event]:
        """The events received so far after seq `after`, in the order the sandbox saw them."""
        return [event for event in self._events if event.seq > after]

    async def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if self._session is None:
            raise SandboxError(0, "the client is not connected (use `async with SandboxClient(...)`)")
        async with self._session.request(method, f"{self.base_url}/sandbox/api{path}", json=body) as response:
            data = await response.json()
        if response.status != 200:
            raise SandboxError(response.status, str(data.get("description", data)))
        return data

    async def persona(
        self, first_name: str, language_code: str = "en", country: str = "", **fields: Any
    ) -> SandboxPersona:
        """Create a persona (a Telegram user who has not written to the bot yet)."""
        raw = await self.request(
            "POST",
            "/personas",
            {"first_name": first_name, "language_code": language_code, "country": country, **fields},
        )
        return SandboxPersona(self, raw)

    async def personas(self) -> list[dict[str, Any]]:
        return list(await self.request("GET", "/personas"))

    async def groups(self) -> list[dict[str, Any]]:
        return list(await self.request("GET", "/groups"))

    async def create_group(self, title: str, username: str = "") -> dict[str, Any]:
        """A supergroup with the bot in it; with `username`, a public one the bot can be told about as @username."""
        return dict(await self.request("POST", "/groups", {"title": title, "username": username}))

    async def transcript(self, chat_id: int) -> list[ChatMessage]:
        data = await self.request("GET", f"/chats/{chat_id}/transcript")
        return [ChatMessage(raw) for raw in data["messages"]]

    async def callback_answers(self, persona_id: int | None = None) -> list[CallbackAnswer]:
        query = f"?persona_id={persona_id}" if persona_id is not None else ""
        return [CallbackAnswer.of(raw) for raw in await self.request("GET", f"/callback_answers{query}")]

    async def status(self) -> dict[str, Any]:
        return dict(await self.request("GET", "/status"))


class SandboxPersona:
    """One person talking to the bot. Waits look at what happened after this persona's last action."""

    def __init__(self, client: SandboxClient, raw: dict[str, Any]) -> None:
        self.client = client
        self.raw = raw
        self.id = int(raw["id"])
        self.first_name = str(raw["first_name"])
        self.language_code = str(raw["language_code"])
        self.country = str(raw["country"])
        self.cursor = client.seq

    def __repr__(self) -> str:
        return f"<SandboxPersona {self.id} {self.first_name} ({self.language_code})>"

    async def send(self, text: str, chat_id: int | None = None, reply_to: int | None = None) -> ChatMessage:
        """Write in the private chat with the bot, or in the group `chat_id`."""
        body: dict[str, Any] = {"text": text}
        if chat_id is not None:
            body["chat_id"] = chat_id
        if reply_to is not None:
            body["reply_to_message_id"] = reply_to
        raw = await self.client.request("POST", f"/personas/{self.id}/messages", body)
        self.cursor = int(raw.pop("seq"))
        return ChatMessage(raw)

    async def press(
        self,
        message: ChatMessage,
        button: str | None = None,
        callback_data: str | None = None,
        *,
        at: tuple[int, int] | None = None,
    ) -> str:
        """Tap the button with this text (or callback_data), or the one `at` (row, column) counted from 0, under
        `message`; returns the callback query id. Buttons that share a label (a cart's `+` on every row) need `at`."""
        body: dict[str, Any] = {"chat_id": message.chat_id, "message_id": message.message_id, "button": button}
        if callback_data is not None:
            body["callback_data"] = callback_data
        if at is not None:
            body["row"], body["column"] = at
        return await self._press(body)

    async def forge_callback(self, data: str, message: ChatMessage | None = None) -> str:
        """Send callback data no button carries (a stale or tampered client), under `message` or the bot's last one."""
        body: dict[str, Any] = {"callback_data": data, "forge": True, "chat_id": self.id}
        if message is not None:
            body.update(chat_id=message.chat_id, message_id=message.message_id)
        return await self._press(body)

    async def _press(self, body: dict[str, Any]) -> str:
        raw = await self.client.request("POST", f"/personas/{self.id}/press", body)
        self.cursor = int(raw["seq"])
        return str(raw["callback_query_id"])

    async def pay(self, link: str, deliveries: int = 1) -> dict[str, Any]:
        """Pay a Telegram invoice link: `ok` (and the `telegram_payment_charge_id`) once the bot accepted the
        pre-checkout query, else its `error_message`. `deliveries` > 1 delivers the successful payment that often."""
        raw = dict(
            await self.client.request("POST", f"/personas/{self.id}/pay", {"link": link, "deliveries": deliveries})
        )
        self.cursor = int(raw.pop("seq"))
        return raw

    async def block(self) -> None:
        raw = await self.client.request("POST", f"/personas/{self.id}/block")
        self.cursor = int(raw["seq"])

    async def unblock(self) -> None:
        raw = await self.client.request("POST", f"/personas/{self.id}/unblock")
        self.cursor = int(raw["seq"])

    async def transcript(self, chat_id: int | None = None) -> list[ChatMessage]:
        return await self.client.transcript(self.id if chat_id is None else chat_id)

    async def menu(self) -> list[str]:
        """The commands in this persona's menu, as Telegram would show them in their private chat with the bot."""
        return [command["command"] for command in await self.client.request("GET", f"/personas/{self.id}/commands")]

    async def wait_for_message(
        self,
        predicate: Callable[[ChatMessage], bool] = lambda message: True,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 (a deadline per wait reads best in tests)
        chat_id: int | None = None,
        edits: bool = False,
    ) -> ChatMessage:
        """The next message from the bot in this persona's chat (or `chat_id`) that matches, new or (with `edits`)
        edited since this persona's last action or wait."""
        chat = self.id if chat_id is None else chat_id
        kinds = ("message", "edit") if edits else ("message",)

        def wanted(event: Event) -> bool:
            message = event.message
            return (
                event.type in kinds
                and message is not None
                and message.from_bot
                and message.chat_id == chat
                and predicate(message)
            )

        event = await self.client.wait_for_event(wanted, after=self.cursor, timeout=timeout)
        self.cursor = event.seq
        assert event.message is not None
        return event.message

    async def wait_for_reply(self, timeout: float = DEFAULT_TIMEOUT, chat_id: int | None = None) -> ChatMessage:  # noqa: ASYNC109 (a deadline per wait reads best in tests)
        """The bot's next new message in this chat."""
        return await self.wait_for_message(timeout=timeout, chat_id=chat_id)

    async def wait_for_edit(self, message: ChatMessage, timeout: float = DEFAULT_TIMEOUT) -> ChatMessage:  # noqa: ASYNC109 (a deadline per wait reads best in tests)
        """`message` as it reads after the bot's next edit of it."""
        return await self.wait_for_message(
            lambda edited: edited.message_id == message.message_id and edited.version > message.version,
            timeout=timeout,
            chat_id=message.chat_id,
            edits=True,
        )

    async def wait_for_refusal(self, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:  # noqa: ASYNC109
        """The next Bot API call to this persona's chat that the sandbox refused (403 when blocked, 429, 400...)."""
        event = await self.client.wait_for_event(
            lambda e: e.type == "refusal" and e.payload["chat_id"] == self.id, after=self.cursor, timeout=timeout
        )
        self.cursor = event.seq
        return event.payload

    async def wait_for_answer(self, callback_query_id: str, timeout: float = DEFAULT_TIMEOUT) -> CallbackAnswer:  # noqa: ASYNC109 (a deadline per wait reads best in tests)
        """The bot's answer (toast or alert) to this persona's tap."""
        event = await self.client.wait_for_event(
            lambda e: e.type == "callback_answer" and e.payload["answer"]["callback_query_id"] == callback_query_id,
            after=0,
            timeout=timeout,
        )
        return CallbackAnswer.of(event.payload["answer"])


def _summary(event: Event) -> str:
    """One line per event, for the message of a wait that timed out."""
    message = event.message
    if message is not None:
        who = "bot" if message.from_bot else "persona"
        return f"#{event.seq} {event.type} {who} in {message.chat_id}: {message.body[:60]!r}"
    detail = event.payload.get("description") or event.payload.get("answer", {}).get("text", "")
    return f"#{event.seq} {event.type} {detail!r}"
