"""Why the core refused an add (unknown code, variant, quantity, sold out, not enough stock), in the buyer's language;
a keyword refusal that a tap can mend comes with buttons: the code meant, the variants to choose from."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.domain.cart import AddedToCart
from bot.domain.keyword import IndexedProduct
from bot.services.cart import (
    BadQuantity,
    NotEnoughStock,
    QuantityLimit,
    SoldOut,
    UnknownCode,
    UnknownVariant,
    VariantNeeded,
)
from bot.services.catalog import ProductNotFound
from handlers.callbacks import KeywordCb, WaitlistCb
from handlers.views.common import Screen, item_label, listing

# What CartService.add and add_by_keyword may refuse with; each has a message in `refusal_screen`.
CART_REFUSALS = (
    SoldOut,
    NotEnoughStock,
    QuantityLimit,
    BadQuantity,
    UnknownCode,
    VariantNeeded,
    UnknownVariant,
    ProductNotFound,
)


def codes(values: Iterable[str]) -> str:
    return listing(html.escape(value) for value in values)


def refusal_screen(error: Exception, locale: str) -> Screen:
    """Why the core refused an add, in the buyer's language; the sold-out case offers the waitlist."""
    match error:
        case SoldOut():
            return sold_out_screen(error.sku_id, error.code, error.variant)
        case NotEnoughStock():
            return Screen(not_enough_stock_text(error.available))
        case QuantityLimit():
            return Screen(quantity_limit_text(error.maximum))
        case BadQuantity():
            return Screen(bad_quantity_text(error))
        case UnknownCode():
            return Screen(
                unknown_code_text(error.code, [suggestion.code for suggestion in error.suggestions]),
                suggestions_keyboard(error),
            )
        case VariantNeeded():
            return Screen(
                variant_needed_text(error.code, error.variants),
                variant_choice_keyboard(error.product, error.quantity, locale),
            )
        case UnknownVariant():
            return Screen(
                unknown_variant_text(error.code, error.variant, error.variants),
                variant_choice_keyboard(error.product, error.quantity, locale),
            )
    return Screen(product_gone_text())


def suggestions_keyboard(error: UnknownCode) -> InlineKeyboardMarkup | None:
    """One button per code the buyer may have meant: it orders the variant they typed, or offers the variants."""
    if not error.suggestions:
        return None
    rows = []
    for suggestion in error.suggestions:
        quantity = error.quantity if suggestion.sku_id else None
        label = item_label(suggestion.code, suggestion.variant, quantity if quantity and quantity > 1 else None)
        data = KeywordCb(product_id=suggestion.product_id, sku_id=suggestion.sku_id or 0, quantity=error.quantity)
        rows.append([InlineKeyboardButton(text=f"👉 {label}"[:64], callback_data=data.pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def variant_choice_keyboard(product: IndexedProduct, quantity: int, locale: str) -> InlineKeyboardMarkup | None:
    """The product's variants in the buyer's language, two a row; a tap orders that variant in the quantity the buyer
    typed."""
    buttons = [
        InlineKeyboardButton(
            text=(f"{variant.name_in(locale)} ×{quantity}" if quantity > 1 else variant.name_in(locale))[:64],
            callback_data=KeywordCb(product_id=product.product_id, sku_id=variant.sku_id, quantity=quantity).pack(),
        )
        for variant in product.variants
        if variant.name
    ]
    if not buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def bad_quantity_text(error: BadQuantity) -> str:
    """What is wrong with the quantity and the limit, with an order that would work."""
    label = item_label(error.code, error.variant)
    if error.quantity < 1:
        return _(
            "{quantity} is not a quantity I can reserve: send a number from 1 to {maximum}, e.g. “{example}”."
        ).format(quantity=html.escape(error.typed), maximum=error.maximum, example=html.escape(f"{label} x1"))
    return _("{quantity} is more than one order can take: at most {maximum} of one item, e.g. “{example}”.").format(
        quantity=html.escape(error.typed), maximum=error.maximum, example=html.escape(f"{label} x{error.maximum}")
    )


def reserved_from_group_text(added: AddedToCart, bot_username: str) -> str:
    """A tap in a group by someone the bot cannot write to yet: the units are held for them; an alert says where."""
    label = item_label(added.line.code, added.line.variant, added.quantity_added)
    return _("{item} is reserved for you. Open a private chat with @{bot} and press Start to see your cart.").format(
        item=label, bot=bot_username
    )


def unknown_code_text(code: str, suggestions: Sequence[str]) -> str:
    text = _("I do not know the product code {code}.").format(code=f"<b>{html.escape(code)}</b>")
    if suggestions:
        return text + " " + _("Did you mean: {codes}?").format(codes=codes(suggestions))
    return text + " " + _("The /catalog shows every code.")


def variant_needed_text(code: str, variants: Sequence[str]) -> str:
    example = f"{code} {variants[0]} x1" if variants else f"{code} x1"
    return _("{code} comes in: {variants}. Send for example “{example}”.").format(
        code=f"<b>{html.escape(code)}</b>", variants=codes(variants), example=html.escape(example)
    )


def unknown_variant_text(code: str, variant: str, variants: Sequence[str]) -> str:
    return _("{code} has no variant {variant}. Choose one of: {variants}.").format(
        code=f"<b>{html.escape(code)}</b>", variant=html.escape(variant), variants=codes(variants)
    )


def sold_out_screen(sku_id: int, code: str, variant: str | None) -> Screen:
    text = "😔 " + _(
        "{item} is sold out. Join the waitlist and I will reserve it for you when units come back."
    ).format(item=f"<b>{html.escape(item_label(code, variant))}</b>")
    button = InlineKeyboardButton(
        text="🔔 " + _("Join the waitlist"), callback_data=WaitlistCb(action="join", sku_id=sku_id).pack()
    )
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=[[button]]))


def not_enough_stock_text(available: int) -> str:
    if available <= 0:
        return "😔 " + _("Sorry, that is sold out right now.")
    return ngettext(
        "Sorry, only {count} unit is left. Try a smaller quantity.",
        "Sorry, only {count} units are left. Try a smaller quantity.",
        available,
    ).format(count=available)


def quantity_limit_text(maximum: int) -> str:
    return _("You can order at most {maximum} of one item.").format(maximum=maximum)


def product_gone_text() -> str:
    return _("Sorry, this product is no longer available.")


def variant_gone_text() -> str:
    return _("Sorry, this variant is no longer available.")
