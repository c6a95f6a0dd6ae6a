"""/catalog: products as a paged inline keyboard, and product cards in the buyer's language."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InaccessibleMessage, Message

from bot.services.catalog import CatalogueService, PageNotFound, ProductNotFound
from handlers.callbacks import CataloguePageCb, ProductCb
from handlers.views.catalog import catalogue_page_view, page_gone_text, product_card_view, send_product_card
from handlers.views.common import edit_message
from handlers.views.refusals import product_gone_text


def make_router() -> Router:
    router = Router(name="catalog")
    router.message.register(show_catalogue, Command("catalog"))
    router.callback_query.register(turn_page, CataloguePageCb.filter())
    router.callback_query.register(show_product, ProductCb.filter())
    return router


async def show_catalogue(message: Message, catalogue: CatalogueService, locale: str) -> None:
    page = await catalogue.page(0, locale)
    text, keyboard = catalogue_page_view(page)
    await message.answer(text, reply_markup=keyboard)


async def turn_page(
    query: CallbackQuery, callback_data: CataloguePageCb, catalogue: CatalogueService, locale: str
) -> None:
    try:
        page = await catalogue.page(callback_data.page, locale, strict=True)
    except PageNotFound:
        await query.answer(page_gone_text(), show_alert=True)
        return
    await query.answer()
    text, keyboard = catalogue_page_view(page)
    message = query.message
    if message is None or isinstance(message, InaccessibleMessage) or message.photo:
        await query.bot.send_message(query.from_user.id, text, reply_markup=keyboard)  # type: ignore[union-attr]
    else:
        await edit_message(message, keyboard, text)


async def show_product(
    query: CallbackQuery, callback_data: ProductCb, catalogue: CatalogueService, locale: str
) -> None:
    try:
        product = await catalogue.product(callback_data.product_id, query.from_user.id)
    except ProductNotFound:
        await query.answer(product_gone_text(), show_alert=True)
        return
    await query.answer()
    view = product_card_view(product, locale, back_page=max(callback_data.page, 0))
    await send_product_card(query.bot, query.from_user.id, view)  # type: ignore[arg-type]
