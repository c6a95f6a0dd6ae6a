"""A Bot whose session records every request instead of sending it, and builders of the updates Telegram sends.

Like aiogram's own MockedBot: handlers run for real through a Dispatcher; what they asked Telegram to do is in
`session.requests`. As Telegram does, private chats of users in `session.unreachable` answer 403 (a person who never
started the bot or blocked it); text that is not valid HTML gets 400 "can't parse entities", an alert over 200
characters "MESSAGE_TOO_LONG", a photo caption over 1,024 (UTF-16 units, once parsed) "message caption is too long",
and an edit that would leave a message as it is "message is not modified". Every request yields to the event loop,
so updates fed together (`asyncio.gather`) interleave like a double tap does.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import re
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.default import Default, DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import (
    AnswerCallbackQuery,
    CreateInvoiceLink,
    EditMessageCaption,
    EditMessageReplyMarkup,
    EditMessageText,
    GetChat,
    GetMe,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, Chat, InlineKeyboardMarkup, Message, Update, User

BOT_USER = User(id=42, is_bot=True, first_name="Shop", username="livesell_test_bot")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a "
    "current content and reply markup of the message"
)
Shown = tuple[str | None, Any]
# The tags and entities Telegram's HTML parse mode knows (https://core.telegram.org/bots/api#html-style).
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre"}
HTML_TAGS |= {"blockquote", "tg-emoji"}
HTML_TOKEN = re.compile(r"<(/?)([a-z-]*)(?:\s[^<>]*)?>|&(?:lt|gt|amp|quot|#\d+|#x[0-9a-f]+);|[<&]", re.IGNORECASE)
ALERT_LIMIT = 200
CAPTION_LIMIT = 1024


def telegram_length(text: str) -> int:
    """How Telegram measures an HTML text against its limits: entities parsed, in UTF-16 code units."""
    plain = html.unescape(re.sub(r"<[^<>]*>", "", text))
    return len(plain.encode("utf-16-le")) // 2


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse `text` in HTML parse mode; None when it would not."""
    open_tags: list[str] = []
    for token in HTML_TOKEN.finditer(text):
        closing, tag = token.group(1), token.group(2)
        if tag is None:
            if token.group(0) in "<&":
                return f"unsupported start tag or entity at byte offset {token.start()}"
            continue
        if tag.lower() not in HTML_TAGS:
            return f'unsupported start tag "{tag}" at byte offset {token.start()}'
        if not closing:
            open_tags.append(tag.lower())
        elif not open_tags or open_tags.pop() != tag.lower():
            return f"unmatched end tag at byte offset {token.start()}"
    return f'can\'t find end tag corresponding to start tag "{open_tags[-1]}"' if open_tags else None


def shown(text: str | None, markup: Any) -> Shown:
    """What a message shows, comparable (received markups carry their Bot, so compare their contents)."""
    return text, markup.model_dump() if isinstance(markup, InlineKeyboardMarkup) else None


class RecordingSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.requests: list[TelegramMethod[Any]] = []
        self.unreachable: set[int] = set()
        self.blocking: set[int] = set()
        self.messages: dict[tuple[int, int], Shown] = {}  # (chat, message) -> what it shows now
        self.groups: dict[int | str, Chat] = {}  # the groups and channels getChat finds, by id and @username
        self._ids = itertools.count(1000)

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (BaseSession's signature)
    ) -> TelegramType:
        self.requests.append(method)
        chat_id = getattr(method, "chat_id", None)
        self.check_text(bot, method)
        if isinstance(method, EditMessageText | EditMessageReplyMarkup | EditMessageCaption):
            self.edit(method)
        await asyncio.sleep(0)  # a real request waits for the network: other updates run meanwhile
        if isinstance(method, SendMessage | SendPhoto) and chat_id in self.blocking:
            raise TelegramForbiddenError(method=method, message="Forbidden: bot was blocked by the user")
        if isinstance(method, SendMessage | SendPhoto) and chat_id in self.unreachable:
            raise TelegramForbiddenError(
                method=method, message="Forbidden: bot can't initiate conversation with a user"
            )
        if isinstance(method, GetMe):
            return BOT_USER  # type: ignore[return-value]
        if isinstance(method, GetChat):
            if method.chat_id not in self.groups:
                raise TelegramBadRequest(method=method, message="Bad Request: chat not found")
            return self.groups[method.chat_id]  # type: ignore[return-value]
        if isinstance(method, CreateInvoiceLink):
            return f"https://t.me/$invoice{len(self.requests)}"  # type: ignore[return-value]
        if isinstance(method, SendMessage):
            chat = Chat(id=int(chat_id or 0), type="private" if int(chat_id or 0) > 0 else "supergroup")
            message = Message(
                message_id=next(self._ids),
                date=datetime.now(UTC),
                chat=chat,
                from_user=BOT_USER,
                text=method.text,
                reply_markup=method.reply_markup if isinstance(method.reply_markup, InlineKeyboardMarkup) else None,
            )
            self.show(message)
            return message  # type: ignore[return-value]
        return True  # type: ignore[return-value]

    @staticmethod
    def check_text(bot: Bot, method: TelegramMethod[Any]) -> None:
        if isinstance(method, AnswerCallbackQuery) and len(method.text or "") > ALERT_LIMIT:
            raise TelegramBadRequest(method=method, message="Bad Request: MESSAGE_TOO_LONG")
        if isinstance(method, SendPhoto) and telegram_length(method.caption or "") > CAPTION_LIMIT:
            raise TelegramBadRequest(method=method, message="Bad Request: message caption is too long")
        text = getattr(method, "text", None) or getattr(method, "caption", None)
        parse_mode = getattr(method, "parse_mode", None)
        if isinstance(parse_mode, Default):
            parse_mode = bot.default[parse_mode.name]
        if isinstance(text, str) and parse_mode == "HTML" and (problem := html_problem(text)):
            raise TelegramBadRequest(method=method, message=f"Bad Request: can't parse entities: {problem}")

    def show(self, message: Message) -> None:
        """Remember what a message shows (the bot sent it, or a test taps it), so edits can be checked against it."""
        self.messages.setdefault((message.chat.id, message.message_id), shown(message.text, message.reply_markup))

    def edit(self, method: EditMessageText | EditMessageReplyMarkup | EditMessageCaption) -> None:
        key = (int(method.chat_id or 0), int(method.message_id or 0))
        before = self.messages.get(key)
        if before is None:
            return
        # editMessageText without a keyboard removes the keyboard; editMessageReplyMarkup keeps the text.
        text = method.text if isinstance(method, EditMessageText) else before[0]
        after = shown(text, method.reply_markup)
        if after == before:
            raise TelegramBadRequest(method=method, message=NOT_MODIFIED)
        self.messages[key] = after

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

    def tap(
        self,
        user: User,
        data: str,
        text: str = "…",
        markup: InlineKeyboardMarkup | None = None,
        message_id: int | None = None,
        chat: Chat | None = None,
    ) -> Update:
        """A button pressed under a bot's message (a new one, unless `message_id` names one tapped before)."""
        number = next(self._ids)
        message = Message(
            message_id=message_id or number,
            date=datetime.now(UTC),
            chat=chat or Chat(id=user.id, type="private"),
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
