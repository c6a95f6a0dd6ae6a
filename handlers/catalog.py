"""/catalog: products as a paged inline keyboard, and product cards in the buyer's language."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InaccessibleMessage, Message

from bot.services.catalog import CatalogueService, PageNotFound, ProductNotFound
from handlers.callbacks import CataloguePageCb, ProductCb, ProductTappedCb
from handlers.views.catalog import (
    catalogue_page_view,
    keyboard_after_opening,
    page_gone_text,
    product_card_view,
    send_product_card,
)
from handlers.views.common import edit_message
from handlers.views.refusals import product_gone_text


def make_router() -> Router:
    router = Router(name="catalog")
    router.message.register(show_catalogue, Command("catalog"))
    router.callback_query.register(turn_page, CataloguePageCb.filter())
    router.callback_query.register(show_product, ProductCb.filter())
    router.callback_query.register(show_product, ProductTappedCb.filter())
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
    query: CallbackQuery, callback_data: ProductCb | ProductTappedCb, catalogue: CatalogueService, locale: str
) -> None:
    """One card per tap: the page's keyboard is redrawn first with the tapped button flipped, and Telegram
    makes that change once, so the second tap of a double tap (asking for the same change) sends nothing, in any
    bot process and without the database. A later tap on the redrawn button flips it back and opens the card again."""
    page = query.message
    after = keyboard_after_opening(page.reply_markup, callback_data) if isinstance(page, Message) else None
    if isinstance(page, Message) and after is not None and not await edit_message(page, after):
        await query.answer()
        return
    try:
        product = await catalogue.product(callback_data.product_id, query.from_user.id, viewed=True, language=locale)
    except ProductNotFound:
        await query.answer(product_gone_text(), show_alert=True)
        return
    await query.answer()
    view = product_card_view(product, locale, back_page=max(callback_data.page, 0))
    await send_product_card(query.bot, query.from_user.id, view)  # type: ignore[arg-type]
