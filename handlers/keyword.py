"""Keyword ordering: "A12 M x2", "#A12", "sold A12 M" adds to the cart at once, in private and in stream groups.

From a group the bot confirms briefly in the group and sends the cart privately; a commenter who never started the
bot gets a deep link instead, which /start turns into their cart (handlers/start.py). Anything that is not a keyword
order falls through: silently in groups, to the fallback answer in private.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.exceptions import TelegramForbiddenError
from aiogram.filters import Filter
from aiogram.types import Message
from aiogram.utils.deep_linking import create_start_link

from bot.domain.keyword import parse_keyword_order
from bot.services.cart import CartService, NotAKeywordOrder, UnknownCode
from handlers.views.cart import added_screen, group_claim_text, group_confirmation
from handlers.views.refusals import CART_REFUSALS, refusal_screen

CLAIM_PREFIX = "claim-"


def make_router() -> Router:
    router = Router(name="keyword")
    router.message.filter(F.text, F.from_user, ~F.from_user.is_bot, F.sender_chat.is_(None))
    router.message.register(order_in_private, F.chat.type == "private", LooksLikeKeywordOrder())
    router.message.register(order_in_group, OrderingGroup(), LooksLikeKeywordOrder())
    return router


class LooksLikeKeywordOrder(Filter):
    """The domain's parser decides, before anything touches the database: most group chatter is not an order."""

    async def __call__(self, message: Message, keyword_prefixes: Sequence[str]) -> bool:
        return message.text is not None and parse_keyword_order(message.text, keyword_prefixes) is not None


class OrderingGroup(Filter):
    """A group or supergroup where keyword ordering is on: all of them, unless KEYWORD_GROUP_IDS names some."""

    async def __call__(self, message: Message, keyword_group_ids: Collection[int]) -> bool:
        return message.chat.type in {"group", "supergroup"} and (
            not keyword_group_ids or message.chat.id in keyword_group_ids
        )


async def order_in_private(message: Message, cart: CartService, locale: str) -> None:
    user = message.from_user
    assert user is not None and message.text is not None
    try:
        added = await cart.add_by_keyword(user.id, message.text, locale)
    except NotAKeywordOrder:
        raise SkipHandler() from None
    except CART_REFUSALS as refused:
        screen = refusal_screen(refused)
    else:
        screen = added_screen(added, locale)
    await message.answer(screen.text, reply_markup=screen.keyboard)


async def order_in_group(message: Message, bot: Bot, cart: CartService, locale: str) -> None:
    user = message.from_user
    assert user is not None and message.text is not None
    try:
        added = await cart.add_by_keyword(user.id, message.text, locale)
    except NotAKeywordOrder:
        return
    except CART_REFUSALS as refused:
        if isinstance(refused, UnknownCode) and not refused.suggestions:
            return  # chatter that merely looks like a code ("ok 2"); a stream chat needs no answer to it
        screen = refusal_screen(refused)
        await message.reply(screen.text, reply_markup=screen.keyboard)  # sold out: the waitlist, for whoever taps
        return
    private = added_screen(added, locale)
    try:
        await bot.send_message(user.id, private.text, reply_markup=private.keyboard)
    except TelegramForbiddenError:
        link = await create_start_link(bot, f"{CLAIM_PREFIX}{added.cart.order_id}")
        await message.reply(group_claim_text(user.first_name, added, link))
        return
    await message.reply(group_confirmation(user.first_name, added))
