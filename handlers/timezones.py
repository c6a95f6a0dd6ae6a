"""/timezone: the buyer sees the zone their reminders use and picks another, by a button or by typing a city, a zone
or a UTC offset. A one-step conversation (TimezoneForm) that /cancel leaves; a wrong answer asks again.

A checkout in progress keeps its state: /timezone then shows the buttons without waiting for a typed answer (the
buyer can still send /timezone Berlin).
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from bot.domain.timezones import UnknownTimezone
from bot.services.buyers import BuyerService
from handlers.callbacks import TimezoneCb
from handlers.keyword import IsKeywordOrder
from handlers.views.common import edit_message
from handlers.views.timezones import (
    timezone_gone_text,
    timezone_kept_text,
    timezone_screen,
    timezone_set_text,
    unknown_timezone_text,
)


class TimezoneForm(StatesGroup):
    zone = State()  # waiting for a typed zone, city or offset


def make_router() -> Router:
    router = Router(name="timezones")
    router.message.filter(F.chat.type == "private", F.from_user)
    # Cancel first. A keyword order is not an answer: the keyword router takes it, and the question waits.
    router.message.register(cancel, Command("cancel"), TimezoneForm.zone)
    router.message.register(timezone_command, Command("timezone"))
    router.message.register(
        zone_typed, TimezoneForm.zone, F.text, ~F.text.startswith("/"), ~IsKeywordOrder(naming_a_product=True)
    )
    router.callback_query.register(zone_tapped, TimezoneCb.filter())
    return router


async def leave(state: FSMContext) -> None:
    """Out of the question; the state's data (a checkout's remembered country) stays."""
    if await state.get_state() == TimezoneForm.zone.state:
        await state.set_state(None)


async def timezone_command(
    message: Message, command: CommandObject, state: FSMContext, buyers: BuyerService, locale: str
) -> None:
    assert message.from_user is not None
    if command.args:
        await choose(message, command.args, state, buyers, locale)
        return
    screen = timezone_screen(await buyers.timezone_options(message.from_user.id), locale)
    if await state.get_state() in (None, TimezoneForm.zone.state):
        await state.set_state(TimezoneForm.zone)
    await message.answer(screen.text, reply_markup=screen.keyboard)


async def zone_typed(message: Message, state: FSMContext, buyers: BuyerService, locale: str) -> None:
    assert message.text is not None
    await choose(message, message.text, state, buyers, locale)


async def choose(message: Message, typed: str, state: FSMContext, buyers: BuyerService, locale: str) -> None:
    """Set the zone typed; a wrong one is answered and asked again (the question stays open)."""
    assert message.from_user is not None
    try:
        setting = await buyers.choose_timezone(message.from_user.id, typed)
    except UnknownTimezone:
        await message.answer(unknown_timezone_text(typed.strip()))
        return
    await leave(state)
    await message.answer(timezone_set_text(setting, locale))


async def cancel(message: Message, state: FSMContext, buyers: BuyerService, locale: str) -> None:
    assert message.from_user is not None
    await leave(state)
    options = await buyers.timezone_options(message.from_user.id)
    await message.answer(timezone_kept_text(options.current, locale))


async def zone_tapped(
    query: CallbackQuery, callback_data: TimezoneCb, state: FSMContext, buyers: BuyerService, locale: str
) -> None:
    try:
        setting = await buyers.choose_timezone(query.from_user.id, callback_data.zone)
    except UnknownTimezone:
        await query.answer(timezone_gone_text(), show_alert=True)
        return
    await query.answer()
    await leave(state)
    if isinstance(query.message, Message):
        await edit_message(query.message, None, timezone_set_text(setting, locale))
