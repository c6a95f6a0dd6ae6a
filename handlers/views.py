"""Texts and keyboards: everything a buyer sees is drawn here, from the plain data services return."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import FSInputFile, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel import Locale

from bot.domain.catalog import CataloguePage, Product
from handlers.callbacks import CataloguePageCb, LanguageCb, ProductCb, VariantCb
from handlers.order_views import country_names, variants_keyboard

CAPTION_LIMIT = 1024


def same_keyboard(shown: InlineKeyboardMarkup | None, drawn: InlineKeyboardMarkup | None) -> bool:
    """Received objects carry the Bot they came with, so `==` never holds; Telegram refuses an edit that changes
    nothing, so compare contents."""
    return (shown.model_dump() if shown else None) == (drawn.model_dump() if drawn else None)


async def edit_message(message: Message, keyboard: InlineKeyboardMarkup | None, text: str | None = None) -> bool:
    """Redraw a message the bot sent: its keyboard, and its text unless `text` is None. False when it already showed
    that: a double tap or a stale button asks for what another tap drew, and Telegram refuses such an edit with
    "message is not modified", which is no error here. Handlers may treat False as "another tap did it already"."""
    # Known without asking only for plain text: `message.text` comes without the HTML tags a drawn text has.
    if same_keyboard(message.reply_markup, keyboard) and (text is None or text == message.text):
        return False
    try:
        if text is None:
            await message.edit_reply_markup(reply_markup=keyboard)
        else:
            await message.edit_text(text, reply_markup=keyboard)
    except TelegramBadRequest as refused:
        if "message is not modified" not in refused.message:
            raise
        return False
    return True


def language_name(code: str) -> str:
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def language_keyboard(languages: list[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in languages:
        builder.button(text=language_name(code), callback_data=LanguageCb(code=code))
    builder.adjust(2)
    return builder.as_markup()


def help_text(is_merchant: bool, is_ops: bool, example: str | None = None) -> str:
    """The commands for the person's role; `example`: a keyword order that works in this shop's catalogue."""
    lines = [
        _("What I can do:"),
        "/catalog - " + _("browse the catalogue"),
        "/cart - " + _("your cart and reservations"),
        "/checkout - " + _("order what is in your cart"),
        "/orders - " + _("your orders and their status"),
        "/currency - " + _("choose the currency for prices"),
        "/language - " + _("choose your language"),
        "/cancel - " + _("stop the checkout"),
        "/help - " + _("this list"),
    ]
    if example:
        lines += [
            "",
            _("During a live stream, send a product code to order at once, e.g. {example}.").format(
                example=html.escape(example)
            ),
        ]
    if is_merchant:
        lines += [
            "",
            _("You are a merchant of this shop."),
            "livesell catalog import FILE.csv - " + _("update the catalogue"),
        ]
    if is_ops:
        lines += ["", _("You are on the operations team of this shop.")]
    return "\n".join(lines)


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


def command_descriptions() -> dict[str, str]:
    return {
        "catalog": _("browse the catalogue"),
        "cart": _("your cart and reservations"),
        "checkout": _("order what is in your cart"),
        "orders": _("your orders and their status"),
        "currency": _("choose the currency for prices"),
        "language": _("choose your language"),
        "help": _("what I can do"),
    }
