"""A buyer who blocked the bot is remembered as blocked, without a traceback, until they write to it again."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from aiogram.types import Chat, ChatMemberBanned, ChatMemberMember, ChatMemberUpdated, Update, User
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


def _membership(user_id: int, old: str, new: str) -> Update:
    user = User(id=user_id, is_bot=False, first_name="Olga", language_code="de")
    bot = User(id=42, is_bot=True, first_name="Livesell")
    statuses = {"member": ChatMemberMember, "kicked": ChatMemberBanned}

    def member(status: str) -> ChatMemberMember | ChatMemberBanned:
        kind = statuses[status]
        if kind is ChatMemberBanned:
            return ChatMemberBanned(user=bot, until_date=datetime.fromtimestamp(0, UTC))
        return ChatMemberMember(user=bot)

    return Update(
        update_id=9000 + user_id,
        my_chat_member=ChatMemberUpdated(
            chat=Chat(id=user_id, type="private"),
            from_user=user,
            date=datetime.now(UTC),
            old_chat_member=member(old),
            new_chat_member=member(new),
        ),
    )


async def test_telegram_telling_of_a_block_marks_the_buyer_at_once(chat: ChatHarness) -> None:
    olga = chat.chats.user(7, "Olga", "de")
    await chat.say(olga, "/start")

    await chat.dispatcher.feed_update(chat.bot, _membership(olga.id, "member", "kicked"))

    assert chat.core.data.buyers[olga.id].blocked
    await chat.say(olga, "/start")  # and back, as soon as they write again
    assert not chat.core.data.buyers[olga.id].blocked
