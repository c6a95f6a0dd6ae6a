"""The outbound queue on aiogram's side: a session middleware that makes every message the bot sends (replies, notices,
the broadcaster's sends through aiogram) wait for its turn in the process's one `OutboundQueue`, and turns Telegram's
429 into the queue's pause-and-send-again."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from bot.services.outbound import OutboundQueue

# What Telegram counts against its message limits: anything that puts or changes a message in a chat. Calls that put
# nothing in a chat (getUpdates, answerCallbackQuery, setMyCommands, sendChatAction...) go straight out.
COUNTED = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendInvoice",
        "sendAnimation",
        "sendAudio",
        "sendVideo",
        "sendVideoNote",
        "sendVoice",
        "sendSticker",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendPaidMedia",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
        "setMessageReaction",
    }
)


def chat_of(method: TelegramMethod[object]) -> tuple[int, bool] | None:
    """The chat a counted send goes to, and whether it is private (a user's id is positive; groups and channels are
    negative, or an @username); None for what Telegram does not count (or an inline message, which has no chat)."""
    if method.__api_method__ not in COUNTED:
        return None
    chat_id = getattr(method, "chat_id", None)
    if isinstance(chat_id, int):
        return chat_id, chat_id > 0
    if isinstance(chat_id, str):
        return hash(chat_id), False
    return None


def retry_after(error: Exception) -> float | None:
    return float(error.retry_after) if isinstance(error, TelegramRetryAfter) else None


class OutboundMiddleware(BaseRequestMiddleware):
    """Sends wait for their turn; a 429 is waited out by the queue (the whole bot's sends or the chat's) and the
    send goes again. The priority is the task's (`bot.services.outbound.current_priority`)."""

    def __init__(self, queue: OutboundQueue) -> None:
        self.queue = queue

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        target = chat_of(method)
        if target is None:
            return await make_request(bot, method)
        chat_id, private = target
        paid = bool(getattr(method, "allow_paid_broadcast", None))
        return await self.queue.send(
            lambda: make_request(bot, method), chat_id=chat_id, private=private, paid=paid, retry_after=retry_after
        )
