"""The catalogue pages and the product card."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import FSInputFile, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.catalog import CataloguePage
from bot.domain.countries import country_names
from handlers.callbacks import CataloguePageCb, ProductCb, ProductTappedCb, VariantCb
from handlers.views.cart import variants_keyboard
from handlers.views.common import listing

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


def keyboard_after_opening(
    shown: InlineKeyboardMarkup | None, tapped: ProductCb | ProductTappedCb
) -> InlineKeyboardMarkup | None:
    """The keyboard a product was tapped on with that button flipped between ProductCb and ProductTappedCb, the
    rest as shown; None when the button is not on it (a card opened by a forwarded or test tap has no page)."""
    if shown is None:
        return None
    data = tapped.pack()
    other = ProductTappedCb if isinstance(tapped, ProductCb) else ProductCb
    flipped = other(product_id=tapped.product_id, page=tapped.page).pack()
    found = False
    rows = []
    for row in shown.inline_keyboard:
        buttons = []
        for button in row:
            if button.callback_data == data:
                found = True
                button = InlineKeyboardButton(text=button.text, callback_data=flipped)
            buttons.append(button)
        rows.append(buttons)
    return InlineKeyboardMarkup(inline_keyboard=rows) if found else None


def page_gone_text() -> str:
    return _("That page no longer exists. Send /catalog to start again.")


@dataclass(frozen=True, slots=True)
class ProductCardView:
    text: str
    keyboard: InlineKeyboardMarkup
    image: str
    # The card's first line (title and code): the photo's caption when the whole card is too long for one.
    headline: str = ""


def product_card_view(product: Product, locale: str, back_page: int = 0) -> ProductCardView:
    title = html.escape(product.title_in(locale))
    description = html.escape(product.description_in(locale))
    lines = [f"<b>{title}</b>  <code>{html.escape(product.code)}</code>"]
    if description:
        lines += ["", description]
    lines.append("")
    for sku in product.skus:
        name = html.escape(sku.variant_in(locale)) if sku.variant else _("Price")
        price = sku.price.format(locale)
        stock = _("sold out") if sku.sold_out else _("{count} in stock").format(count=sku.stock)
        # Translated, so each language punctuates it its own way ("Ivoire : 39,00 €", "象牙白：€39.00").
        lines.append("• " + _("{variant}: {price} — {stock}").format(variant=name, price=price, stock=stock))
    if "*" in product.ships_to:
        lines.append("\n" + _("Ships worldwide."))
    else:
        names = country_names(product.ships_to, locale)
        lines.append("\n" + _("Ships to: {countries}").format(countries=html.escape(listing(names))))
    keyboard = variants_keyboard(product, locale, back_page, back=back_to_catalogue_button(back_page))
    return ProductCardView(text="\n".join(lines), keyboard=keyboard, image=product.image_url, headline=lines[0])


def back_to_catalogue_button(page: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(text="◀ " + _("Back to the catalogue"), callback_data=CataloguePageCb(page=page).pack())


def card_after_add_keyboard(product_id: int, page: int) -> InlineKeyboardMarkup:
    """What a product card offers once its quantities were used: more of it, or the catalogue. Drawn in place of the
    quantities, it makes a second tap on them stale (handlers/cart.py add_to_cart)."""
    more = InlineKeyboardButton(
        text="🛒 " + _("Add more"), callback_data=VariantCb(product_id=product_id, sku_id=0, page=page).pack()
    )
    return InlineKeyboardMarkup(inline_keyboard=[[more], [back_to_catalogue_button(page)]])


def shown_length(text: str) -> int:
    """The length Telegram limits, of an HTML text: after its tags and entities are parsed, in UTF-16 code units
    (an emoji or a rare CJK character counts two)."""
    plain = html.unescape(_TAG.sub("", text))
    return len(plain.encode("utf-16-le")) // 2


_TAG = re.compile(r"<[^<>]*>")


async def redraw_card(message: Message, view: ProductCardView, keyboard: InlineKeyboardMarkup) -> None:
    """Draw a card again in place (its stock after an add), as a caption when it was sent as one."""
    try:
        if message.photo:
            if shown_length(view.text) <= CAPTION_LIMIT:
                await message.edit_caption(caption=view.text, reply_markup=keyboard)
        else:
            await message.edit_text(view.text, reply_markup=keyboard)
    except TelegramBadRequest as refused:
        if "message is not modified" not in refused.message:
            raise


async def send_product_card(bot: Bot, chat_id: int, view: ProductCardView) -> None:
    """A photo with the card as caption when the product has one and the card fits a caption; a card too long for
    one follows its photo as a text message, which carries the keyboard (and is redrawn in place like a card
    without a photo). No photo: the card as text."""
    photo = _photo(view.image)
    if photo is not None and shown_length(view.text) <= CAPTION_LIMIT:
        await bot.send_photo(chat_id, photo, caption=view.text, reply_markup=view.keyboard)
        return
    if photo is not None:
        await bot.send_photo(chat_id, photo, caption=view.headline or None)
    await bot.send_message(chat_id, view.text, reply_markup=view.keyboard)


def _photo(image: str) -> str | FSInputFile | None:
    """What Telegram can show of a product's image: a URL as it is, a file the bot uploads, or nothing."""
    if image.startswith(("http://", "https://")):
        return image
    if image and Path(image).is_file():
        return FSInputFile(image)
    return None
