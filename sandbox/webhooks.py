"""Telegram's webhook delivery, as the sandbox plays it: once a bot sets a webhook, each pending update is POSTed to
its URL with the `X-Telegram-Bot-Api-Secret-Token` header, in order within each chat (one update of a chat in flight
at a time), up to `max_connections` at once across chats. An update is confirmed by a 2xx answer only; a refused
connection, a timeout or any other status leaves it pending, and it is sent again after a short wait that doubles
each time, until Telegram's patience runs out."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram waits about a minute for a webhook's answer; the sandbox a little less, so tests see a timeout soon.
ANSWER_TIMEOUT = 30.0
FIRST_RETRY, LONGEST_RETRY = 0.05, 2.0
# Attempts before an update is given up (Telegram drops one "after a reasonable amount of attempts").
MOST_ATTEMPTS = 100


def on_loopback(url: str) -> bool:
    """Whether `url` names this machine: only there does the sandbox accept http:// (Telegram wants https://)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def chat_of(update: dict[str, Any]) -> object:
    """The chat an update belongs to, so a chat's updates reach the bot in order; the update itself when none."""
    for payload in update.values():
        if not isinstance(payload, dict):
            continue
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return chat["id"]
        sender = payload.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return sender["id"]
    return ("update", update.get("update_id"))


@dataclass
class Webhook:
    url: str
    secret: str = ""
    max_connections: int = 40
    # What getWebhookInfo reports about the last failed delivery.
    last_error_date: int | None = None
    last_error_message: str = ""
    attempts: dict[int, int] = field(default_factory=dict)  # failed attempts by update id


class WebhookDelivery:
    """Delivers what `pending()` holds to `webhook` until stopped; `confirm(update_id)` removes a delivered update."""

    def __init__(
        self,
        webhook: Webhook,
        pending: Callable[[], list[dict[str, Any]]],
        confirm: Callable[[int], None],
        on_failure: Callable[[dict[str, Any]], None],
        timeout: float = ANSWER_TIMEOUT,
    ) -> None:
        self.webhook = webhook
        self.pending = pending
        self.confirm = confirm
        self.on_failure = on_failure
        self.timeout = timeout
        self.delivered = 0
        self.failed = 0
        self._sending: dict[int, asyncio.Task[None]] = {}
        self._retry_at: dict[int, float] = {}
        self._nudged = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="sandbox-webhook")

    def nudge(self) -> None:
        """Something changed (a new update, a delivery ended): look at the pending updates again."""
        self._nudged.set()

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def stopped(self) -> None:
        """Stop, and wait until the deliveries in flight are cancelled and the connections closed."""
        self.stop()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        async with ClientSession(timeout=ClientTimeout(total=self.timeout)) as session:
            try:
                while True:
                    self._nudged.clear()
                    self._send_what_is_due(session, loop.time())
                    due = list(self._retry_at.values())
                    wait = max(min(due) - loop.time(), 0.0) if due else None
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._nudged.wait(), wait)
            finally:
                for sending in self._sending.values():
                    sending.cancel()
                await asyncio.gather(*self._sending.values(), return_exceptions=True)

    def _send_what_is_due(self, session: ClientSession, now: float) -> None:
        waiting_chats: set[object] = set()
        for update in self.pending():
            if len(self._sending) >= self.webhook.max_connections:
                return
            update_id, chat = update["update_id"], chat_of(update)
            if chat in waiting_chats:
                continue
            waiting_chats.add(chat)  # later updates of this chat wait for this one
            if update_id in self._sending or self._retry_at.get(update_id, 0.0) > now:
                continue
            self._retry_at.pop(update_id, None)
            self._sending[update_id] = asyncio.create_task(self._deliver(session, update))

    async def _deliver(self, session: ClientSession, update: dict[str, Any]) -> None:
        update_id = update["update_id"]
        headers = {SECRET_HEADER: self.webhook.secret} if self.webhook.secret else {}
        try:
            try:
                async with session.post(self.webhook.url, json=update, headers=headers) as answer:
                    await answer.read()
                    status: int | None = answer.status
                    problem = "" if 200 <= answer.status < 300 else f"Wrong response from the webhook: {answer.status}"
            except TimeoutError:
                status, problem = None, "Read timeout expired"
            except ClientError as exc:
                status, problem = None, f"Connection failed: {type(exc).__name__}"
            if not problem:
                self.delivered += 1
                self.webhook.attempts.pop(update_id, None)
                self.confirm(update_id)
                return
            self._failed(update, status, problem)
        finally:
            self._sending.pop(update_id, None)
            self.nudge()

    def _failed(self, update: dict[str, Any], status: int | None, problem: str) -> None:
        update_id = update["update_id"]
        self.failed += 1
        attempts = self.webhook.attempts[update_id] = self.webhook.attempts.get(update_id, 0) + 1
        self.webhook.last_error_date, self.webhook.last_error_message = int(time.time()), problem
        gave_up = attempts >= MOST_ATTEMPTS
        self.on_failure(
            {"update_id": update_id, "status": status, "error": problem, "attempt": attempts, "gave_up": gave_up}
        )
        if gave_up:
            log.warning("update %s given up after %d attempts: %s", update_id, attempts, problem)
            self.webhook.attempts.pop(update_id, None)
            self.confirm(update_id)
            return
        wait = min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)
        self._retry_at[update_id] = asyncio.get_running_loop().time() + wait
