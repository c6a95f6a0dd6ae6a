"""Why the core refused an add (unknown code, variant, sold out, not enough stock), in the buyer's language."""

from __future__ import annotations

import html
from collections.abc import Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.services.cart import NotEnoughStock, QuantityLimit, SoldOut, UnknownCode, UnknownVariant, VariantNeeded
from bot.services.catalog import ProductNotFound
from handlers.callbacks import WaitlistCb
from handlers.views.common import Screen, codes, item_label

# What CartService.add and add_by_keyword may refuse with; each has a message in `refusal_screen`.
CART_REFUSALS = (SoldOut, NotEnoughStock, QuantityLimit, UnknownCode, VariantNeeded, UnknownVariant, ProductNotFound)


def refusal_screen(error: Exception) -> Screen:
    """Why the core refused an add, in the buyer's language; the sold-out case offers the waitlist."""
    match error:
        case SoldOut():
            return sold_out_screen(error.sku_id, error.code, error.variant)
        case NotEnoughStock():
            return Screen(not_enough_stock_text(error.available))
        case QuantityLimit():
            return Screen(quantity_limit_text(error.maximum))
        case UnknownCode():
            return Screen(unknown_code_text(error.code, error.suggestions))
        case VariantNeeded():
            return Screen(variant_needed_text(error.code, error.variants))
        case UnknownVariant():
            return Screen(unknown_variant_text(error.code, error.variant, error.variants))
    return Screen(product_gone_text())


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
