"""Live-stream announcements: /subscribe and /unsubscribe, and the buttons that do the same (under /start and a
waitlist answer: subscribe; under every announcement: unsubscribe, which must work on an old one too)."""

from __future__ import annotations

from contextlib import suppress

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.domain.buyer import Buyer
from bot.services.buyers import BuyerService
from handlers.callbacks import SubscriptionCb
from handlers.views.subscriptions import (
    already_subscribed_text,
    already_subscribed_toast,
    not_subscribed_text,
    not_subscribed_toast,
    subscribed_text,
    unsubscribed_text,
    without_subscription_buttons,
)
from handlers.views.timezones import zone_label


def make_router() -> Router:
    router = Router(name="subscriptions")
    router.message.filter(F.chat.type == "private", F.from_user)
    router.message.register(subscribe_command, Command("subscribe"))
    router.message.register(unsubscribe_command, Command("unsubscribe"))
    router.callback_query.register(subscribe_tapped, SubscriptionCb.filter(F.action == "on"))
    router.callback_query.register(unsubscribe_tapped, SubscriptionCb.filter(F.action == "off"))
    return router


def confirmation(buyers: BuyerService, buyer: Buyer, locale: str, changed: bool) -> str:
    zone = zone_label(buyers.zone_of(buyer).zone, locale)
    return (subscribed_text if changed else already_subscribed_text)(locale, zone)


async def subscribe_command(message: Message, buyers: BuyerService, buyer: Buyer, locale: str) -> None:
    changed = await buyers.subscribe(buyer.telegram_id)
    await message.answer(confirmation(buyers, buyer, locale, changed))


async def unsubscribe_command(message: Message, buyers: BuyerService, buyer: Buyer) -> None:
    changed = await buyers.unsubscribe(buyer.telegram_id)
    await message.answer(unsubscribed_text() if changed else not_subscribed_text())


async def subscribe_tapped(query: CallbackQuery, buyers: BuyerService, buyer: Buyer, locale: str) -> None:
    """The confirmation comes as a new message, under the one tapped; a second tap (or an old button) gets a toast."""
    changed = await buyers.subscribe(query.from_user.id)
    await query.answer(None if changed else already_subscribed_toast())
    await drop_subscription_button(query)
    if changed and isinstance(query.message, Message):
        await query.message.answer(confirmation(buyers, buyer, locale, changed))


async def unsubscribe_tapped(query: CallbackQuery, buyers: BuyerService) -> None:
    changed = await buyers.unsubscribe(query.from_user.id)
    await query.answer(None if changed else not_subscribed_toast())
    await drop_subscription_button(query)
    if changed and isinstance(query.message, Message):
        await query.message.answer(unsubscribed_text())


async def drop_subscription_button(query: CallbackQuery) -> None:
    """The tapped button has done its job; the message's other buttons (an announcement's products) stay."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    # Telegram may refuse to edit an old message, or one another tap edited already: the answer above stands.
    with suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=without_subscription_buttons(message.reply_markup))
