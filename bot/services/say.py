"""/say: while a stream is live, a merchant's words go to the stream's group and to every subscriber, each in their
own language: translated once per language by the language model (stored, so a restarted broadcast asks again for
nothing), as written without one. A SAY broadcast carries them (bot/services/broadcasts.py)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.domain.broadcasts import Audience, BroadcastKind
from bot.domain.questions import ModelUnavailable
from bot.domain.translation import faithful
from bot.ports import BroadcastOpener, LanguageModel, UnitOfWorkFactory

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class NoLiveStream(LookupError):
    """/say works only while a stream is live."""


@dataclass(frozen=True, slots=True)
class SaidToStream:
    message_id: int
    broadcast_id: int
    stream_title: str
    group: bool  # the stream posts in a group or channel, which gets it too


class SayService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        opener: BroadcastOpener,
        model: LanguageModel | None = None,
        *,
        timeout: float = 8.0,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.uow = uow
        self.opener = opener
        self.model = model
        self.timeout = timeout
        self.clock = clock
        # Translations made or under way in this process, by (message, language): one request each, a failed one
        # included (its recipients get the text as written).
        self._running: dict[tuple[int, str], asyncio.Task[str]] = {}
        self.requests = 0

    async def say(self, merchant_id: int, text: str, language: str) -> SaidToStream:
        """Store what the merchant said and open its broadcast; NoLiveStream when no stream is live."""
        if not text.strip():
            raise ValueError("nothing to say")
        async with self.uow() as uow:
            stream = await uow.streams.live()
            if stream is None:
                raise NoLiveStream
            message_id = await uow.said.add(stream.stream_id, text.strip(), language, merchant_id, self.clock())
            await uow.commit()
        chats = (stream.chat_id,) if stream.chat_id is not None else ()
        broadcast_id = await self.opener.open(BroadcastKind.SAY, message_id, Audience(chats=chats), merchant_id)
        return SaidToStream(message_id, broadcast_id, stream.title, stream.chat_id is not None)

    async def text_in(self, message_id: int, language: str) -> str | None:
        """What was said, in `language`: as written in its own language or without a model; else its stored
        translation, else one made now (as written when the model fails). None: no such message."""
        async with self.uow() as uow:
            said = await uow.said.get(message_id)
            stored = await uow.said.translation(message_id, language) if said is not None else None
        if said is None:
            return None
        if self.model is None or language == said.language:
            return said.text
        if stored is not None:
            return stored
        key = (message_id, language)
        task = self._running.get(key)
        if task is None:
            task = asyncio.create_task(self._translate(message_id, said.text, said.language, language))
            self._running[key] = task
        return await asyncio.shield(task)

    async def _translate(self, message_id: int, text: str, source: str, language: str) -> str:
        assert self.model is not None
        self.requests += 1
        try:
            translated = await asyncio.wait_for(self.model.translate(text, source, language), self.timeout)
        except (ModelUnavailable, TimeoutError) as failure:
            log.warning("said message %s goes out as written in %s: %s", message_id, language, failure)
            return text
        if not faithful(text, translated):
            return text
        async with self.uow() as uow:
            await uow.said.save_translation(message_id, language, translated)
            await uow.commit()
        return translated
