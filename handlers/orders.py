"""/orders lists the buyer's orders with their status; /currency chooses the currency prices are shown in."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.domain.money import UnknownCurrency
from bot.services.currency import CurrencyService
from bot.services.orders import OrderService
from handlers.callbacks import CurrencyCb
from handlers.views.common import edit_message
from handlers.views.orders import currency_screen, currency_set_text, orders_text, unknown_currency_text


def make_router() -> Router:
    router = Router(name="orders")
    router.message.filter(F.chat.type == "private", F.from_user)
    router.message.register(list_orders, Command("orders"))
    router.message.register(currency_command, Command("currency"))
    router.callback_query.register(currency_tapped, CurrencyCb.filter())
    return router


async def list_orders(message: Message, orders: OrderService, locale: str) -> None:
    assert message.from_user is not None
    await message.answer(orders_text(await orders.list_for(message.from_user.id, locale), locale))


async def currency_command(message: Message, command: CommandObject, currencies: CurrencyService) -> None:
    assert message.from_user is not None
    if not command.args:
        screen = currency_screen(await currencies.offered())
        await message.answer(screen.text, reply_markup=screen.keyboard)
        return
    await message.answer(await choose_currency(currencies, message.from_user.id, command.args))


async def currency_tapped(query: CallbackQuery, callback_data: CurrencyCb, currencies: CurrencyService) -> None:
    text = await choose_currency(currencies, query.from_user.id, callback_data.code)
    await query.answer()
    if isinstance(query.message, Message):
        await edit_message(query.message, None, text)


async def choose_currency(currencies: CurrencyService, buyer_id: int, code: str) -> str:
    try:
        return currency_set_text(await currencies.choose(buyer_id, code))
    except UnknownCurrency:
        return unknown_currency_text(code.strip())
