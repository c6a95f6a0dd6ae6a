"""The BroadcastSender port over Telegram: draws a broadcast's message for one recipient in their language and sends
it on the broadcaster's own Bot, whose Telegram errors become outcomes the BroadcastService acts on (it handles 429
itself, so this Bot has no flood-control middleware, and its own connections, so buyers' replies never queue behind
a broadcast).

At 1,000 messages a second the bot's CPU is what bounds the rate (docs/broadcasts.md), and most of it went to aiogram
building each request and parsing each answer into models. So `sendMessage` goes out on the Bot's own aiohttp session
and URL (its `TelegramAPIServer`), with a JSON body serialised once per drawn message (only `chat_id` differs between
recipients), and the answer is read for what the service needs: `ok`, `result.message_id`, `error_code`,
`parameters.retry_after` and the description. A Bot on another kind of session (a test's) sends through aiogram.

A send that got no answer (a timeout, a connection lost mid-request) may have been delivered: it is never sent again
and counts as unconfirmed; one that could not connect at all is retried."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.utils.i18n import I18n

from bot.domain.broadcasts import BroadcastKind, Recipient, SendOutcome, SendResult
from bot.domain.outbound import Priority
from bot.services.outbound import OutboundQueue, RetryAfter, sending_as
from handlers.views.broadcasts import Rendered, Renderer

log = logging.getLogger(__name__)

# Drawn messages whose JSON body is kept: renderers hand the same Rendered to every recipient drawn alike (a language,
# a zone, a currency), so a broadcast needs a handful.
BODIES_KEPT = 512


def is_gone(description: str) -> bool:
    """400 "chat not found": the account was deleted, or the bot never could write there. Nothing a retry mends, so
    it counts as blocked (a buyer so is marked unreachable until they write again)."""
    return "chat not found" in description.lower()


def answer_result(status: int, answer: Any) -> SendResult:
    """What Telegram's answer to a sendMessage means for the broadcast, as aiogram maps it (by the answer's
    `error_code`, else the HTTP status): the message id; 429 -> wait `retry_after`; 403 or 400 "chat not found" ->
    blocked; anything else failed (retried by the service a bounded number of times)."""
    if not isinstance(answer, dict):
        return SendResult(SendOutcome.FAILED, error=f"HTTP {status}: not a Bot API answer")
    if answer.get("ok") is True:
        result = answer.get("result")
        message_id = result.get("message_id") if isinstance(result, dict) else None
        if not isinstance(message_id, int):
            return SendResult(SendOutcome.FAILED, error="the answer has no message_id")
        return SendResult(SendOutcome.SENT, message_id=message_id)
    code = answer.get("error_code")
    if not isinstance(code, int):
        code = status
    description = str(answer.get("description") or f"HTTP {status}")
    parameters = answer.get("parameters")
    retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if code == 429 or isinstance(retry_after, int | float):
        return SendResult(SendOutcome.RETRY_AFTER, retry_after=float(retry_after or 1), error=description)
    if code == 403:
        return SendResult(SendOutcome.BLOCKED, error=description)
    if code == 400 and is_gone(description):
        return SendResult(SendOutcome.BLOCKED, error=description)
    return SendResult(SendOutcome.FAILED, error=description)


class TelegramBroadcastSender:
    """Built with the services, before the bot exists; `attach` hands it the broadcaster's Bot."""

    def __init__(
        self,
        i18n: I18n,
        renderers: Mapping[BroadcastKind, Renderer],
        bot: Bot | None = None,
        outbound: OutboundQueue | None = None,
    ) -> None:
        self.i18n = i18n
        self.renderers = dict(renderers)
        self.bot = bot
        # The process's outbound queue: each send waits its turn behind replies and notices, and a 429 is waited
        # out there and sent again (the service then never sees one). None: sent at once (the service's pacing only).
        self.outbound = outbound
        # id(rendered) -> (rendered, its body after `"chat_id":N`): the Rendered is kept so its id is not reused.
        self._bodies: dict[int, tuple[Rendered, bytes]] = {}
        self._paid_bodies: dict[int, tuple[Rendered, bytes]] = {}

    def attach(self, bot: Bot) -> None:
        self.bot = bot
        self._bodies.clear()
        self._paid_bodies.clear()

    async def bot_username(self) -> str:
        """The bot's @username (deep links in announcements); asked of Telegram once."""
        if self.bot is None:
            raise RuntimeError("TelegramBroadcastSender has no bot yet: call attach(bot) first")
        return (await self.bot.me()).username or ""

    def register(self, kind: BroadcastKind, renderer: Renderer) -> None:
        self.renderers[kind] = renderer

    async def send(self, kind: BroadcastKind, reference: int, recipient: Recipient, paid: bool) -> SendResult:
        if self.bot is None:
            raise RuntimeError("TelegramBroadcastSender has no bot yet: call attach(bot) first")
        renderer = self.renderers.get(kind)
        if renderer is None:
            return SendResult(SendOutcome.SKIPPED, error=f"no renderer for {kind}")
        with self.i18n.context(), self.i18n.use_locale(recipient.language):
            rendered = await renderer(reference, recipient)
        if rendered is None:
            return SendResult(SendOutcome.SKIPPED, error="nothing to send")
        if isinstance(self.bot.session, AiohttpSession):
            bot, session, body = self.bot, self.bot.session, self._body(rendered, paid)
            if self.outbound is None:
                return await self._post(bot, session, recipient.chat_id, body)

            async def post() -> SendResult:
                result = await self._post(bot, session, recipient.chat_id, body)
                if result.outcome is SendOutcome.RETRY_AFTER:
                    raise RetryAfter(result.retry_after or 1.0)
                return result

            return await self.outbound.send(
                post, chat_id=recipient.chat_id, private=recipient.private, priority=Priority.BROADCAST, paid=paid
            )
        with sending_as(Priority.BROADCAST):  # through the Bot's own OutboundMiddleware, when it has one
            return await self._send_with_aiogram(self.bot, recipient.chat_id, rendered, paid)

    def _body(self, rendered: Rendered, paid: bool) -> bytes:
        """The JSON body of sendMessage without its chat_id, once per drawn message: `{"chat_id":N` + this."""
        assert self.bot is not None
        bodies = self._paid_bodies if paid else self._bodies
        kept = bodies.get(id(rendered))
        if kept is not None and kept[0] is rendered:
            return kept[1]
        fields: dict[str, Any] = {"text": rendered.text}
        default = self.bot.default
        for name in ("parse_mode", "disable_notification", "protect_content"):
            if default[name] is not None:
                fields[name] = default[name]
        if default.link_preview is not None:
            fields["link_preview_options"] = default.link_preview.model_dump(mode="json", exclude_none=True)
        if rendered.reply_markup is not None:
            fields["reply_markup"] = rendered.reply_markup.model_dump(mode="json", exclude_none=True)
        if paid:
            fields["allow_paid_broadcast"] = True
        body = ("," + json.dumps(fields, ensure_ascii=False, separators=(",", ":"))[1:]).encode()
        if len(bodies) >= BODIES_KEPT:
            bodies.clear()
        bodies[id(rendered)] = (rendered, body)
        return body

    async def _post(self, bot: Bot, session: AiohttpSession, chat_id: int, body: bytes) -> SendResult:
        client = await session.create_session()
        url = session.api.api_url(token=bot.token, method="sendMessage")
        data = b'{"chat_id":' + str(int(chat_id)).encode() + body
        try:
            async with client.post(
                url,
                data=data,
                headers={"Content-Type": "application/json"},
                timeout=aiohttp.ClientTimeout(total=session.timeout),
            ) as response:
                status, raw = response.status, await response.read()
        except aiohttp.ClientConnectorError as refused:
            # No connection was made, so nothing reached Telegram: safe to try again.
            return SendResult(SendOutcome.FAILED, error=f"network: {type(refused).__name__}: {refused}")
        except (TimeoutError, aiohttp.ClientError) as lost:
            # The request may have reached Telegram: sending it again could deliver it twice (docs/broadcasts.md).
            return SendResult(SendOutcome.UNCERTAIN, error=f"network: {type(lost).__name__}: {lost}")
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        return answer_result(status, answer)

    async def _send_with_aiogram(self, bot: Bot, chat_id: int, rendered: Rendered, paid: bool) -> SendResult:
        try:
            message = await bot.send_message(
                chat_id, rendered.text, reply_markup=rendered.reply_markup, allow_paid_broadcast=paid or None
            )
        except TelegramRetryAfter as flood:
            return SendResult(SendOutcome.RETRY_AFTER, retry_after=float(flood.retry_after), error=flood.message)
        except TelegramForbiddenError as refused:
            return SendResult(SendOutcome.BLOCKED, error=refused.message)
        except TelegramBadRequest as bad:
            if is_gone(str(bad)):
                return SendResult(SendOutcome.BLOCKED, error=bad.message)
            return SendResult(SendOutcome.FAILED, error=bad.message)
        except TelegramNetworkError as lost:
            # aiogram does not say whether the request left: take it as possibly delivered, never twice.
            return SendResult(SendOutcome.UNCERTAIN, error=f"network: {lost.message}")
        return SendResult(SendOutcome.SENT, message_id=message.message_id)
