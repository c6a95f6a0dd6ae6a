"""The cart: add from a product card (variant, then quantity), /cart with its buttons, and the waitlist."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.domain.buyer import Buyer
from bot.services.cart import CartChanged, CartService
from bot.services.catalog import CatalogueService, ProductNotFound
from bot.services.waitlist import InStock, WaitlistService
from handlers.callbacks import AddToCartCb, CartCb, VariantCb, WaitlistCb
from handlers.views.cart import (
    added_screen,
    already_added_text,
    cart_changed_text,
    cart_screen,
    empty_cart_text,
    line_gone_text,
    quantity_keyboard,
    variants_keyboard,
)
from handlers.views.catalog import back_to_catalogue_button, card_after_add_keyboard, product_card_view, redraw_card
from handlers.views.common import Screen, edit_message, plain
from handlers.views.refusals import CART_REFUSALS, product_gone_text, refusal_screen, variant_gone_text
from handlers.views.waitlist import (
    back_in_stock_text,
    not_on_waitlist_text,
    waitlist_joined_from_group_text,
    waitlist_joined_screen,
    waitlist_left_text,
    written_privately_text,
)


def make_router() -> Router:
    router = Router(name="cart")
    router.message.filter(F.chat.type == "private")
    router.message.register(show_cart, Command("cart"), F.from_user)
    router.callback_query.register(choose_variant_again, VariantCb.filter(F.sku_id == 0))
    router.callback_query.register(choose_quantity, VariantCb.filter())
    # A quantity below 1 (0 for a cart line, which removes it) is on no button the bot draws: a forged or garbled
    # one falls through to handlers/fallback.py, which says the button is no longer valid, and nothing changes.
    router.callback_query.register(add_to_cart, AddToCartCb.filter(F.quantity >= 1))
    router.callback_query.register(view_cart, CartCb.filter(F.action == "show"))
    router.callback_query.register(change_quantity, CartCb.filter((F.action == "set") & (F.quantity >= 0)))
    router.callback_query.register(remove_line, CartCb.filter(F.action == "drop"))
    router.callback_query.register(empty_cart, CartCb.filter(F.action == "empty"))
    router.callback_query.register(join_waitlist, WaitlistCb.filter(F.action == "join"))
    router.callback_query.register(leave_waitlist, WaitlistCb.filter(F.action == "leave"))
    return router


async def show(query: CallbackQuery, screen: Screen, edit: bool = True) -> None:
    """Redraw the message the button belongs to, or send a new one when it cannot be edited."""
    message = query.message
    if edit and isinstance(message, Message) and message.text is not None:
        await edit_message(message, screen.keyboard, screen.text)
        return
    await query.bot.send_message(query.from_user.id, screen.text, reply_markup=screen.keyboard)  # type: ignore[union-attr]


async def show_cart(message: Message, cart: CartService, locale: str) -> None:
    assert message.from_user is not None
    screen = cart_screen(await cart.view(message.from_user.id, locale), locale)
    await message.answer(screen.text, reply_markup=screen.keyboard)


async def choose_variant_again(
    query: CallbackQuery, callback_data: VariantCb, catalogue: CatalogueService, locale: str
) -> None:
    try:
        product = await catalogue.product(callback_data.product_id, query.from_user.id)
    except ProductNotFound:
        await query.answer(product_gone_text(), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message):
        keyboard = variants_keyboard(
            product, locale, callback_data.page, back=back_to_catalogue_button(callback_data.page)
        )
        await edit_message(query.message, keyboard)


async def choose_quantity(
    query: CallbackQuery, callback_data: VariantCb, catalogue: CatalogueService, max_quantity: int, locale: str
) -> None:
    try:
        product = await catalogue.product(callback_data.product_id)
    except ProductNotFound:
        await query.answer(product_gone_text(), show_alert=True)
        return
    sku = next((sku for sku in product.skus if sku.id == callback_data.sku_id), None)
    if sku is None:
        await query.answer(variant_gone_text(), show_alert=True)
        return
    await query.answer(_("How many?"))
    if isinstance(query.message, Message):
        await edit_message(query.message, quantity_keyboard(callback_data, max_quantity, sku.variant_in(locale)))


async def add_to_cart(
    query: CallbackQuery, callback_data: AddToCartCb, cart: CartService, catalogue: CatalogueService, locale: str
) -> None:
    """One add per quantity picker: the card's keyboard is swapped first, and Telegram swaps it once, so a double
    tap or a stale picker finds it swapped already and adds nothing. After the add the card shows the stock left."""
    card, after = query.message, card_after_add_keyboard(callback_data.product_id, callback_data.page)
    if isinstance(card, Message) and callback_data.product_id and not await edit_message(card, after):
        await query.answer(already_added_text())
        return
    try:
        added = await cart.add(query.from_user.id, callback_data.sku_id, callback_data.quantity, locale)
    except CART_REFUSALS as refused:
        screen = refusal_screen(refused, locale)
        await query.answer()
        await show(query, screen, edit=False)
        return
    await query.answer(_("Added to your cart."))
    if isinstance(card, Message) and callback_data.product_id:
        try:
            product = await catalogue.product(callback_data.product_id, query.from_user.id)
        except ProductNotFound:
            pass  # retired meanwhile: the card keeps what it showed
        else:
            await redraw_card(card, product_card_view(product, locale, callback_data.page), after)
    await show(query, added_screen(added, locale), edit=False)


async def view_cart(query: CallbackQuery, cart: CartService, locale: str) -> None:
    await query.answer()
    await show(query, cart_screen(await cart.view(query.from_user.id, locale), locale))


async def change_quantity(query: CallbackQuery, callback_data: CartCb, cart: CartService, locale: str) -> None:
    try:
        updated = await cart.set_quantity(query.from_user.id, callback_data.sku_id, callback_data.quantity, locale)
    except CART_REFUSALS as refused:
        await query.answer(plain(refusal_screen(refused, locale).text), show_alert=True)
        return
    except CartChanged:
        # The line changed meanwhile (its hold ended, another tap won): show the cart as it is now.
        await query.answer(plain(cart_changed_text()), show_alert=True)
        updated = await cart.view(query.from_user.id, locale)
    else:
        await query.answer()
    await show(query, cart_screen(updated, locale))


async def remove_line(query: CallbackQuery, callback_data: CartCb, cart: CartService, locale: str) -> None:
    try:
        updated = await cart.remove(query.from_user.id, callback_data.sku_id, locale)
    except CartChanged:  # not in the cart (any more): a second tap, a stale cart or a forged button
        await query.answer(plain(line_gone_text()), show_alert=True)
        updated = await cart.view(query.from_user.id, locale)
    else:
        await query.answer(_("Removed."))
    await show(query, cart_screen(updated, locale))


async def empty_cart(query: CallbackQuery, cart: CartService) -> None:
    await cart.empty(query.from_user.id)
    await query.answer(_("Your cart is now empty."))
    if isinstance(query.message, Message):
        await edit_message(query.message, None, empty_cart_text())


async def join_waitlist(
    query: CallbackQuery, callback_data: WaitlistCb, waitlist: WaitlistService, bot: Bot, buyer: Buyer
) -> None:
    """From a private card or refusal; or from a group's sold-out answer, which everyone in the group can tap. A buyer
    not subscribed to live streams is offered it with the answer: one who waits for an item may like to hear of
    the stream that brings it back."""
    try:
        position = await waitlist.join(query.from_user.id, callback_data.sku_id, 1)
    except ProductNotFound:
        await query.answer(product_gone_text(), show_alert=True)
        return
    except InStock:
        await query.answer(back_in_stock_text(), show_alert=True)
        return
    screen = waitlist_joined_screen(callback_data.sku_id, position, offer_subscription=not buyer.subscribed)
    if query.message is None or query.message.chat.type == "private":
        await query.answer()
        await show(query, screen, edit=False)
        return
    try:
        await bot.send_message(query.from_user.id, screen.text, reply_markup=screen.keyboard)
    except TelegramForbiddenError:  # never started the bot: the waitlist's offer could not reach them either
        me = await bot.me()
        await query.answer(plain(waitlist_joined_from_group_text(position, me.username or "")), show_alert=True)
        return
    await query.answer(written_privately_text())


async def leave_waitlist(query: CallbackQuery, callback_data: WaitlistCb, waitlist: WaitlistService) -> None:
    left = await waitlist.leave(query.from_user.id, callback_data.sku_id)
    await query.answer(waitlist_left_text() if left else not_on_waitlist_text(), show_alert=True)
