"""The world the bot lives in: its identity, personas, chats and their messages, the updates queue the bot polls,
and the event log the control API streams. Bot API objects (users, chats, messages) are drawn here as Telegram does.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import mimetypes
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.markup import render, utf16_length
from sandbox.params import ApiError, Params, bad_request
from sandbox.rate_limits import FloodControl, RateLimits
from sandbox.webhooks import ANSWER_TIMEOUT, Webhook, WebhookDelivery

DEFAULT_TOKEN = "123456789:sandbox-demo-token"
EVENT_BACKLOG = 20_000


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
    username: str = ""  # a public group's @username, by which the bot may name it
    persona_id: int | None = None
    members: set[int] = field(default_factory=set)
    pinned: list[int] = field(default_factory=list)  # pinned message ids, the latest last
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
    successful_payment: dict[str, Any] | None = None  # the service message Telegram sends when an invoice is paid

    def buttons(self) -> Iterator[dict[str, Any]]:
        for row in (self.reply_markup or {}).get("inline_keyboard", []):
            yield from row

    def button_at(self, row: int, column: int) -> dict[str, Any] | None:
        keyboard = (self.reply_markup or {}).get("inline_keyboard", [])
        if 0 <= row < len(keyboard) and 0 <= column < len(keyboard[row]):
            button: dict[str, Any] = keyboard[row][column]
            return button
        return None


@dataclass(slots=True)
class Invoice:
    """An invoice made by `createInvoiceLink`: what paying it charges, and the payload the bot gets back."""

    slug: str
    title: str
    description: str
    payload: str
    currency: str
    total_amount: int
    prices: list[dict[str, Any]]

    @property
    def link(self) -> str:
        return f"https://t.me/${self.slug}"


@dataclass(slots=True)
class CallbackQuery:
    id: str
    persona_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False


class Sandbox:
    """The world the bot lives in: its identity, personas, chats, messages, pending updates and an event log."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        rate_limits: RateLimits | None = None,
        bot_username: str = "livesell_sandbox_bot",
        clock: Callable[[], float] = time.monotonic,
        first_persona_id: int = 100_001,
        first_update_id: int | None = None,
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
        self.clock = clock
        self.flood = FloodControl(rate_limits or RateLimits(), clock)
        self.personas: dict[int, Persona] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackQuery] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.invoices: dict[str, Invoice] = {}
        self.pre_checkouts: dict[str, asyncio.Future[tuple[bool, str]]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        # A webhook the bot set (setWebhook): updates are POSTed to it instead of waiting for getUpdates.
        self.webhook: Webhook | None = None
        self.webhook_delivery: WebhookDelivery | None = None
        self.webhook_set = threading.Event()  # for threads that start the bot and wait for it
        self.webhook_timeout = ANSWER_TIMEOUT  # how long a delivery waits for the bot's answer
        self.polling = asyncio.Event()
        self.polled = threading.Event()  # the same, for threads that start the bot and wait for it
        self.closing = False
        self._persona_ids = itertools.count(first_persona_id)
        self._group_ids = itertools.count(1_000_000_001)
        # Telegram's update ids start at some number and go up by one. A random start, so a bot whose database
        # outlives the sandbox (the demo's, or two sandboxes' bots on one database) never sees an id it handled before
        # (it skips those: handlers/update_claims.py).
        self._update_ids = itertools.count(first_update_id or 100_000_000 + secrets.randbelow(1_900_000_000))
        self._updates: deque[dict[str, Any]] = deque()
        self._allowed_updates: list[str] | None = None
        self._poller = 0
        self._updates_changed = asyncio.Event()  # replaced (after being set) whenever updates arrive
        self._events: deque[dict[str, Any]] = deque(maxlen=EVENT_BACKLOG)
        self._event_seq = 0
        self._events_changed = asyncio.Event()  # replaced (after being set) whenever an event is logged

    @property
    def rate_limits(self) -> RateLimits:
        return self.flood.limits

    @rate_limits.setter
    def rate_limits(self, limits: RateLimits) -> None:
        self.flood.limits = limits

    # -- events, for the control API's stream -------------------------------------------------------------

    @property
    def last_event(self) -> int:
        return self._event_seq

    def emit(self, kind: str, **payload: Any) -> None:
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
        if self.webhook_delivery is not None:
            self.webhook_delivery.stop()

    # -- updates, for getUpdates --------------------------------------------------------------------------

    def _push_update(self, kind: str, payload: dict[str, Any]) -> None:
        self._updates.append({"update_id": next(self._update_ids), kind: payload})
        self._updates_changed = _wake(self._updates_changed)
        if self.webhook_delivery is not None:
            self.webhook_delivery.nudge()

    # -- the webhook, for setWebhook --------------------------------------------------------------------------

    @property
    def webhook_url(self) -> str:
        return self.webhook.url if self.webhook is not None else ""

    def set_webhook(self, webhook: Webhook, allowed: list[str] | None) -> None:
        """From now on POST updates to `webhook` (a previous webhook's deliveries stop); getUpdates is refused."""
        self.delete_webhook()
        if allowed is not None:
            self._allowed_updates = allowed or None
        self.webhook = webhook
        self.webhook_delivery = WebhookDelivery(
            webhook,
            pending=self._deliverable,
            confirm=self._confirm_update,
            on_failure=lambda failure: self.emit("webhook_failure", **failure),
            timeout=self.webhook_timeout,
        )
        self.webhook_delivery.start()
        self._updates_changed = _wake(self._updates_changed)  # a long poll in progress ends
        self.emit("webhook", url=webhook.url)
        self.webhook_set.set()

    async def webhook_stopped(self) -> None:
        """Wait for the webhook's deliveries to end (the server stops)."""
        if self.webhook_delivery is not None:
            await self.webhook_delivery.stopped()

    def delete_webhook(self) -> None:
        if self.webhook_delivery is not None:
            self.webhook_delivery.stop()
        self.webhook, self.webhook_delivery = None, None

    def _confirm_update(self, update_id: int) -> None:
        """A delivered update leaves the queue (a webhook confirms updates one by one, not up to an offset)."""
        for index, update in enumerate(self._updates):
            if update["update_id"] == update_id:
                del self._updates[index]
                self._updates_changed = _wake(self._updates_changed)
                return

    async def all_updates_taken(self, patience: float) -> bool:
        """Whether the bot took every pending update (confirmed it) within `patience` seconds."""
        deadline = asyncio.get_running_loop().time() + patience
        while self._updates:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._updates_changed.wait(), left)
        return True

    def _deliverable(self) -> list[dict[str, Any]]:
        allowed = self._allowed_updates
        if allowed:
            # Telegram never creates updates of types the bot did not ask for.
            kept = [update for update in self._updates if any(kind in update for kind in allowed)]
            self._updates = deque(kept)
        return list(self._updates)

    @property
    def pending_update_count(self) -> int:
        return len(self._updates)

    def drop_pending_updates(self) -> None:
        self._updates.clear()

    async def poll_updates(
        self, offset: int, limit: int, patience: int, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        """getUpdates' long poll: confirm updates before `offset`, then wait up to `patience` seconds for new ones.

        `allowed` (None keeps the last choice) narrows the kinds of update the bot gets from now on. A newer poll
        ends an older one with Telegram's conflict error, as when two bot instances poll the same token.
        """
        if allowed is not None:
            self._allowed_updates = allowed or None
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
        deadline = asyncio.get_running_loop().time() + patience
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
        self.emit("persona", persona=persona.describe())
        return persona

    def add_group(self, title: str, username: str = "") -> Chat:
        if not title.strip():
            raise bad_request("title is empty")
        username = username.strip().removeprefix("@")
        if username and (
            not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{4,31}", username)
            or any(self._username_of(c) == username.lower() for c in self.chats.values())
        ):
            raise bad_request(f"username @{username} is invalid or taken")
        # Supergroup ids look like Telegram's: -100 followed by the channel id.
        chat = Chat(
            id=int(f"-100{next(self._group_ids)}"), type="supergroup", title=title.strip()[:128], username=username
        )
        self.chats[chat.id] = chat
        self.emit("group", chat=self.chat_object(chat))
        return chat

    def persona(self, persona_id: int) -> Persona:
        persona = self.personas.get(persona_id)
        if persona is None:
            raise ApiError(404, f"Not Found: no persona {persona_id}")
        return persona

    def menu_for(self, persona: Persona) -> list[dict[str, Any]]:
        """The command menu Telegram shows the persona in their private chat with the bot: the first scope the bot
        set commands for, narrowest first (this chat, all private chats, everyone), in the persona's app language if
        the bot set one for it, else the scope's menu for every language."""
        language = (persona.language_code or "").split("-")[0].lower()
        for scope in ({"type": "chat", "chat_id": persona.id}, {"type": "all_private_chats"}, {"type": "default"}):
            key = json.dumps(scope, sort_keys=True)
            for code in (language, ""):
                if (key, code) in self.commands:
                    return self.commands[key, code]
        return []

    def chat_object(self, chat: Chat) -> dict[str, Any]:
        if chat.type == "private":
            persona = self.personas[chat.id]
            out = {"id": chat.id, "type": "private", "first_name": persona.first_name}
            if persona.last_name:
                out["last_name"] = persona.last_name
            if persona.username:
                out["username"] = persona.username
            return out
        out = {"id": chat.id, "type": chat.type, "title": chat.title}
        if chat.username:
            out["username"] = chat.username
        return out

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
        return chat.username.lower()

    def check_can_send(self, chat: Chat) -> None:
        if chat.type != "private":
            return
        persona = self.personas[chat.id]
        if persona.is_blocking_bot:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if not persona.has_started_bot:
            raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")

    def check_rate(self, chat: Chat, paid: bool = False) -> None:
        self.flood.check(chat.id, private=chat.type == "private", paid=paid)

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
        if message.successful_payment is not None:
            out["successful_payment"] = message.successful_payment
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
            "successful_payment": message.successful_payment,
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
            "pinned": list(chat.pinned),
        }

    def pin(self, chat: Chat, message_id: int) -> None:
        """The bot pins a message of a chat (the latest pinned shows on top, as in Telegram)."""
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request("message to pin not found")
        if message_id in chat.pinned:
            chat.pinned.remove(message_id)
        chat.pinned.append(message_id)
        self.emit("pinned", chat_id=chat.id, pinned=list(chat.pinned))

    def unpin(self, chat: Chat, message_id: int | None) -> None:
        """Unpin one message, or (no id) the latest pinned one."""
        if message_id is None:
            if chat.pinned:
                chat.pinned.pop()
        elif message_id in chat.pinned:
            chat.pinned.remove(message_id)
        else:
            raise bad_request("message is not pinned")
        self.emit("pinned", chat_id=chat.id, pinned=list(chat.pinned))

    def store(self, chat: Chat, **fields: Any) -> StoredMessage:
        message = StoredMessage(chat_id=chat.id, message_id=next(chat.next_message_id), date=int(time.time()), **fields)
        chat.messages[message.message_id] = message
        self.emit("message", message=self.transcript_entry(message))
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
        message = self.store(chat, sender_id=persona.id, from_bot=False, text=text, reply_to_message_id=reply_to)
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
        position: tuple[int, int] | None = None,
    ) -> CallbackQuery:
        """A persona taps an inline button, found by its (row, column) `position` (counted from 0), its text or its
        callback_data, or forges any callback data. Only a position tells apart buttons that share a label, as the
        `+`, `-` and bin buttons of every cart row do."""
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
            if position is not None:
                button = message.button_at(*position)
            else:
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
                wanted = f"at row {position[0]}, column {position[1]}" if position is not None else repr(text or data)
                raise bad_request(f"no button {wanted} on message {message_id}; it has {labels}")
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

    # -- payments -------------------------------------------------------------------------------------------

    def add_invoice(self, invoice: Invoice) -> Invoice:
        self.invoices[invoice.slug] = invoice
        self.emit(
            "invoice",
            invoice={
                "link": invoice.link,
                "payload": invoice.payload,
                "currency": invoice.currency,
                "total_amount": invoice.total_amount,
            },
        )
        return invoice

    async def pay_invoice(
        self, persona: Persona, link: str, deliveries: int = 1, patience: float = 10.0
    ) -> dict[str, Any]:
        """A persona pays an invoice link as Telegram's payment sheet does: the bot gets a `pre_checkout_query` and
        has `patience` seconds (Telegram's 10) to answer; only on ok does it get the `successful_payment` message,
        `deliveries` times with one charge id (Telegram may deliver an update more than once)."""
        invoice = self.invoices.get(link.rsplit("$", 1)[-1])
        if invoice is None:
            raise bad_request("invoice not found")
        chat = self.chats.get(persona.id)
        if chat is None:
            raise bad_request("chat not found")
        query_id = str(secrets.randbits(63))
        answer: asyncio.Future[tuple[bool, str]] = asyncio.get_running_loop().create_future()
        self.pre_checkouts[query_id] = answer
        self._push_update(
            "pre_checkout_query",
            {
                "id": query_id,
                "from": persona.user(),
                "currency": invoice.currency,
                "total_amount": invoice.total_amount,
                "invoice_payload": invoice.payload,
            },
        )
        try:
            ok, error_message = await asyncio.wait_for(answer, patience)
        except TimeoutError:
            ok, error_message = False, "the bot did not answer the pre-checkout query in time"
        finally:
            self.pre_checkouts.pop(query_id, None)
        if not ok:
            self.emit("payment_refused", persona_id=persona.id, error_message=error_message)
            return {"ok": False, "error_message": error_message, "seq": self.last_event}
        charge_id = f"tgpc_{secrets.token_hex(8)}"
        payment = {
            "currency": invoice.currency,
            "total_amount": invoice.total_amount,
            "invoice_payload": invoice.payload,
            "telegram_payment_charge_id": charge_id,
            "provider_payment_charge_id": "" if invoice.currency == "XTR" else f"prov_{charge_id}",
        }
        for _ in range(max(deliveries, 1)):
            message = self.store(chat, sender_id=persona.id, from_bot=False, successful_payment=payment)
            self._push_update("message", self.message_object(message))
        return {"ok": True, "telegram_payment_charge_id": charge_id, "seq": self.last_event}

    def answer_pre_checkout(self, query_id: str, ok: bool, error_message: str) -> None:
        answer = self.pre_checkouts.get(query_id)
        if answer is None or answer.done():
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        answer.set_result((ok, error_message))

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
        self.emit("persona", persona=persona.describe())

    def refused(self, method: str, params: Params | None, error: ApiError) -> None:
        """Log a refused Bot API call as an event: tests and the chat page see what the bot was denied."""
        chat_id = params.values.get("chat_id") if params is not None else None
        self.emit(
            "refusal",
            method=method,
            chat_id=int(chat_id) if isinstance(chat_id, int | str) and str(chat_id).lstrip("-").isdigit() else None,
            error_code=error.code,
            description=error.description,
        )

    def file_by_path(self, file_path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_path == file_path), None)


def _wake(event: asyncio.Event) -> asyncio.Event:
    """Release everyone waiting on `event` and hand out a fresh one for the next wait."""
    event.set()
    return asyncio.Event()
