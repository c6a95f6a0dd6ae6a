"""/start greets in the buyer's language (from a group's deep link: shows what they ordered there);
/help lists the commands for the person's role."""

from __future__ import annotations

import html

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.domain.buyer import Role
from bot.services.buyers import BuyerService
from bot.services.cart import CartService
from bot.services.catalog import CatalogueService, ProductNotFound
from handlers.keyword import CLAIM_PREFIX
from handlers.views.cart import cart_screen
from handlers.views.start import claim_gone_text, claimed_heading, help_text


def make_router() -> Router:
    router = Router(name="start")
    router.message.register(
        start_with_claim, CommandStart(deep_link=True, magic=F.args.startswith(CLAIM_PREFIX)), F.from_user
    )
    router.message.register(start, CommandStart(), F.from_user)
    router.message.register(show_help, Command("help"), F.from_user)
    return router


async def start_with_claim(
    message: Message, command: CommandObject, buyers: BuyerService, cart: CartService, locale: str
) -> None:
    """A group commenter who could not be written to follows the deep link: what they ordered becomes their cart."""
    user = message.from_user
    assert user is not None and command.args is not None
    await buyers.register(user.id, user.language_code, user.full_name)
    claimed = await cart.claim(user.id, command.args.removeprefix(CLAIM_PREFIX), locale)
    if claimed.is_empty:
        await message.answer(claim_gone_text())
        return
    screen = cart_screen(claimed, locale, heading=claimed_heading(user.first_name))
    await message.answer(screen.text, reply_markup=screen.keyboard)


async def start(message: Message, buyers: BuyerService) -> None:
    user = message.from_user
    assert user is not None
    await buyers.register(user.id, user.language_code, user.full_name)
    await message.answer(
        _("Hello, {name}! Welcome to our live shop.").format(name=html.escape(user.first_name))
        + "\n\n"
        + _("Browse the catalogue with /catalog. Choose your language with /language. /help lists everything.")
    )


async def show_help(message: Message, buyers: BuyerService, catalogue: CatalogueService, locale: str) -> None:
    assert message.from_user is not None
    roles = buyers.roles_of(message.from_user.id)
    example = await example_order(catalogue, locale)
    await message.answer(help_text(Role.MERCHANT in roles, Role.OPS in roles, example))


async def example_order(catalogue: CatalogueService, locale: str) -> str | None:
    """A keyword order this shop would take ("A12 Navy x2"): the first product on sale; None when nothing is."""
    page = await catalogue.page(0, locale)
    first = next((item for item in page.items if item.total_stock > 0), None)
    if first is None:
        return None
    try:
        product = await catalogue.product(first.id)
    except ProductNotFound:  # retired meanwhile
        return None
    sku = next((sku for sku in product.skus if not sku.sold_out), product.skus[0])
    quantity = 2 if sku.stock >= 2 else 1
    return f"{product.code} {sku.variant} x{quantity}" if product.has_variants else f"{product.code} x{quantity}"
