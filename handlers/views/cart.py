"""Ordering from the product card (variants, quantities), the cart, and what an add answers in a chat or group."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callbacks import AddToCartCb, CartCb, VariantCb, WaitlistCb
from handlers.views.common import Screen, item_label, line_text, minutes_left

if TYPE_CHECKING:
    from datetime import datetime

    from bot.domain.cart import AddedToCart, Cart
    from bot.domain.catalog import Product

QUANTITY_CHOICES = (1, 2, 3, 5)


def product_order_buttons(product: Product, locale: str, page: int) -> list[list[InlineKeyboardButton]]:
    """One button per variant: add to cart, or join the waitlist when it is sold out."""
    rows = []
    for sku in product.skus:
        name = sku.variant_in(locale) or _("Add to cart")
        if sku.sold_out:
            text = f"🔔 {name} · " + _("Join the waitlist") if sku.variant else "🔔 " + _("Join the waitlist")
            data = WaitlistCb(action="join", sku_id=sku.id).pack()
        else:
            text = f"🛒 {name} · {sku.price.format(locale)}"
            data = VariantCb(product_id=product.id, sku_id=sku.id, page=page).pack()
        rows.append(InlineKeyboardButton(text=text[:64], callback_data=data))
    return [rows[i : i + 2] for i in range(0, len(rows), 2)]


def quantity_keyboard(chosen: VariantCb, maximum: int, variant: str = "") -> InlineKeyboardMarkup:
    """Quantities for the chosen variant (named on the Add button, in the buyer's language): one tap on 1, 2, 3 or 5,
    or − and + then Add."""
    product_id, sku_id, page = chosen.product_id, chosen.sku_id, chosen.page
    quantity = min(max(chosen.quantity, 1), maximum)

    def adding(units: int) -> AddToCartCb:
        return AddToCartCb(sku_id=sku_id, quantity=units, product_id=product_id, page=page)

    builder = InlineKeyboardBuilder()
    builder.row(
        *(InlineKeyboardButton(text=f"×{n}", callback_data=adding(n).pack()) for n in QUANTITY_CHOICES if n <= maximum)
    )
    builder.row(
        InlineKeyboardButton(
            text="−",
            callback_data=VariantCb(
                product_id=product_id, sku_id=sku_id, quantity=max(quantity - 1, 1), page=page
            ).pack(),
        ),
        InlineKeyboardButton(
            text=" · ".join(filter(None, ["🛒 " + _("Add {quantity}").format(quantity=quantity), variant]))[:64],
            callback_data=adding(quantity).pack(),
        ),
        InlineKeyboardButton(
            text="+",
            callback_data=VariantCb(
                product_id=product_id, sku_id=sku_id, quantity=min(quantity + 1, maximum), page=page
            ).pack(),
        ),
    )
    builder.row(
        InlineKeyboardButton(
            text="◀ " + _("Back"), callback_data=VariantCb(product_id=product_id, sku_id=0, page=page).pack()
        )
    )
    return builder.as_markup()


def variants_keyboard(product: Product, locale: str, page: int, back: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[*product_order_buttons(product, locale, page), [back]])


def cart_buttons(checkout: bool = True) -> list[InlineKeyboardButton]:
    buttons = [InlineKeyboardButton(text="🛒 " + _("View cart"), callback_data=CartCb(action="show").pack())]
    if checkout:
        buttons.append(InlineKeyboardButton(text="✅ " + _("Checkout"), callback_data=CartCb(action="checkout").pack()))
    return buttons


def hold_text(expires_at: datetime | None) -> str:
    minutes = minutes_left(expires_at)
    if minutes is None:
        return ""
    if minutes == 0:
        return "⏳ " + _("Your reservation is ending now.")
    return "⏳ " + ngettext(
        "Reserved for you for {minutes} more minute.", "Reserved for you for {minutes} more minutes.", minutes
    ).format(minutes=minutes)


def cart_screen(cart: Cart, locale: str, heading: str | None = None) -> Screen:
    if cart.is_empty:
        return Screen(f"{heading}\n\n{empty_cart_text()}" if heading else empty_cart_text())
    lines = [heading, ""] if heading else []
    lines.append("🛒 <b>" + _("Your cart") + "</b>")
    lines += [line_text(line, locale) for line in cart.lines]
    lines += ["", _("Subtotal: {amount}").format(amount=cart.subtotal.format(locale))]
    # Said early, so the checkout summary's currency is no surprise.
    lines.append(_("Currency: {currency} (/currency changes it)").format(currency=cart.currency))
    timer = hold_text(cart.hold_expires_at)
    if timer:
        lines.append(timer)
    return Screen("\n".join(lines), cart_keyboard(cart))


def cart_keyboard(cart: Cart) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for line in cart.lines:
        label = item_label(line.code, line.variant, line.quantity)
        builder.row(
            InlineKeyboardButton(
                text="−", callback_data=CartCb(action="set", sku_id=line.sku_id, quantity=line.quantity - 1).pack()
            ),
            InlineKeyboardButton(text=label[:40], callback_data=CartCb(action="show").pack()),
            InlineKeyboardButton(
                text="+", callback_data=CartCb(action="set", sku_id=line.sku_id, quantity=line.quantity + 1).pack()
            ),
            InlineKeyboardButton(text="🗑", callback_data=CartCb(action="drop", sku_id=line.sku_id).pack()),
        )
    builder.row(
        InlineKeyboardButton(text="🧹 " + _("Empty the cart"), callback_data=CartCb(action="empty").pack()),
        InlineKeyboardButton(text="✅ " + _("Checkout"), callback_data=CartCb(action="checkout").pack()),
    )
    return builder.as_markup()


def added_screen(added: AddedToCart, locale: str) -> Screen:
    """The answer to an add: what was added, then the whole cart with its buttons and hold timer."""
    label = html.escape(item_label(added.line.code, added.line.variant, added.quantity_added))
    heading = "✅ " + _("Added to your cart: {item} {title}").format(
        item=f"<b>{label}</b>", title=html.escape(added.line.title)
    )
    return cart_screen(added.cart, locale, heading=heading)


def group_confirmation(name: str, added: AddedToCart) -> str:
    label = html.escape(item_label(added.line.code, added.line.variant, added.quantity_added))
    return "✅ " + _("{name}: {item} reserved — check your private chat.").format(name=html.escape(name), item=label)


def group_claim_text(name: str, added: AddedToCart, link: str) -> str:
    label = html.escape(item_label(added.line.code, added.line.variant, added.quantity_added))
    return "✅ " + _(
        '{name}: {item} reserved. <a href="{link}">Open our private chat</a> and press Start to see your cart and '
        "check out."
    ).format(name=html.escape(name), item=label, link=html.escape(link))


def empty_cart_text() -> str:
    return _("Your cart is empty. Browse the /catalog, or send the code of a product shown in the live stream.")


def cart_changed_text() -> str:
    return _("Your cart changed meanwhile (a reservation ended or stock ran out). Here it is now:")


def line_gone_text() -> str:
    return _("That item is no longer in your cart. Here it is now:")


def already_added_text() -> str:
    return _("Already added. /cart shows your cart.")
