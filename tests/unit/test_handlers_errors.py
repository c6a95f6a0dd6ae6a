"""A buyer who blocked the bot is remembered as blocked, without a traceback, until they write to it again."""

from __future__ import annotations

import logging

import pytest
from aiogram.utils.i18n import I18n

from bot.app import LOCALES
from bot.domain.notices import HoldExpired
from handlers.notifier import TelegramNotifier
from tests.unit.chat import ChatHarness, make_chat


@pytest.fixture
def chat() -> ChatHarness:
    return make_chat()


async def test_refused_reply_marks_the_buyer_blocked_in_one_log_line(
    chat: ChatHarness, caplog: pytest.LogCaptureFixture
) -> None:
    olga = chat.chats.user(7, "Olga", "de")
    await chat.say(olga, "/start")
    chat.session.blocking.add(olga.id)

    with caplog.at_level(logging.INFO):
        await chat.say(olga, "/help")

    buyer = chat.core.data.buyers[olga.id]
    assert buyer.blocked
    assert not [record for record in caplog.records if record.exc_info]
    assert any("blocked the bot" in record.getMessage() for record in caplog.records)


async def test_writing_again_unblocks_the_buyer(chat: ChatHarness) -> None:
    olga = chat.chats.user(7, "Olga", "de")
    await chat.say(olga, "/start")
    chat.session.blocking.add(olga.id)
    await chat.say(olga, "/help")
    chat.session.blocking.clear()

    [greeting] = await chat.say(olga, "/start")

    assert not chat.core.data.buyers[olga.id].blocked
    assert "Olga" in greeting.text


async def test_never_started_is_not_mistaken_for_blocked(chat: ChatHarness) -> None:
    anna = chat.chats.user(8, "Anna", "en")
    await chat.say(anna, "/start")
    chat.session.unreachable.add(anna.id)

    await chat.say(anna, "/help")

    assert not chat.core.data.buyers[anna.id].blocked


async def test_notice_to_a_blocking_buyer_marks_them_blocked(chat: ChatHarness) -> None:
    olga = chat.chats.user(7, "Olga", "de")
    await chat.say(olga, "/start")
    chat.session.blocking.add(olga.id)
    i18n = I18n(path=LOCALES, default_locale="en", domain="messages")
    notifier = TelegramNotifier(i18n, chat.bot, on_blocked=chat.buyers.mark_blocked)

    delivered = await notifier.send(HoldExpired(buyer_id=olga.id, language="de", lines=()))

    assert delivered is False
    assert chat.core.data.buyers[olga.id].blocked
