"""The catalogue pages and the product card."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.types import FSInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.catalog import CataloguePage
from bot.domain.countries import country_names
from handlers.callbacks import CataloguePageCb, ProductCb, VariantCb
from handlers.views.cart import variants_keyboard

if TYPE_CHECKING:
    from bot.domain.catalog import Product

CAPTION_LIMIT = 1024


def catalogue_page_view(page: CataloguePage) -> tuple[str, InlineKeyboardMarkup | None]:
    if page.total == 0:
        return _("The catalogue is empty for now. Please come back soon."), None
    builder = InlineKeyboardBuilder()
    for item in page.items:
        label = f"{item.code} · {item.title}"
        if item.total_stock <= 0:
            label += " · " + _("sold out")
        builder.row(
            InlineKeyboardButton(text=label[:64], callback_data=ProductCb(product_id=item.id, page=page.page).pack())
        )
    navigation = []
    if page.has_previous:
        navigation.append(
            InlineKeyboardButton(text="◀ " + _("Previous"), callback_data=CataloguePageCb(page=page.page - 1).pack())
        )
    if page.has_next:
        navigation.append(
            InlineKeyboardButton(text=_("Next") + " ▶", callback_data=CataloguePageCb(page=page.page + 1).pack())
        )
    if navigation:
        builder.row(*navigation)
    text = _("Catalogue, page {page} of {pages}. Tap a product to see it.").format(page=page.page + 1, pages=page.pages)
    return text, builder.as_markup()


def page_gone_text() -> str:
    return _("That page no longer exists. Send /catalog to start again.")


@dataclass(frozen=True, slots=True)
class ProductCardView:
    text: str
    keyboard: InlineKeyboardMarkup
    image: str


def product_card_view(product: Product, locale: str, back_page: int = 0) -> ProductCardView:
    title = html.escape(product.title_in(locale))
    description = html.escape(product.description_in(locale))
    lines = [f"<b>{title}</b>  <code>{html.escape(product.code)}</code>"]
    if description:
        lines += ["", description]
    lines.append("")
    for sku in product.skus:
        name = html.escape(sku.variant) if sku.variant else _("Price")
        price = sku.price.format(locale)
        stock = _("sold out") if sku.sold_out else _("{count} in stock").format(count=sku.stock)
        lines.append(f"• {name}: {price} — {stock}")
    if "*" in product.ships_to:
        lines.append("\n" + _("Ships worldwide."))
    else:
        names = country_names(product.ships_to, locale)
        lines.append("\n" + _("Ships to: {countries}").format(countries=html.escape(", ".join(names))))
    keyboard = variants_keyboard(product, locale, back_page, back=back_to_catalogue_button(back_page))
    return ProductCardView(text="\n".join(lines), keyboard=keyboard, image=product.image_url)


def back_to_catalogue_button(page: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(text="◀ " + _("Back to the catalogue"), callback_data=CataloguePageCb(page=page).pack())


def card_after_add_keyboard(product_id: int, page: int) -> InlineKeyboardMarkup:
    """What a product card offers once its quantities were used: more of it, or the catalogue. Drawn in place of the
    quantities, it makes a second tap on them stale (handlers/cart.py add_to_cart)."""
    more = InlineKeyboardButton(
        text="🛒 " + _("Add more"), callback_data=VariantCb(product_id=product_id, sku_id=0, page=page).pack()
    )
    return InlineKeyboardMarkup(inline_keyboard=[[more], [back_to_catalogue_button(page)]])


async def send_product_card(bot: Bot, chat_id: int, view: ProductCardView) -> None:
    """A photo with the card as caption when the product has one, the card as text otherwise."""
    if view.image and len(view.text) <= CAPTION_LIMIT:
        if view.image.startswith(("http://", "https://")):
            await bot.send_photo(chat_id, view.image, caption=view.text, reply_markup=view.keyboard)
            return
        if Path(view.image).is_file():
            await bot.send_photo(chat_id, FSInputFile(view.image), caption=view.text, reply_markup=view.keyboard)
            return
    await bot.send_message(chat_id, view.text, reply_markup=view.keyboard)
