"""/start greets in the buyer's language (from a group's deep link: shows what they ordered there; from a live
stream's pinned post: the product's card);
/help lists the commands for the person's role. Both show a keyword order that works in this shop's catalogue now."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message

from bot.domain.buyer import Buyer, Role
from bot.services.cart import CartService
from bot.services.catalog import CatalogueService, ProductNotFound
from bot.services.keywords import KeywordService
from handlers.keyword import CLAIM_PREFIX
from handlers.views.announcements import PRODUCT_START
from handlers.views.cart import cart_screen
from handlers.views.catalog import product_card_view, send_product_card
from handlers.views.refusals import product_gone_text
from handlers.views.start import claim_gone_text, claimed_heading, help_text, welcome_text
from handlers.views.subscriptions import subscribe_keyboard


def make_router() -> Router:
    router = Router(name="start")
    router.message.register(
        start_with_claim, CommandStart(deep_link=True, magic=F.args.startswith(CLAIM_PREFIX)), F.from_user
    )
    router.message.register(
        start_with_product, CommandStart(deep_link=True, magic=F.args.startswith(PRODUCT_START)), F.from_user
    )
    router.message.register(start, CommandStart(), F.from_user)
    router.message.register(show_help, Command("help"), F.from_user)
    return router


async def start_with_claim(message: Message, command: CommandObject, cart: CartService, locale: str) -> None:
    """A group commenter who could not be written to follows the deep link: what they ordered becomes their cart."""
    user = message.from_user
    assert user is not None and command.args is not None
    claimed = await cart.claim(user.id, command.args.removeprefix(CLAIM_PREFIX), locale)
    if claimed.is_empty:
        await message.answer(claim_gone_text())
        return
    screen = cart_screen(claimed, locale, heading=claimed_heading(user.first_name))
    await message.answer(screen.text, reply_markup=screen.keyboard)


async def start_with_product(
    message: Message, command: CommandObject, catalogue: CatalogueService, locale: str
) -> None:
    """A product button of a live stream's pinned post: the product's card, in the buyer's language and currency."""
    user = message.from_user
    assert user is not None and command.args is not None
    product_id = command.args.removeprefix(PRODUCT_START)
    try:
        product = (
            await catalogue.product(int(product_id), user.id, viewed=True, language=locale)
            if product_id.isdigit()
            else None
        )
    except ProductNotFound:
        product = None
    if product is None:
        await message.answer(product_gone_text())
        return
    await send_product_card(message.bot, user.id, product_card_view(product, locale))  # type: ignore[arg-type]


async def start(message: Message, buyer: Buyer, keywords: KeywordService, locale: str) -> None:
    """The greeting; for a buyer not subscribed yet, with the button that subscribes them (never silently). The
    buyer was registered (and marked reachable) on the update's way in (BuyerLocaleMiddleware)."""
    user = message.from_user
    assert user is not None
    offer = not buyer.subscribed
    text = welcome_text(user.first_name, await keywords.example(locale), offer_subscription=offer)
    await message.answer(text, reply_markup=subscribe_keyboard() if offer else None)


async def show_help(message: Message, sender_roles: frozenset[Role], keywords: KeywordService, locale: str) -> None:
    await message.answer(help_text(sender_roles, await keywords.example(locale)))
