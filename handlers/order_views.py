"""Texts and keyboards for carts, keyword orders, checkout, orders and notices, drawn from the core's plain data."""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext
from aiogram.utils.keyboard import InlineKeyboardBuilder
from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date
from babel.numbers import format_decimal

from bot.domain.notices import HoldEndingSoon, HoldExpired, Notice, WaitlistOffer
from bot.services.cart import NotEnoughStock, QuantityLimit, SoldOut, UnknownCode, UnknownVariant, VariantNeeded
from bot.services.catalog import ProductNotFound
from handlers.callbacks import AddToCartCb, CartCb, CheckoutCb, CurrencyCb, VariantCb, WaitlistCb

if TYPE_CHECKING:
    from bot.domain.cart import AddedToCart, Cart, CartLine
    from bot.domain.catalog import Product
    from bot.domain.money import Money
    from bot.domain.orders import OrderSummary

QUANTITY_CHOICES = (1, 2, 3, 5)
# What CartService.add and add_by_keyword may refuse with; each has a message in `refusal_screen`.
CART_REFUSALS = (SoldOut, NotEnoughStock, QuantityLimit, UnknownCode, VariantNeeded, UnknownVariant, ProductNotFound)
# Buttons /currency offers at most; a buyer can type any other code the exchange rates cover (/currency NOK).
CURRENCY_BUTTONS = 40
# The domain's limits (bot/domain/checkout.py ShippingDetails), checked per step so a bad answer is caught at once.
NAME_LIMIT = 200
ADDRESS_LIMIT = 500
# What people type for a country that is neither its ISO code nor its name in the CLDR.
COUNTRY_ALIASES = {"UK": "GB", "USA": "US", "U.S.": "US", "U.S.A.": "US", "UAE": "AE"}


@dataclass(frozen=True, slots=True)
class Screen:
    """One message to send: text and an optional inline keyboard."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None


# --- small pieces -------------------------------------------------------------------------------------------------


def minutes_left(expires_at: datetime | None, now: datetime | None = None) -> int | None:
    if expires_at is None:
        return None
    if expires_at.tzinfo is None:  # the database may hand back naive UTC
        expires_at = expires_at.replace(tzinfo=UTC)
    seconds = (expires_at - (now or datetime.now(UTC))).total_seconds()
    return max(0, math.ceil(seconds / 60))


def hold_text(expires_at: datetime | None) -> str:
    minutes = minutes_left(expires_at)
    if minutes is None:
        return ""
    if minutes == 0:
        return "⏳ " + _("Your reservation is ending now.")
    return "⏳ " + ngettext(
        "Reserved for you for {minutes} more minute.", "Reserved for you for {minutes} more minutes.", minutes
    ).format(minutes=minutes)


def item_label(code: str, variant: str | None, quantity: int | None = None) -> str:
    label = f"{code} {variant}" if variant else code
    return f"{label} ×{quantity}" if quantity is not None else label


def line_text(line: CartLine, locale: str) -> str:
    title = html.escape(line.title)
    label = html.escape(item_label(line.code, line.variant, line.quantity))
    return f"• <b>{label}</b> {title} — {line.line_total.format(locale)}"


def country_name(code: str, locale: str) -> str:
    return str(Locale.parse(locale).territories.get(code.upper(), code.upper()))


def collation_key(text: str) -> str:
    """Sorts and matches names as people read them: "Österreich" after "Niederlande", "osterreich" finds it."""
    letters = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in letters if not unicodedata.combining(c))


def country_names(codes: Iterable[str], locale: str) -> list[str]:
    """Country names in the buyer's language, in their alphabetical order."""
    return sorted((country_name(code, locale) for code in codes), key=collation_key)


def country_code_from(text: str, locale: str) -> str | None:
    """A country the buyer typed, as an ISO code, a common alias (UK, USA) or a name in their language or English;
    None if unknown."""
    typed = text.strip()
    if not typed:
        return None
    if typed.upper() in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[typed.upper()]
    wanted = collation_key(typed)
    for language in dict.fromkeys((locale, "en")):
        territories = Locale.parse(language).territories
        if len(typed) == 2 and typed.upper() in territories and typed.isalpha():
            return typed.upper()
        for code, name in territories.items():
            if len(code) == 2 and code.isalpha() and collation_key(str(name)) == wanted:
                return str(code)
    return None


def likely_country(language_code: str | None) -> str | None:
    """The country a Telegram app language most likely means ("pt-br" -> BR, "de" -> DE), for a one-tap answer."""
    if not language_code:
        return None
    try:
        locale = Locale.parse(language_code.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    if locale.territory:
        return str(locale.territory)
    likely = get_global("likely_subtags").get(locale.language, "")
    territory = str(likely).split("_")[-1]
    return territory if len(territory) == 2 and territory.isalpha() else None


def cancel_button() -> InlineKeyboardButton:
    return InlineKeyboardButton(text="✖ " + _("Cancel"), callback_data=CheckoutCb(action="cancel").pack())


def cart_buttons(checkout: bool = True) -> list[InlineKeyboardButton]:
    buttons = [InlineKeyboardButton(text="🛒 " + _("View cart"), callback_data=CartCb(action="show").pack())]
    if checkout:
        buttons.append(InlineKeyboardButton(text="✅ " + _("Checkout"), callback_data=CartCb(action="checkout").pack()))
    return buttons


# --- product card: variants and quantity ---------------------------------------------------------------------------


def product_order_buttons(product: Product, locale: str, page: int) -> list[list[InlineKeyboardButton]]:
    """One button per variant: add to cart, or join the waitlist when it is sold out."""
    rows = []
    for sku in product.skus:
        name = sku.variant or _("Add to cart")
        if sku.sold_out:
            text = f"🔔 {name} · " + _("Join the waitlist") if sku.variant else "🔔 " + _("Join the waitlist")
            data = WaitlistCb(action="join", sku_id=sku.id).pack()
        else:
            text = f"🛒 {name} · {sku.price.format(locale)}"
            data = VariantCb(product_id=product.id, sku_id=sku.id, page=page).pack()
        rows.append(InlineKeyboardButton(text=text[:64], callback_data=data))
    return [rows[i : i + 2] for i in range(0, len(rows), 2)]


def quantity_keyboard(chosen: VariantCb, maximum: int) -> InlineKeyboardMarkup:
    """Quantities for the chosen variant: one tap on 1, 2, 3 or 5, or − and + then Add."""
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
            text="🛒 " + _("Add {quantity}").format(quantity=quantity),
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


# --- the cart ------------------------------------------------------------------------------------------------------


def cart_screen(cart: Cart, locale: str, heading: str | None = None) -> Screen:
    if cart.is_empty:
        return Screen(f"{heading}\n\n{empty_cart_text()}" if heading else empty_cart_text())
    lines = [heading, ""] if heading else []
    lines.append("🛒 <b>" + _("Your cart") + "</b>")
    lines += [line_text(line, locale) for line in cart.lines]
    lines += ["", _("Subtotal: {amount}").format(amount=cart.subtotal.format(locale))]
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


def private_chat_text(link: str) -> str:
    """The answer to a buyer command sent in a stream group: each buyer's shopping happens in their private chat."""
    return "🛍 " + _(
        '<a href="{link}">Open our private chat</a> to browse, see your cart and check out. Here, send a product code '
        "to order."
    ).format(link=html.escape(link))


def private_chat_alert(bot_username: str) -> str:
    """A catalogue button pressed on a group message: an alert shows no link, so it names the bot."""
    return _("This works in our private chat: open @{bot} and press Start.").format(bot=bot_username)


# --- refusals ------------------------------------------------------------------------------------------------------


def plain(text: str, limit: int = 200) -> str:
    """Text for a callback alert, which shows no HTML and at most 200 characters."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))[:limit]


def codes(values: Iterable[str]) -> str:
    return ", ".join(html.escape(value) for value in values)


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


def back_in_stock_text() -> str:
    return _("Good news: it is in stock again. Order it from the product card or by its code.")


def waitlist_joined_screen(sku_id: int, position: int) -> Screen:
    text = "🔔 " + _("You are number {position} on the waitlist. I will write when it is reserved for you.").format(
        position=position
    )
    button = InlineKeyboardButton(
        text=_("Leave the waitlist"), callback_data=WaitlistCb(action="leave", sku_id=sku_id).pack()
    )
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=[[button]]))


def waitlist_joined_from_group_text(position: int, bot_username: str) -> str:
    """A tap on a group's waitlist button by someone the bot cannot write to yet: an alert, at most 200 characters."""
    return _(
        "You are number {position} on the waitlist. Open a private chat with @{bot} and press Start, so I can write "
        "to you when it is back."
    ).format(position=position, bot=bot_username)


def written_privately_text() -> str:
    return _("I wrote to you in our private chat.")


def waitlist_left_text() -> str:
    return _("You left the waitlist.")


def not_on_waitlist_text() -> str:
    return _("You are not on this waitlist.")


def variant_gone_text() -> str:
    return _("Sorry, this variant is no longer available.")


def already_added_text() -> str:
    return _("Already added. /cart shows your cart.")


def line_gone_text() -> str:
    return _("That item is no longer in your cart. Here it is now:")


# --- checkout ------------------------------------------------------------------------------------------------------


def ask_country_screen(known: Sequence[str], locale: str) -> Screen:
    builder = InlineKeyboardBuilder()
    for code in known:
        builder.row(
            InlineKeyboardButton(
                text=country_name(code, locale), callback_data=CheckoutCb(action="country", value=code).pack()
            )
        )
    builder.row(cancel_button())
    text = "📦 " + _("Which country should we ship to? Tap it or type its name or two-letter code (e.g. DE).")
    return Screen(text, builder.as_markup())


def unknown_country_text(typed: str) -> str:
    return _("I do not know the country “{country}”. Type its name or two-letter code, e.g. DE or Germany.").format(
        country=html.escape(typed[:60])
    )


def cannot_ship_text(lines: Sequence[CartLine], country: str, locale: str) -> str:
    items = ", ".join(html.escape(item_label(line.code, line.variant)) for line in lines)
    return _("Sorry, {items} cannot be shipped to {country}. Choose another country, or remove them in /cart.").format(
        items=items, country=html.escape(country_name(country, locale))
    )


def step_screen(text: str) -> Screen:
    return Screen(text, InlineKeyboardMarkup(inline_keyboard=[[cancel_button()]]))


def ask_name_screen() -> Screen:
    return step_screen("👤 " + _("Who is the parcel for? Send the full name."))


def ask_address_screen() -> Screen:
    return step_screen("🏠 " + _("Send the street address, postcode and city."))


def ask_phone_screen() -> Screen:
    return step_screen("📞 " + _("Send a phone number for the courier, with the country code, e.g. +49 30 1234567."))


def invalid_detail_text(field: str) -> str:
    texts = {
        "country": _("Please choose a country we ship to."),
        "name": _("Please send a name of at most {limit} characters.").format(limit=NAME_LIMIT),
        "address": _("Please send a full address of 5 to {limit} characters.").format(limit=ADDRESS_LIMIT),
        "phone": _("That does not look like a phone number. Send digits with the country code, e.g. +49 30 1234567."),
    }
    return texts.get(field, _("Please check what you sent."))


def valid_name(text: str) -> bool:
    return 1 <= len(text.strip()) <= NAME_LIMIT


def valid_address(text: str) -> bool:
    return 5 <= len(text.strip()) <= ADDRESS_LIMIT


def summary_screen(
    lines: Sequence[CartLine],
    shipping_fee: Money,
    total: Money,
    rate: Decimal,
    base_currency: str,
    details: dict[str, str],
    locale: str,
) -> Screen:
    text = ["🧾 <b>" + _("Your order") + "</b>"]
    text += [line_text(line, locale) for line in lines]
    text += [
        "",
        _("Shipping to {country}: {fee}").format(
            country=html.escape(country_name(details["country"], locale)), fee=shipping_fee.format(locale)
        ),
        "<b>" + _("Total: {amount}").format(amount=total.format(locale)) + "</b>",
    ]
    if total.currency != base_currency:
        text.append(
            _("Exchange rate: 1 {base} = {rate} {currency}").format(
                base=base_currency,
                rate=format_decimal(rate.normalize(), locale=locale, decimal_quantization=False),
                currency=total.currency,
            )
        )
    text += [
        "",
        html.escape(details["name"]),
        html.escape(details["address"]),
        html.escape(details["phone"]),
    ]
    builder = InlineKeyboardBuilder()
    builder.row(
        InlineKeyboardButton(text="✅ " + _("Confirm"), callback_data=CheckoutCb(action="confirm").pack()),
        cancel_button(),
    )
    return Screen("\n".join(text), builder.as_markup())


def awaiting_payment_text(order_id: int, total: Money, locale: str) -> str:
    return "🎉 " + _("Your order #{number} ({total}) is awaiting payment; you will get a payment link.").format(
        number=order_id, total=total.format(locale)
    )


def checkout_cancelled_text() -> str:
    return _("Checkout cancelled. Your cart is kept; /checkout starts again.")


def nothing_to_cancel_text() -> str:
    return _("There is nothing to cancel.")


def empty_cart_text() -> str:
    return _("Your cart is empty. Browse the /catalog, or send the code of a product shown in the live stream.")


def cart_changed_text() -> str:
    return _("Your cart changed meanwhile (a reservation ended or stock ran out). Here it is now:")


# --- orders and currency -------------------------------------------------------------------------------------------


def status_name(status: str) -> str:
    names = {
        "cart": _("in the cart"),
        "checkout": _("at checkout"),
        "awaiting_payment": _("awaiting payment"),
        "paid": _("paid"),
        "cancelled": _("cancelled"),
        "expired": _("expired"),
        "refunded": _("refunded"),
        "shipped": _("shipped"),
    }
    return names.get(str(status), str(status))


def orders_text(orders: Sequence[OrderSummary], locale: str) -> str:
    if not orders:
        return _("You have no orders yet. Browse the /catalog to start one.")
    rows = ["📋 <b>" + _("Your orders") + "</b>"]
    for order in orders:
        # The core counts lines (a line of four scarves is one), not units: say so.
        items = ngettext("{count} item", "{count} items", order.units).format(count=order.units)
        created = format_date(order.created_at, format="medium", locale=locale)
        rows.append(
            f"#{order.order_id} · {status_name(order.status)} · {order.total.format(locale)} · {items} · {created}"
        )
    return "\n".join(rows)


def currency_screen(currencies: Sequence[str]) -> Screen:
    builder = InlineKeyboardBuilder()
    builder.button(text="🌍 " + _("Automatic (from my country)"), callback_data=CurrencyCb(code="auto"))
    for code in currencies[:CURRENCY_BUTTONS]:
        builder.button(text=code, callback_data=CurrencyCb(code=code))
    builder.adjust(1, 4)
    text = _(
        "Which currency should I show prices in? Tap one, or type /currency followed by a code, e.g. /currency USD."
    )
    return Screen(text, builder.as_markup())


def currency_set_text(currency: str | None) -> str:
    if currency is None:
        return _("Done: I will show prices in the currency of your country.")
    return _("Done: I will show prices in {currency}.").format(currency=currency)


def unknown_currency_text(code: str) -> str:
    return _("I cannot show prices in {code}. Send /currency to see the currencies I know.").format(
        code=html.escape(code[:10])
    )


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


def claimed_heading(name: str) -> str:
    return "👋 " + _("Hello, {name}! Here is what you ordered in the live chat.").format(name=html.escape(name))


def claim_gone_text() -> str:
    return _("Sorry, that reservation has ended. Send the product code again or browse the /catalog.")


# --- notices -------------------------------------------------------------------------------------------------------


def notice_screen(notice: Notice, locale: str) -> Screen:
    """A notice from the core (hold reminder, expiry, waitlist offer) as a message in the buyer's language."""
    match notice:
        case HoldEndingSoon():
            minutes = minutes_left(notice.expires_at) or 0
            heading = "⏳ " + ngettext(
                "These items stay reserved for {minutes} more minute:",
                "These items stay reserved for {minutes} more minutes:",
                minutes,
            ).format(minutes=minutes)
            ending = [line_text(line, locale) for line in notice.ending_lines]
            heading = "\n".join([heading, *ending, _("Check out now to keep them.")])
            return cart_screen(notice.cart, locale, heading=heading)
        case HoldExpired():
            rows = ["⌛ " + _("Your reservation ended, so these items went back on sale:")]
            rows += [line_text(line, locale) for line in notice.lines]
            rows += ["", _("Send the product code again to order them, if they are still available.")]
            return Screen("\n".join(rows), InlineKeyboardMarkup(inline_keyboard=[cart_buttons(checkout=False)]))
        case WaitlistOffer():
            minutes = minutes_left(notice.expires_at) or 0
            label = html.escape(item_label(notice.line.code, notice.line.variant, notice.line.quantity))
            text = "🎉 " + ngettext(
                "Good news: {item} {title} is back, and I put it in your cart. It is reserved for you for "
                "{minutes} minute.",
                "Good news: {item} {title} is back, and I put it in your cart. It is reserved for you for "
                "{minutes} minutes.",
                minutes,
            ).format(item=f"<b>{label}</b>", title=html.escape(notice.line.title), minutes=minutes)
            return Screen(text, InlineKeyboardMarkup(inline_keyboard=[cart_buttons()]))
