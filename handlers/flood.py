"""Per-person flood control at the door (FLOOD_RATE, FLOOD_BURST): a person's messages and button taps beyond their
budget are skipped before any handler or database work, and they are told once, in their language, to slow down;
everyone else is served as usual. Payments, joins and blocks are never skipped: only what a person types or taps;
and staff (merchants, ops) are never slowed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from aiogram.utils.i18n import I18n

from bot.domain.flood import Admission
from bot.ports import FloodGate, Metrics, NoMetrics
from bot.services.buyers import BuyerService
from handlers.access import STAFF
from handlers.observe import mark_skipped
from handlers.views.flood import slow_down_text


class FloodMiddleware(BaseMiddleware):
    """An outer middleware on `update`, after aiogram's own that finds the update's user."""

    def __init__(self, gate: FloodGate, buyers: BuyerService, i18n: I18n, metrics: Metrics | None = None) -> None:
        self.gate = gate
        self.metrics = metrics or NoMetrics()
        self.buyers = buyers
        self.i18n = i18n

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        typed = typed_by_person(event)
        if user is None or user.is_bot or typed is None:
            return await handler(event, data)
        admission = await self.gate.admit(user.id)
        # Staff are asked only when the gate refuses: a merchant pasting codes in a rush is never slowed.
        if admission is Admission.ADMIT or not STAFF.isdisjoint(await self.buyers.roles_for(user.id)):
            return await handler(event, data)
        self.metrics.flood_skipped()
        mark_skipped(data, "flood_control")
        if admission is Admission.WARN:
            language = await self.buyers.language_of(user.id, user.language_code)
            with self.i18n.context(), self.i18n.use_locale(language):
                text = slow_down_text()
            if isinstance(typed, CallbackQuery):
                await typed.answer(text, show_alert=True)
            else:
                await typed.reply(text)
        return None  # skipped: Telegram has it acknowledged, no handler runs


def typed_by_person(event: TelegramObject) -> Message | CallbackQuery | None:
    """What a person typed or tapped: a message that is not a payment or a service message, or a button tap."""
    if not isinstance(event, Update):
        return None
    if event.callback_query is not None:
        return event.callback_query
    message = event.message or event.edited_message
    if message is None or message.successful_payment is not None or message.refunded_payment is not None:
        return None
    if message.text is None and message.caption is None and message.contact is None and message.location is None:
        return None  # joins, leaves, pins: the chat's doing, not a flood
    return message
