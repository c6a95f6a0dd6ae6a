"""Questions for a human: posted to the shop's support chat (SUPPORT_CHAT_ID) or each merchant, with the buyer's name
and language; a staff reply to one goes back to the buyer, translated into their language when a language model is
set (one request; as written otherwise or when it fails). The database keeps which message was which question, so
any bot process relays a reply, after a restart too."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from bot.domain.notices import QuestionForStaff, ShopAnswered
from bot.domain.questions import ModelUnavailable
from bot.domain.translation import faithful
from bot.ports import LanguageModel, Notifier, StaffDesk, UnitOfWorkFactory

log = logging.getLogger(__name__)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class HandOffService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        desk: StaffDesk,
        notifier: Notifier,
        *,
        staff_chats: Sequence[int],
        staff_language: str,
        model: LanguageModel | None = None,
        timeout: float = 8.0,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.uow = uow
        self.desk = desk
        self.notifier = notifier
        self.staff_chats = tuple(staff_chats)
        self.staff_language = staff_language
        self.model = model
        self.timeout = timeout
        self.clock = clock
        self.translations = 0

    async def hand_off(self, buyer_id: int, question: str, language: str) -> bool:
        """Post the question to every staff chat and remember each post; False when none could be reached."""
        async with self.uow() as uow:
            buyer = await uow.buyers.get(buyer_id)
        name = buyer.name if buyer is not None and buyer.name else str(buyer_id)
        posted = []
        for chat_id in self.staff_chats:
            notice = QuestionForStaff(chat_id, self.staff_language, name, language, question)
            message_id = await self.desk.post(notice)
            if message_id is not None:
                posted.append((chat_id, message_id))
        if not posted:
            log.warning("question of buyer %s reached no staff chat", buyer_id)
            return False
        async with self.uow() as uow:
            for chat_id, message_id in posted:
                await uow.hand_offs.add(buyer_id, language, question, chat_id, message_id, self.clock())
            await uow.commit()
        return True

    async def relay(self, chat_id: int, replied_to: int, text: str) -> ShopAnswered | None:
        """A staff reply to the message `replied_to` of `chat_id`: sent to the buyer who asked; None when that message
        was no question of theirs."""
        async with self.uow() as uow:
            question = await uow.hand_offs.find(chat_id, replied_to)
        if question is None or not text.strip():
            return None
        language = question.buyer_language
        answer = ShopAnswered(question.buyer_id, language, question.question, await self._in(text, language))
        await self.notifier.send(answer)
        return answer

    async def _in(self, text: str, language: str) -> str:
        if self.model is None or language == self.staff_language:
            return text
        self.translations += 1
        try:
            translated = await asyncio.wait_for(self.model.translate(text, self.staff_language, language), self.timeout)
        except (ModelUnavailable, TimeoutError) as failure:
            log.warning("staff reply sent as written: no translation into %s (%s)", language, failure)
            return text
        return translated if faithful(text, translated) else text
