"""A Bot whose session records every request instead of sending it, and builders of the updates Telegram sends.

Like aiogram's own MockedBot: handlers run for real through a Dispatcher; what they asked Telegram to do is in
`session.requests`. Private chats of users in `session.unreachable` answer 403, as Telegram does for a person who
never started the bot or blocked it.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import GetMe, SendMessage, SendPhoto, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, Chat, InlineKeyboardMarkup, Message, Update, User

BOT_USER = User(id=42, is_bot=True, first_name="Shop", username="livesell_test_bot")


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.unreachable: set[int] = set()
        self.blocking: set[int] = set()
        self._ids = itertools.count(1000)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (BaseSession's signature)
    ) -> TelegramType:
        self.requests.append(method)
        chat_id = getattr(method, "chat_id", None)
        if isinstance(method, SendMessage | SendPhoto) and chat_id in self.blocking:
            raise TelegramForbiddenError(method=method, message="Forbidden: bot was blocked by the user")
        if isinstance(method, SendMessage | SendPhoto) and chat_id in self.unreachable:
            raise TelegramForbiddenError(
                method=method, message="Forbidden: bot can't initiate conversation with a user"
            )
        if isinstance(method, GetMe):
            return BOT_USER  # type: ignore[return-value]
        if isinstance(method, SendMessage):
            chat = Chat(id=int(chat_id or 0), type="private" if int(chat_id or 0) > 0 else "supergroup")
            return Message(  # type: ignore[return-value]
                message_id=next(self._ids),
                date=datetime.now(UTC),
                chat=chat,
                from_user=BOT_USER,
                text=method.text,
                reply_markup=method.reply_markup if isinstance(method.reply_markup, InlineKeyboardMarkup) else None,
            )
        return True  # type: ignore[return-value]

    async def close(self) -> None:
        pass

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:  # pragma: no cover - no test downloads files
        yield b""

    def sent(self, kind: type[TelegramMethod[Any]] = SendMessage, chat_id: int | None = None) -> list[Any]:
        return [r for r in self.requests if isinstance(r, kind) and (chat_id is None or r.chat_id == chat_id)]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [request.text for request in self.sent(SendMessage, chat_id)]


def make_bot() -> tuple[Bot, RecordingSession]:
    session = RecordingSession()
    bot = Bot("42:TEST", session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    return bot, session


class Chats:
    """Makes updates as people would cause them, numbered like Telegram's."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def user(self, user_id: int, first_name: str = "Anna", language_code: str | None = "en") -> User:
        return User(id=user_id, is_bot=False, first_name=first_name, language_code=language_code)

    def message(self, user: User, text: str, chat: Chat | None = None, reply_to: Message | None = None) -> Update:
        chat = chat or Chat(id=user.id, type="private", first_name=user.first_name)
        number = next(self._ids)
        message = Message(
            message_id=number,
            date=datetime.now(UTC),
            chat=chat,
            from_user=user,
            text=text,
            reply_to_message=reply_to,
        )
        return Update(update_id=number, message=message)

    def tap(self, user: User, data: str, text: str = "…", markup: InlineKeyboardMarkup | None = None) -> Update:
        number = next(self._ids)
        message = Message(
            message_id=number,
            date=datetime.now(UTC),
            chat=Chat(id=user.id, type="private"),
            from_user=BOT_USER,
            text=text,
            reply_markup=markup,
        )
        query = CallbackQuery(id=str(number), from_user=user, chat_instance="ci", data=data, message=message)
        return Update(update_id=number, callback_query=query)


def buttons(markup: Any) -> list[str]:
    """An inline keyboard's button texts, row by row."""
    return [text for text, _ in button_data(markup)]


def button_data(markup: Any) -> list[tuple[str, str]]:
    """An inline keyboard as (button text, callback data or URL), row by row."""
    assert isinstance(markup, InlineKeyboardMarkup), markup
    return [(button.text, button.callback_data or button.url or "") for row in markup.inline_keyboard for button in row]
