"""/orders lists the buyer's orders with their status; /currency chooses the currency prices are shown in."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.domain.money import UnknownCurrency
from bot.services.buyers import BuyerService
from bot.services.orders import OrderService
from bot.services.pricing import Pricing
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


AUTO = "auto"


async def list_orders(message: Message, orders: OrderService, locale: str) -> None:
    assert message.from_user is not None
    await message.answer(orders_text(await orders.list_for(message.from_user.id, locale), locale))


async def currency_command(
    message: Message, command: CommandObject, buyers: BuyerService, pricing: Pricing, locale: str
) -> None:
    assert message.from_user is not None
    if not command.args:
        screen = currency_screen(await pricing.currencies())
        await message.answer(screen.text, reply_markup=screen.keyboard)
        return
    await message.answer(await set_currency(buyers, pricing, message.from_user.id, command.args.strip()))


async def currency_tapped(
    query: CallbackQuery, callback_data: CurrencyCb, buyers: BuyerService, pricing: Pricing
) -> None:
    text = await set_currency(buyers, pricing, query.from_user.id, callback_data.code)
    await query.answer()
    if isinstance(query.message, Message):
        await edit_message(query.message, None, text)


async def set_currency(buyers: BuyerService, pricing: Pricing, buyer_id: int, code: str) -> str:
    """Only a currency the exchange rates cover: any other would silently show the shop's own."""
    currency = None if code.lower() == AUTO else code.upper()
    if currency is not None and currency not in await pricing.currencies():
        return unknown_currency_text(code)
    try:
        await buyers.set_currency(buyer_id, currency)
    except UnknownCurrency:
        return unknown_currency_text(code)
    return currency_set_text(currency)
