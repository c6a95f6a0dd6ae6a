"""A Telegram Bot API look-alike on loopback: the bot polls it over HTTP, personas talk to it through /sandbox/api.

Requests and responses have Telegram's shapes (JSON, form or multipart in; `{"ok": ..., "result": ...}` out), and
errors use Telegram's codes and wording, so the real bot runs against it unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import mimetypes
import secrets
import struct
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from sandbox.markup import EntityError, check_entities, render, utf16_length

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
DEFAULT_TOKEN = "123456789:sandbox-demo-token"
MAX_UPLOAD = 50 * 1024 * 1024
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
UPDATE_TYPES = ("message", "edited_message", "callback_query", "my_chat_member", "chat_member")
EVENT_BACKLOG = 20_000


class ApiError(Exception):
    """A Bot API failure, answered as Telegram does: `{"ok": false, "error_code": ..., "description": ...}`."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Sends allowed per window; None switches a limit off. `telegram()` is what Telegram documents."""

    overall_per_second: int | None = None
    private_per_second: int | None = None
    group_per_minute: int | None = None

    @classmethod
    def telegram(cls) -> RateLimits:
        return cls(overall_per_second=30, private_per_second=1, group_per_minute=20)


class _Window:
    """Sliding-window counter of sends."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.stamps: deque[float] = deque()

    def retry_after(self, now: float) -> int | None:
        while self.stamps and self.stamps[0] <= now - self.seconds:
            self.stamps.popleft()
        if len(self.stamps) >= self.limit:
            return max(1, int(self.stamps[0] + self.seconds - now + 0.999))
        return None

    def add(self, now: float) -> None:
        self.stamps.append(now)


@dataclass(slots=True)
class Persona:
    id: int
    first_name: str
    last_name: str = ""
    username: str = ""
    language_code: str = "en"
    country: str = ""
    is_blocking_bot: bool = False
    has_started_bot: bool = False

    def user(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
            "country": self.country,
            "is_blocking_bot": self.is_blocking_bot,
            "has_started_bot": self.has_started_bot,
        }


@dataclass(slots=True)
class Chat:
    id: int
    type: str  # "private" or "supergroup"
    title: str = ""
    persona_id: int | None = None
    members: set[int] = field(default_factory=set)
    next_message_id: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    messages: dict[int, StoredMessage] = field(default_factory=dict)


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # "photo" or "document"
    data: bytes | None = None
    url: str | None = None
    file_name: str = ""
    mime_type: str = "application/octet-stream"
    width: int = 0
    height: int = 0

    @property
    def file_path(self) -> str | None:
        if self.data is None:
            return None
        suffix = Path(self.file_name).suffix or mimetypes.guess_extension(self.mime_type) or ""
        return f"{self.kind}s/file_{self.file_unique_id}{suffix}"


@dataclass(slots=True)
class StoredMessage:
    chat_id: int
    message_id: int
    sender_id: int
    from_bot: bool
    date: int
    text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    photo: StoredFile | None = None
    document: StoredFile | None = None
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    version: int = 1
    deleted: bool = False

    def buttons(self) -> Iterator[dict[str, Any]]:
        for row in (self.reply_markup or {}).get("inline_keyboard", []):
            yield from row


@dataclass(slots=True)
class CallbackQuery:
    id: str
    persona_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG, GIF or JPEG (0, 0 when unknown): Telegram reports them for every photo."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data[:2] == b"\xff\xd8":
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                break
            marker = data[index + 1]
            length = struct.unpack(">H", data[index + 2 : index + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return width, height
            index += 2 + length
    return 0, 0


class Params:
    """A Bot API call's parameters, from JSON, a form or multipart; form values are strings or JSON text."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, tuple[str, str, bytes]]) -> None:
        self.values = values
        self.uploads = uploads

    @classmethod
    async def read(cls, request: web.Request) -> Params:
        values: dict[str, Any] = dict(request.query)
        uploads: dict[str, tuple[str, str, bytes]] = {}
        if request.method == "POST" and request.can_read_body:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise bad_request("can't parse JSON body") from None
                if not isinstance(body, dict):
                    raise bad_request("JSON body must be an object")
                values.update(body)
            elif content_type == "multipart/form-data":
                reader = await request.multipart()
                while (part := await reader.next()) is not None:
                    if not isinstance(part, BodyPartReader) or part.name is None:
                        continue
                    if part.filename:
                        data = await part.read()
                        kind = part.headers.get("Content-Type", "application/octet-stream")
                        uploads[part.name] = (part.filename, kind, bytes(data))
                    else:
                        values[part.name] = await part.text()
            else:
                form = await request.post()
                values.update({key: value for key, value in form.items() if isinstance(value, str)})
        return cls(values, uploads)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "") or name in self.uploads

    def get_str(self, name: str, default: str | None = None) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        return value if isinstance(value, str) else json.dumps(value)

    def get_int(self, name: str, default: int | None = None) -> int | None:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1", "yes")

    def get_json(self, name: str) -> Any:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def require(self, name: str) -> Any:
        if not self.has(name):
            raise bad_request(f"{name} is empty" if name in self.values else f"parameter {name} is required")
        return self.values.get(name)


Handler = Callable[[Params], Awaitable[Any]]


class Sandbox:
    """The world the bot lives in: its identity, personas, chats, messages, pending updates and an event log."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        rate_limits: RateLimits | None = None,
        bot_username: str = "livesell_sandbox_bot",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        head = token.split(":", 1)[0]
        self.bot_user = {
            "id": int(head) if head.isdigit() else 777000001,
            "is_bot": True,
            "first_name": "Livesell",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
        }
        self.rate_limits = rate_limits or RateLimits()
        self.clock = clock
        self.personas: dict[int, Persona] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackQuery] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.webhook_url = ""
        self.polling = asyncio.Event()
        self.polled = threading.Event()  # the same, for threads that start the bot and wait for it
        self.closing = False
        self._persona_ids = itertools.count(100_001)
        self._group_ids = itertools.count(1_000_000_001)
        self._update_ids = itertools.count(500_000_001)
        self._updates: deque[dict[str, Any]] = deque()
        self._allowed_updates: list[str] | None = None
        self._poller = 0
        self._updates_changed = asyncio.Event()  # replaced (after being set) whenever updates arrive
        self._events: deque[dict[str, Any]] = deque(maxlen=EVENT_BACKLOG)
        self._event_seq = 0
        self._events_changed = asyncio.Event()  # replaced (after being set) whenever an event is logged
        self._windows: dict[Any, _Window] = {}

    # -- events, for the control API's stream -------------------------------------------------------------

    @property
    def last_event(self) -> int:
        return self._event_seq

    def _emit(self, kind: str, **payload: Any) -> None:
        self._event_seq += 1
        self._events.append({"seq": self._event_seq, "type": kind, **payload})
        self._events_changed = _wake(self._events_changed)

    def events_after(self, seq: int) -> list[dict[str, Any]]:
        if not self._events:
            return []
        # Sequence numbers are consecutive, so the position of `seq` in the backlog is a subtraction.
        start = max(seq - self._events[0]["seq"] + 1, 0)
        return list(itertools.islice(self._events, start, None))

    async def wait_events(self, seq: int, patience: float) -> list[dict[str, Any]]:
        """Events after `seq`, waiting up to `patience` seconds for the first one."""
        if self._event_seq <= seq and not self.closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._events_changed.wait(), patience)
        return self.events_after(seq)

    def close(self) -> None:
        """Wake long polls and event streams so the server can stop at once."""
        self.closing = True
        self._events_changed = _wake(self._events_changed)
        self._updates_changed = _wake(self._updates_changed)

    # -- updates, for getUpdates --------------------------------------------------------------------------

    def _push_update(self, kind: str, payload: dict[str, Any]) -> None:
        self._updates.append({"update_id": next(self._update_ids), kind: payload})
        self._updates_changed = _wake(self._updates_changed)

    def _deliverable(self) -> list[dict[str, Any]]:
        allowed = self._allowed_updates
        if allowed:
            # Telegram never creates updates of types the bot did not ask for.
            kept = [update for update in self._updates if any(kind in update for kind in allowed)]
            self._updates = deque(kept)
        return list(self._updates)

    async def get_updates(self, params: Params) -> list[dict[str, Any]]:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
                "the webhook first",
            )
        offset = params.get_int("offset", 0) or 0
        limit = min(max(params.get_int("limit", 100) or 100, 1), 100)
        timeout = max(params.get_int("timeout", 0) or 0, 0)
        allowed = params.get_json("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed] or None
        if offset < 0:
            keep = list(self._updates)[offset:]
            self._updates = deque(keep)
        else:
            while self._updates and self._updates[0]["update_id"] < offset:
                self._updates.popleft()
        self._poller += 1
        me = self._poller
        self._updates_changed = _wake(self._updates_changed)  # an older long poll ends with a conflict
        self.polling.set()
        self.polled.set()
        deadline = asyncio.get_running_loop().time() + timeout
        while not self._deliverable() and self._poller == me and not self.closing:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._updates_changed.wait(), left)
        if self._poller != me:
            raise ApiError(
                409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
            )
        return self._deliverable()[:limit]

    # -- personas and chats ---------------------------------------------------------------------------------

    def add_persona(
        self,
        first_name: str,
        language_code: str = "en",
        country: str = "",
        last_name: str = "",
        username: str = "",
        is_blocking_bot: bool = False,
        persona_id: int | None = None,
    ) -> Persona:
        if not first_name.strip():
            raise bad_request("first_name is empty")
        if persona_id is None:
            persona_id = next(self._persona_ids)
            while persona_id in self.personas:
                persona_id = next(self._persona_ids)
        elif persona_id in self.personas or persona_id <= 0:
            raise bad_request(f"persona {persona_id} exists or is not a positive id")
        persona = Persona(
            id=persona_id,
            first_name=first_name.strip()[:64],
            last_name=last_name[:64],
            username=username,
            language_code=language_code,
            country=country.upper(),
            is_blocking_bot=is_blocking_bot,
        )
        self.personas[persona.id] = persona
        self.chats[persona.id] = Chat(id=persona.id, type="private", persona_id=persona.id)
        self._emit("persona", persona=persona.describe())
        return persona

    def add_group(self, title: str) -> Chat:
        if not title.strip():
            raise bad_request("title is empty")
        # Supergroup ids look like Telegram's: -100 followed by the channel id.
        chat = Chat(id=int(f"-100{next(self._group_ids)}"), type="supergroup", title=title.strip()[:128])
        self.chats[chat.id] = chat
        self._emit("group", chat=self.chat_object(chat))
        return chat

    def persona(self, persona_id: int) -> Persona:
        persona = self.personas.get(persona_id)
        if persona is None:
            raise ApiError(404, f"Not Found: no persona {persona_id}")
        return persona

    def chat_object(self, chat: Chat) -> dict[str, Any]:
        if chat.type == "private":
            persona = self.personas[chat.id]
            out = {"id": chat.id, "type": "private", "first_name": persona.first_name}
            if persona.last_name:
                out["last_name"] = persona.last_name
            if persona.username:
                out["username"] = persona.username
            return out
        return {"id": chat.id, "type": chat.type, "title": chat.title}

    def resolve_chat(self, params: Params) -> Chat:
        raw = params.require("chat_id")
        chat: Chat | None = None
        if isinstance(raw, str) and raw.startswith("@"):
            chat = next((c for c in self.chats.values() if self._username_of(c) == raw[1:].lower()), None)
        else:
            try:
                chat = self.chats.get(int(raw))
            except (TypeError, ValueError):
                chat = None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _username_of(self, chat: Chat) -> str:
        if chat.type == "private":
            return self.personas[chat.id].username.lower()
        return ""

    def _check_can_send(self, chat: Chat) -> None:
        if chat.type != "private":
            return
        persona = self.personas[chat.id]
        if persona.is_blocking_bot:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not persona.has_started_bot:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")

    def _check_rate(self, chat: Chat) -> None:
        now = self.clock()
        limits = self.rate_limits
        windows: list[_Window] = []
        if limits.overall_per_second:
            windows.append(self._window("overall", limits.overall_per_second, 1.0))
        if chat.type == "private" and limits.private_per_second:
            windows.append(self._window(chat.id, limits.private_per_second, 1.0))
        if chat.type != "private" and limits.group_per_minute:
            windows.append(self._window(chat.id, limits.group_per_minute, 60.0))
        waits = [wait for window in windows if (wait := window.retry_after(now)) is not None]
        if waits:
            retry = max(waits)
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)
        for window in windows:
            window.add(now)

    def _window(self, key: Any, limit: int, seconds: float) -> _Window:
        window = self._windows.get(key)
        if window is None or window.limit != limit:
            window = self._windows[key] = _Window(limit, seconds)
        return window

    # -- messages -------------------------------------------------------------------------------------------

    def message_object(self, message: StoredMessage, with_reply: bool = True) -> dict[str, Any]:
        chat = self.chats[message.chat_id]
        sender = self.bot_user if message.from_bot else self.personas[message.sender_id].user()
        out: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": self.chat_object(chat),
            "from": sender,
        }
        if message.edit_date:
            out["edit_date"] = message.edit_date
        # The bot gets back what Telegram makes of its markup: plain text plus entities (transcripts keep the markup).
        if message.text is not None:
            out["text"], entities = render(message.text, message.parse_mode)
            if message.text.startswith("/") and not message.from_bot:
                command = message.text.split(maxsplit=1)[0]
                entities = [{"type": "bot_command", "offset": 0, "length": utf16_length(command)}]
            if entities:
                out["entities"] = entities
        if message.photo is not None:
            out["photo"] = self._photo_sizes(message.photo)
        if message.document is not None:
            out["document"] = self._document_object(message.document)
        if message.caption is not None:
            out["caption"], entities = render(message.caption, message.parse_mode)
            if entities:
                out["caption_entities"] = entities
        if message.reply_markup:
            out["reply_markup"] = message.reply_markup
        if with_reply and message.reply_to_message_id is not None:
            replied = chat.messages.get(message.reply_to_message_id)
            if replied is not None and not replied.deleted:
                out["reply_to_message"] = self.message_object(replied, with_reply=False)
        return out

    def _photo_sizes(self, photo: StoredFile) -> list[dict[str, Any]]:
        size: dict[str, Any] = {
            "file_id": photo.file_id,
            "file_unique_id": photo.file_unique_id,
            "width": photo.width or 800,
            "height": photo.height or 800,
        }
        if photo.data is not None:
            size["file_size"] = len(photo.data)
        thumb = {**size, "file_id": photo.file_id + "-s", "file_unique_id": photo.file_unique_id + "s"}
        thumb.update(width=min(size["width"], 90), height=min(size["height"], 90))
        thumb.pop("file_size", None)
        return [thumb, size]

    def _document_object(self, document: StoredFile) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file_id": document.file_id,
            "file_unique_id": document.file_unique_id,
            "file_name": document.file_name,
            "mime_type": document.mime_type,
        }
        if document.data is not None:
            out["file_size"] = len(document.data)
        return out

    def transcript_entry(self, message: StoredMessage) -> dict[str, Any]:
        """A message as people read it: the bot's markup as sent (with its parse_mode), edits applied."""
        sender = self.bot_user if message.from_bot else self.personas[message.sender_id].user()
        entry: dict[str, Any] = {
            "chat_id": message.chat_id,
            "message_id": message.message_id,
            "from_bot": message.from_bot,
            "sender": {"id": sender["id"], "first_name": sender["first_name"]},
            "date": message.date,
            "text": message.text,
            "caption": message.caption,
            "parse_mode": message.parse_mode,
            "photo": self._file_entry(message.photo),
            "document": self._file_entry(message.document),
            "reply_markup": message.reply_markup,
            "reply_to_message_id": message.reply_to_message_id,
            "version": message.version,
            "edited": message.version > 1,
            "deleted": message.deleted,
        }
        return entry

    @staticmethod
    def _file_entry(stored: StoredFile | None) -> dict[str, Any] | None:
        if stored is None:
            return None
        url = stored.url if stored.data is None else f"/sandbox/api/files/{stored.file_id}"
        return {"file_id": stored.file_id, "url": url, "file_name": stored.file_name, "mime_type": stored.mime_type}

    def transcript(self, chat_id: int) -> dict[str, Any]:
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ApiError(404, f"Not Found: no chat {chat_id}")
        return {
            "chat": self.chat_object(chat),
            "messages": [self.transcript_entry(message) for message in chat.messages.values()],
        }

    def _store(self, chat: Chat, **fields: Any) -> StoredMessage:
        message = StoredMessage(chat_id=chat.id, message_id=next(chat.next_message_id), date=int(time.time()), **fields)
        chat.messages[message.message_id] = message
        self._emit("message", message=self.transcript_entry(message))
        return message

    def persona_says(
        self, persona: Persona, text: str, chat_id: int | None = None, reply_to: int | None = None
    ) -> StoredMessage:
        """A persona writes in its private chat with the bot (the default) or in a group; the bot gets an update."""
        if not text:
            raise bad_request("message text is empty")
        chat = self.chats.get(persona.id if chat_id is None else chat_id)
        if chat is None or (chat.type == "private" and chat.id != persona.id):
            raise bad_request("chat not found")
        if chat.type == "private":
            # Writing to a bot you blocked is Telegram's "Restart": it unblocks it.
            if persona.is_blocking_bot:
                self.set_blocking(persona, False)
            persona.has_started_bot = True
        else:
            chat.members.add(persona.id)
        if reply_to is not None and reply_to not in chat.messages:
            raise bad_request("message to be replied not found")
        message = self._store(chat, sender_id=persona.id, from_bot=False, text=text, reply_to_message_id=reply_to)
        self._push_update("message", self.message_object(message))
        return message

    def press(
        self,
        persona: Persona,
        chat_id: int,
        message_id: int | None,
        data: str | None,
        text: str | None,
        forge: bool = False,
    ) -> CallbackQuery:
        """A persona taps an inline button (found by its text or callback_data), or forges any callback data."""
        chat = self.chats.get(chat_id)
        if chat is None or (chat.type == "private" and chat.id != persona.id):
            raise bad_request("chat not found")
        bot_messages = [m for m in chat.messages.values() if m.from_bot and not m.deleted]
        if message_id is None:
            if not forge or not bot_messages:
                raise bad_request("message_id is required")
            message_id = bot_messages[-1].message_id
        message = chat.messages.get(message_id)
        if message is None or message.deleted or not message.from_bot:
            raise bad_request("message not found")
        if not forge:
            button = next(
                (
                    b
                    for b in message.buttons()
                    if (text is not None and b.get("text") == text)
                    or (data is not None and b.get("callback_data") == data)
                ),
                None,
            )
            if button is None:
                labels = [b.get("text") for b in message.buttons()]
                raise bad_request(f"no button {text or data!r} on message {message_id}; it has {labels}")
            if "callback_data" not in button:
                raise bad_request(f"button {button.get('text')!r} is not a callback button")
            data = button["callback_data"]
        if data is None:
            raise bad_request("callback_data is required")
        query = CallbackQuery(
            id=str(secrets.randbits(63)), persona_id=persona.id, chat_id=chat.id, message_id=message_id, data=data
        )
        self.callbacks[query.id] = query
        self._push_update(
            "callback_query",
            {
                "id": query.id,
                "from": persona.user(),
                "message": self.message_object(message),
                "chat_instance": str(abs(chat.id) * 7 + 3),
                "data": data,
            },
        )
        return query

    def set_blocking(self, persona: Persona, blocking: bool) -> None:
        if persona.is_blocking_bot == blocking:
            return
        persona.is_blocking_bot = blocking
        old, new = ("member", "kicked") if blocking else ("kicked", "member")
        self._push_update(
            "my_chat_member",
            {
                "chat": self.chat_object(self.chats[persona.id]),
                "from": persona.user(),
                "date": int(time.time()),
                "old_chat_member": {
                    "status": old,
                    "user": self.bot_user,
                    **({"until_date": 0} if old == "kicked" else {}),
                },
                "new_chat_member": {
                    "status": new,
                    "user": self.bot_user,
                    **({"until_date": 0} if new == "kicked" else {}),
                },
            },
        )
        self._emit("persona", persona=persona.describe())

    # -- files ----------------------------------------------------------------------------------------------

    def _input_file(self, params: Params, name: str, kind: str) -> StoredFile:
        value = params.values.get(name)
        upload = params.uploads.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            upload = params.uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"file {value} not found in the request")
        if upload is not None:
            filename, mime, data = upload
            if not data:
                raise bad_request("file must be non-empty")
            if mime in ("", "application/octet-stream"):
                mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
            width, height = image_size(data) if kind == "photo" else (0, 0)
            if kind == "photo" and not width:
                raise bad_request("IMAGE_PROCESS_FAILED")
            stored = StoredFile(
                file_id=_new_file_id(kind),
                file_unique_id=secrets.token_hex(6),
                kind=kind,
                data=data,
                file_name=Path(filename).name,
                mime_type=mime,
                width=width,
                height=height,
            )
        elif isinstance(value, str) and value:
            known = self.files.get(value) or self.files.get(value.removesuffix("-s"))  # a thumbnail's id too
            if known is not None:
                return known
            if not value.startswith(("http://", "https://")):
                raise bad_request("wrong file identifier/HTTP URL specified")
            stored = StoredFile(
                file_id=_new_file_id(kind),
                file_unique_id=secrets.token_hex(6),
                kind=kind,
                url=value,
                file_name=Path(value.split("?", 1)[0]).name,
                mime_type=mimetypes.guess_type(value.split("?", 1)[0])[0] or "application/octet-stream",
            )
        else:
            raise bad_request(f"there is no {name} in the request")
        self.files[stored.file_id] = stored
        return stored

    # -- Bot API methods ------------------------------------------------------------------------------------

    def methods(self) -> dict[str, Handler]:
        table: dict[str, Handler] = {
            "getMe": self.api_get_me,
            "getUpdates": self.get_updates,
            "deleteWebhook": self.api_delete_webhook,
            "setWebhook": self.api_set_webhook,
            "getWebhookInfo": self.api_get_webhook_info,
            "setMyCommands": self.api_set_my_commands,
            "getMyCommands": self.api_get_my_commands,
            "deleteMyCommands": self.api_delete_my_commands,
            "sendMessage": self.api_send_message,
            "sendPhoto": self.api_send_photo,
            "sendDocument": self.api_send_document,
            "editMessageText": self.api_edit_message_text,
            "editMessageCaption": self.api_edit_message_caption,
            "editMessageReplyMarkup": self.api_edit_message_reply_markup,
            "deleteMessage": self.api_delete_message,
            "answerCallbackQuery": self.api_answer_callback_query,
            "getChat": self.api_get_chat,
            "getFile": self.api_get_file,
            "sendChatAction": self.api_send_chat_action,
            "getChatMember": self.api_get_chat_member,
            "close": self.api_ok,
            "logOut": self.api_ok,
        }
        return {name.lower(): handler for name, handler in table.items()}

    async def api_ok(self, params: Params) -> bool:
        return True

    async def api_get_me(self, params: Params) -> dict[str, Any]:
        return self.bot_user

    async def api_delete_webhook(self, params: Params) -> bool:
        self.webhook_url = ""
        if params.get_bool("drop_pending_updates"):
            self._updates.clear()
        return True

    async def api_set_webhook(self, params: Params) -> bool:
        url = params.get_str("url", "") or ""
        if url and not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self.webhook_url = url
        return True

    async def api_get_webhook_info(self, params: Params) -> dict[str, Any]:
        return {"url": self.webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _commands_key(self, params: Params) -> tuple[str, str]:
        scope = params.get_json("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), params.get_str("language_code", "") or ""

    async def api_set_my_commands(self, params: Params) -> bool:
        commands = params.get_json("commands")
        if not isinstance(commands, list):
            raise bad_request("parameter commands is required")
        for command in commands:
            name = str(command.get("command", "")) if isinstance(command, dict) else ""
            if not (1 <= len(name) <= 32) or not all(c.islower() or c.isdigit() or c == "_" for c in name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not (1 <= len(str(command.get("description", ""))) <= 256):
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def api_get_my_commands(self, params: Params) -> list[dict[str, Any]]:
        return self.commands.get(self._commands_key(params), [])

    async def api_delete_my_commands(self, params: Params) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    def _reply_markup(self, params: Params) -> dict[str, Any] | None:
        markup = params.get_json("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        keyboard = markup.get("inline_keyboard")
        if keyboard is None:
            return None  # reply keyboards and force_reply are accepted but not drawn
        if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
            raise bad_request('can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Arrays')
        for row in keyboard:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and not (1 <= len(str(data).encode()) <= 64):
                    raise bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not str(button["url"]).startswith(("http://", "https://", "tg://")):
                    raise bad_request("BUTTON_URL_INVALID")
        return {"inline_keyboard": [[dict(button) for button in row] for row in keyboard]}

    def _reply_to(self, params: Params, chat: Chat) -> int | None:
        reply = params.get_json("reply_parameters")
        message_id = params.get_int("reply_to_message_id")
        allow_missing = params.get_bool("allow_sending_without_reply")
        if isinstance(reply, dict):
            message_id = int(reply.get("message_id", 0))
            allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
        if message_id is None:
            return None
        if message_id not in chat.messages or chat.messages[message_id].deleted:
            if allow_missing:
                return None
            raise bad_request("message to be replied not found")
        return message_id

    def _formatted(self, params: Params, name: str, limit: int, required: bool) -> tuple[str | None, str | None]:
        text = params.get_str(name)
        parse_mode = params.get_str("parse_mode") or None
        if text is None or text == "":
            if required:
                raise bad_request("message text is empty")
            return None, parse_mode
        try:
            plain = check_entities(text, parse_mode)
        except EntityError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        if required and not plain.strip():
            raise bad_request("message text is empty")
        if len(plain) > limit:
            raise bad_request("message is too long" if name == "text" else "message caption is too long")
        return text, parse_mode

    def _outgoing(self, params: Params) -> Chat:
        chat = self.resolve_chat(params)
        self._check_can_send(chat)
        self._check_rate(chat)
        return chat

    async def api_send_message(self, params: Params) -> dict[str, Any]:
        chat = self.resolve_chat(params)
        text, parse_mode = self._formatted(params, "text", TEXT_LIMIT, required=True)
        markup = self._reply_markup(params)
        reply_to = self._reply_to(params, chat)
        chat = self._outgoing(params)
        message = self._store(
            chat,
            sender_id=self.bot_user["id"],
            from_bot=True,
            text=text,
            parse_mode=parse_mode,
            reply_markup=markup,
            reply_to_message_id=reply_to,
        )
        return self.message_object(message)

    async def _send_media(self, params: Params, kind: str) -> dict[str, Any]:
        chat = self.resolve_chat(params)
        caption, parse_mode = self._formatted(params, "caption", CAPTION_LIMIT, required=False)
        markup = self._reply_markup(params)
        reply_to = self._reply_to(params, chat)
        stored = self._input_file(params, kind, kind)
        chat = self._outgoing(params)
        message = self._store(
            chat,
            sender_id=self.bot_user["id"],
            from_bot=True,
            caption=caption,
            parse_mode=parse_mode,
            reply_markup=markup,
            reply_to_message_id=reply_to,
            **{kind: stored},
        )
        return self.message_object(message)

    async def api_send_photo(self, params: Params) -> dict[str, Any]:
        return await self._send_media(params, "photo")

    async def api_send_document(self, params: Params) -> dict[str, Any]:
        return await self._send_media(params, "document")

    def _editable(self, params: Params) -> StoredMessage:
        if params.has("inline_message_id"):
            raise bad_request("inline messages are not supported by the sandbox")
        chat = self.resolve_chat(params)
        message_id = params.get_int("message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request("message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    def _apply_edit(self, message: StoredMessage, **changes: Any) -> dict[str, Any]:
        if all(getattr(message, name) == value for name, value in changes.items()):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        for name, value in changes.items():
            setattr(message, name, value)
        message.version += 1
        message.edit_date = int(time.time())
        self._emit("edit", message=self.transcript_entry(message))
        return self.message_object(message)

    async def api_edit_message_text(self, params: Params) -> dict[str, Any]:
        message = self._editable(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, parse_mode = self._formatted(params, "text", TEXT_LIMIT, required=True)
        return self._apply_edit(message, text=text, parse_mode=parse_mode, reply_markup=self._reply_markup(params))

    async def api_edit_message_caption(self, params: Params) -> dict[str, Any]:
        message = self._editable(params)
        if message.text is not None:
            raise bad_request("there is no caption in the message to edit")
        caption, parse_mode = self._formatted(params, "caption", CAPTION_LIMIT, required=False)
        return self._apply_edit(
            message, caption=caption, parse_mode=parse_mode, reply_markup=self._reply_markup(params)
        )

    async def api_edit_message_reply_markup(self, params: Params) -> dict[str, Any]:
        message = self._editable(params)
        return self._apply_edit(message, reply_markup=self._reply_markup(params))

    async def api_delete_message(self, params: Params) -> bool:
        chat = self.resolve_chat(params)
        message = chat.messages.get(params.get_int("message_id") or 0)
        if message is None or message.deleted:
            raise bad_request("message to delete not found")
        if not message.from_bot and chat.type == "private":
            raise bad_request("message can't be deleted")
        message.deleted = True
        self._emit("delete", chat_id=chat.id, message_id=message.message_id)
        return True

    async def api_answer_callback_query(self, params: Params) -> bool:
        query = self.callbacks.get(params.get_str("callback_query_id", "") or "")
        if query is None or query.answered:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.get_str("text", "") or ""
        if len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        answer = {
            "callback_query_id": query.id,
            "persona_id": query.persona_id,
            "chat_id": query.chat_id,
            "message_id": query.message_id,
            "data": query.data,
            "text": text,
            "show_alert": params.get_bool("show_alert"),
            "url": params.get_str("url", "") or "",
        }
        self.callback_answers.append(answer)
        self._emit("callback_answer", answer=answer)
        return True

    async def api_get_chat(self, params: Params) -> dict[str, Any]:
        chat = self.resolve_chat(params)
        gifts = dict.fromkeys(
            ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels"), False
        )
        info = {**self.chat_object(chat), "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}
        return info

    async def api_get_file(self, params: Params) -> dict[str, Any]:
        file_id = params.get_str("file_id", "") or ""
        stored = self.files.get(file_id) or self.files.get(file_id.removesuffix("-s"))
        if stored is None or stored.data is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    async def api_send_chat_action(self, params: Params) -> bool:
        chat = self.resolve_chat(params)
        if not params.has("action"):
            raise bad_request("parameter action is required")
        self._check_can_send(chat)
        return True

    async def api_get_chat_member(self, params: Params) -> dict[str, Any]:
        chat = self.resolve_chat(params)
        user_id = params.get_int("user_id")
        if user_id == self.bot_user["id"]:
            if chat.type == "private":
                return {"status": "member", "user": self.bot_user}
            return {"status": "administrator", "user": self.bot_user, **ADMIN_RIGHTS}
        persona = self.personas.get(user_id or 0)
        if persona is None:
            raise bad_request("PARTICIPANT_ID_INVALID")
        if chat.type == "private":
            if chat.id != persona.id:
                raise bad_request("user not found")
            return {"status": "member", "user": persona.user()}
        status = "member" if persona.id in chat.members else "left"
        return {"status": status, "user": persona.user()}

    def refused(self, method: str, params: Params | None, error: ApiError) -> None:
        """Log a refused Bot API call as an event: tests and the chat page see what the bot was denied."""
        chat_id = params.values.get("chat_id") if params is not None else None
        self._emit(
            "refusal",
            method=method,
            chat_id=int(chat_id) if isinstance(chat_id, int | str) and str(chat_id).lstrip("-").isdigit() else None,
            error_code=error.code,
            description=error.description,
        )

    def file_by_path(self, file_path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_path == file_path), None)


ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_send_welcome_messages": False,
    "can_pin_messages": True,
}


def _wake(event: asyncio.Event) -> asyncio.Event:
    """Release everyone waiting on `event` and hand out a fresh one for the next wait."""
    event.set()
    return asyncio.Event()


def _new_file_id(kind: str) -> str:
    return f"sbx-{kind[:3]}-{secrets.token_urlsafe(12)}"


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda value: json.dumps(value, ensure_ascii=False))


class SandboxServer:
    """The sandbox over HTTP: the Bot API under /bot<token>/, the control API under /sandbox/api/, the chat page."""

    def __init__(self, sandbox: Sandbox | None = None, default_group: str = "Live stream comments") -> None:
        self.sandbox = sandbox or Sandbox()
        self._default_group = default_group
        self._methods = self.sandbox.methods()
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD)
        app.router.add_route("*", "/bot{token}/{method}", self._bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        api = "/sandbox/api"
        app.router.add_get(f"{api}/status", self._status)
        app.router.add_put(f"{api}/rate_limits", self._set_rate_limits)
        app.router.add_get(f"{api}/personas", self._list_personas)
        app.router.add_post(f"{api}/personas", self._create_persona)
        app.router.add_get(f"{api}/personas/{{id}}", self._get_persona)
        app.router.add_post(f"{api}/personas/{{id}}/messages", self._persona_message)
        app.router.add_post(f"{api}/personas/{{id}}/press", self._persona_press)
        app.router.add_post(f"{api}/personas/{{id}}/block", self._block)
        app.router.add_post(f"{api}/personas/{{id}}/unblock", self._unblock)
        app.router.add_get(f"{api}/groups", self._list_groups)
        app.router.add_post(f"{api}/groups", self._create_group)
        app.router.add_get(f"{api}/chats/{{chat_id}}/transcript", self._transcript)
        app.router.add_get(f"{api}/callback_answers", self._callback_answers)
        app.router.add_get(f"{api}/commands", self._commands)
        app.router.add_get(f"{api}/events", self._events)
        app.router.add_get(f"{api}/files/{{file_id}}", self._file)
        if STATIC.is_dir():
            app.router.add_get("/", self._index)
            app.router.add_static("/static/", STATIC)
        app.on_shutdown.append(self._on_shutdown)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
        """Listen on host:port (0 picks a free port; `url` tells which)."""
        if self._default_group and not any(c.type == "supergroup" for c in self.sandbox.chats.values()):
            self.sandbox.add_group(self._default_group)
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        sockets = self._runner.addresses
        self.port = int(sockets[0][1]) if sockets else port
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _on_shutdown(self, app: web.Application) -> None:
        # Wake long polls and event streams so the server stops at once.
        self.sandbox.close()

    # -- Bot API --------------------------------------------------------------------------------------------

    async def _bot_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.sandbox.token:
            return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        handler = self._methods.get(request.match_info["method"].lower())
        if handler is None:
            return _json({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        params: Params | None = None
        try:
            params = await Params.read(request)
            result = await handler(params)
        except ApiError as exc:
            self.sandbox.refused(request.match_info["method"], params, exc)
            return _json(exc.body(), status=exc.code)
        except Exception:
            log.exception("the sandbox failed on %s", request.match_info["method"])
            return _json({"ok": False, "error_code": 500, "description": "Internal Server Error"}, status=500)
        return _json({"ok": True, "result": result})

    async def _download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.sandbox.token:
            return _json({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        stored = self.sandbox.file_by_path(request.match_info["path"])
        if stored is None or stored.data is None:
            return _json({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.Response(body=stored.data, content_type=stored.mime_type)

    # -- control API ----------------------------------------------------------------------------------------

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        if not request.can_read_body:
            return {}
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "Bad Request: the body must be JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: the body must be a JSON object")
        return body

    async def _control(self, action: Callable[[], Awaitable[Any]]) -> web.Response:
        try:
            return _json(await action())
        except ApiError as exc:
            return _json({"ok": False, "error_code": exc.code, "description": exc.description}, status=exc.code)
        except (KeyError, TypeError, ValueError) as exc:
            return _json({"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}, status=400)

    def _persona_of(self, request: web.Request) -> Persona:
        try:
            return self.sandbox.persona(int(request.match_info["id"]))
        except ValueError:
            raise ApiError(404, "Not Found: persona ids are numbers") from None

    async def _status(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            sandbox = self.sandbox
            return {
                "bot": sandbox.bot_user,
                "polling": sandbox.polling.is_set(),
                "personas": len(sandbox.personas),
                "groups": [sandbox.chat_object(c) for c in sandbox.chats.values() if c.type != "private"],
                "last_event": sandbox.last_event,
                "rate_limits": {
                    "overall_per_second": sandbox.rate_limits.overall_per_second,
                    "private_per_second": sandbox.rate_limits.private_per_second,
                    "group_per_minute": sandbox.rate_limits.group_per_minute,
                },
            }

        return await self._control(action)

    async def _set_rate_limits(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            body = await self._body(request)
            if body.get("preset") == "telegram":
                limits = RateLimits.telegram()
            else:
                names = ("overall_per_second", "private_per_second", "group_per_minute")
                limits = RateLimits(**{name: int(body[name]) if body.get(name) else None for name in names})
            self.sandbox.rate_limits = limits
            return {
                "overall_per_second": limits.overall_per_second,
                "private_per_second": limits.private_per_second,
                "group_per_minute": limits.group_per_minute,
            }

        return await self._control(action)

    async def _list_personas(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            return [persona.describe() for persona in self.sandbox.personas.values()]

        return await self._control(action)

    async def _create_persona(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            body = await self._body(request)
            persona = self.sandbox.add_persona(
                first_name=str(body.get("first_name", "")),
                language_code=str(body.get("language_code") or ""),
                country=str(body.get("country") or ""),
                last_name=str(body.get("last_name") or ""),
                username=str(body.get("username") or ""),
                is_blocking_bot=bool(body.get("is_blocking_bot", False)),
                persona_id=int(body["id"]) if body.get("id") is not None else None,
            )
            return persona.describe()

        return await self._control(action)

    async def _get_persona(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            return self._persona_of(request).describe()

        return await self._control(action)

    async def _persona_message(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            persona = self._persona_of(request)
            body = await self._body(request)
            chat_id = body.get("chat_id")
            reply_to = body.get("reply_to_message_id")
            message = self.sandbox.persona_says(
                persona,
                str(body.get("text") or ""),
                chat_id=int(chat_id) if chat_id is not None else None,
                reply_to=int(reply_to) if reply_to is not None else None,
            )
            return {**self.sandbox.transcript_entry(message), "seq": self.sandbox.last_event}

        return await self._control(action)

    async def _persona_press(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            persona = self._persona_of(request)
            body = await self._body(request)
            message_id = body.get("message_id")
            query = self.sandbox.press(
                persona,
                chat_id=int(body.get("chat_id", persona.id)),
                message_id=int(message_id) if message_id is not None else None,
                data=body.get("callback_data"),
                text=body.get("button"),
                forge=bool(body.get("forge", False)),
            )
            return {
                "callback_query_id": query.id,
                "data": query.data,
                "message_id": query.message_id,
                "seq": self.sandbox.last_event,
            }

        return await self._control(action)

    async def _block(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            persona = self._persona_of(request)
            self.sandbox.set_blocking(persona, True)
            return {**persona.describe(), "seq": self.sandbox.last_event}

        return await self._control(action)

    async def _unblock(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            persona = self._persona_of(request)
            self.sandbox.set_blocking(persona, False)
            return {**persona.describe(), "seq": self.sandbox.last_event}

        return await self._control(action)

    async def _list_groups(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            return [self.sandbox.chat_object(c) for c in self.sandbox.chats.values() if c.type != "private"]

        return await self._control(action)

    async def _create_group(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            body = await self._body(request)
            return self.sandbox.chat_object(self.sandbox.add_group(str(body.get("title", ""))))

        return await self._control(action)

    async def _transcript(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            return self.sandbox.transcript(int(request.match_info["chat_id"]))

        return await self._control(action)

    async def _callback_answers(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            persona_id = request.query.get("persona_id")
            answers = self.sandbox.callback_answers
            if persona_id is not None:
                answers = [a for a in answers if a["persona_id"] == int(persona_id)]
            return answers

        return await self._control(action)

    async def _commands(self, request: web.Request) -> web.Response:
        async def action() -> Any:
            return [
                {"scope": json.loads(scope), "language_code": language, "commands": commands}
                for (scope, language), commands in self.sandbox.commands.items()
            ]

        return await self._control(action)

    async def _events(self, request: web.Request) -> web.StreamResponse:
        """Server-Sent Events: a `hello` with the current position, then every event after `since` as it happens."""
        sandbox = self.sandbox
        since_text = request.query.get("since") or request.headers.get("Last-Event-ID")
        seq = int(since_text) if since_text and since_text.lstrip("-").isdigit() else sandbox.last_event
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )
        await response.prepare(request)
        hello = json.dumps({"type": "hello", "seq": seq, "bot": sandbox.bot_user})
        await response.write(f"event: hello\ndata: {hello}\n\n".encode())
        with contextlib.suppress(ConnectionResetError, asyncio.CancelledError):
            while not sandbox.closing:
                events = await sandbox.wait_events(seq, patience=15.0)
                if not events:
                    await response.write(b": keep-alive\n\n")
                    continue
                chunk = "".join(
                    f"id: {event['seq']}\nevent: {event['type']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
                    for event in events
                )
                await response.write(chunk.encode())
                seq = events[-1]["seq"]
        return response

    async def _file(self, request: web.Request) -> web.Response:
        stored = self.sandbox.files.get(request.match_info["file_id"])
        if stored is None or stored.data is None:
            raise web.HTTPNotFound()
        return web.Response(body=stored.data, content_type=stored.mime_type)

    async def _index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")


@contextlib.contextmanager
def serve_in_thread(sandbox: Sandbox | None = None, host: str = "127.0.0.1", port: int = 0) -> Iterator[SandboxServer]:
    """Run a SandboxServer on its own event loop in a thread, for tests and benchmarks that run the bot elsewhere."""
    server = SandboxServer(sandbox)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            # The Sandbox's asyncio primitives bind to this loop on first use.
            loop.run_until_complete(server.start(host, port))
        except BaseException as exc:
            failure.append(exc)
            started.set()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(server.stop())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    thread = threading.Thread(target=run, name="sandbox-server", daemon=True)
    thread.start()
    started.wait()
    if failure:
        thread.join()
        raise failure[0]
    try:
        yield server
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
