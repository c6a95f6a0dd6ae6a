"""Keyword ordering: `DRESS-RED M x2`, `#mug`, `sold A12 Ivory` adds to the cart at once, in private and in stream
groups. What counts as an order is the catalogue's to say (bot/domain/keyword.py, read by KeywordService from codes
held in memory, so group chatter never waits for the database).

From a group the bot confirms briefly in the group and sends the cart privately; a commenter who never started the
bot gets a deep link instead, which /start turns into their cart (handlers/start.py). Group answers are in the shop's
language and go out together when orders crowd in (handlers/outbound.py: twenty messages a minute per group); an
order's answer waits in the outbound queue as a CONFIRMATION when it got units, as SOLD_OUT when refused. A refusal
that can be mended with a tap comes with buttons (the code meant, the variants): whoever taps orders for themselves.
Anything that is not a keyword order falls through: silently in groups, to the fallback answer in private.
"""

from __future__ import annotations

import html
from collections.abc import Collection
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramForbiddenError
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.i18n import I18n

from bot.domain.keyword import KeywordOrder
from bot.domain.outbound import GroupLine, Priority
from bot.ports import OrderAnswers
from bot.services.cart import CartService
from bot.services.keywords import KeywordService
from bot.services.outbound import sending_as
from handlers.callbacks import KeywordCb
from handlers.views.cart import added_screen, group_claim_text, group_confirmation
from handlers.views.common import edit_message, plain
from handlers.views.refusals import (
    CART_REFUSALS,
    product_gone_text,
    refusal_screen,
    reserved_from_group_text,
    variant_choice_keyboard,
)
from handlers.views.waitlist import written_privately_text

CLAIM_PREFIX = "claim-"
# What IsKeywordOrder hands the handler, by name.
KEYWORD_ORDER = "keyword_order"


def make_router() -> Router:
    router = Router(name="keyword")
    router.message.filter(F.text, F.from_user, ~F.from_user.is_bot, F.sender_chat.is_(None))
    router.message.register(order_in_private, F.chat.type == "private", IsKeywordOrder())
    router.message.register(order_in_group, OrderingGroup(), IsKeywordOrder())
    router.callback_query.register(order_by_button, KeywordCb.filter(F.quantity >= 1))  # else: handlers/fallback.py
    return router


class IsKeywordOrder(Filter):
    """The catalogue's codes, held in memory, decide before anything touches the database: most group chatter is not
    an order. Hands the order read to the handler as `keyword_order`. With `naming_a_product`, only an order for a
    product of the catalogue passes (not a mistyped code)."""

    def __init__(self, naming_a_product: bool = False) -> None:
        self.naming_a_product = naming_a_product

    async def __call__(self, message: Message, keywords: KeywordService) -> bool | dict[str, Any]:
        if message.text is None:
            return False
        private = message.chat.type == "private"
        order = await keywords.read(message.text, private=private, chat_id=None if private else message.chat.id)
        if order is None or (self.naming_a_product and order.product is None):
            return False
        return {KEYWORD_ORDER: order}


class OrderingGroup(Filter):
    """A group or supergroup where keyword ordering is on: all of them, unless KEYWORD_GROUP_IDS names some."""

    async def __call__(self, message: Message, keyword_group_ids: Collection[int]) -> bool:
        return message.chat.type in {"group", "supergroup"} and (
            not keyword_group_ids or message.chat.id in keyword_group_ids
        )


async def order_in_private(
    message: Message, cart: CartService, keyword_order: KeywordOrder, locale: str, order_answers: OrderAnswers
) -> None:
    user = message.from_user
    assert user is not None
    priority = Priority.CONFIRMATION
    try:
        added = await cart.add_by_keyword(user.id, keyword_order, locale)
    except CART_REFUSALS as refused:
        screen = refusal_screen(refused, locale)
        priority = Priority.SOLD_OUT
    else:
        screen = added_screen(added, locale)
    with sending_as(priority):  # the answer waits its turn; the next order need not wait for it
        order_answers.later(message.answer(screen.text, reply_markup=screen.keyboard))


async def order_in_group(
    message: Message,
    bot: Bot,
    cart: CartService,
    keyword_order: KeywordOrder,
    locale: str,
    i18n: I18n,
    order_answers: OrderAnswers,
) -> None:
    user = message.from_user
    assert user is not None
    name, chat_id, reply_to = user.first_name, message.chat.id, message.message_id
    group_language = i18n.default_locale  # one language for everyone who reads the group
    try:
        added = await cart.add_by_keyword(user.id, keyword_order, locale)
    except CART_REFUSALS as refused:
        with i18n.use_locale(group_language):
            screen = refusal_screen(refused, group_language)
        summary = html.escape(plain(screen.text, limit=300).split("\n", 1)[0])
        line = f"❌ {html.escape(name)}: {summary}"
        with sending_as(Priority.SOLD_OUT):  # alone, its buttons are for whoever taps
            await order_answers.confirm(GroupLine(chat_id, reply_to, screen.text, line, screen.keyboard))
        return
    private = added_screen(added, locale)

    async def in_group(reached: bool) -> None:
        """The group sees the order taken; one who never started the bot gets the deep link to their cart there."""
        if reached:
            with i18n.use_locale(group_language):
                text = group_confirmation(name, added)
        else:
            link = await create_start_link(bot, f"{CLAIM_PREFIX}{added.cart.order_id}")
            with i18n.use_locale(group_language):
                text = group_claim_text(name, added, link)
        await order_answers.confirm(GroupLine(chat_id, reply_to, text, text))

    with sending_as(Priority.CONFIRMATION):
        order_answers.later(bot.send_message(user.id, private.text, reply_markup=private.keyboard), then=in_group)


async def order_by_button(
    query: CallbackQuery, callback_data: KeywordCb, bot: Bot, cart: CartService, keywords: KeywordService, locale: str
) -> None:
    """A button under a refusal: the code the buyer meant, or one of the variants. Orders for the one who taps."""
    sku_id = callback_data.sku_id
    if not sku_id:
        product = await keywords.product(callback_data.product_id)
        if product is None:
            await query.answer(product_gone_text(), show_alert=True)
            return
        if product.needs_variant:  # the code meant, which comes in several variants: offer them in place
            await query.answer()
            if isinstance(query.message, Message):
                await edit_message(query.message, variant_choice_keyboard(product, callback_data.quantity, locale))
            return
        sku_id = product.variants[0].sku_id
    in_group = query.message is not None and query.message.chat.type != "private"
    try:
        added = await cart.add(query.from_user.id, sku_id, callback_data.quantity, locale)
    except CART_REFUSALS as refused:
        screen = refusal_screen(refused, locale)
        if in_group:
            await query.answer(plain(screen.text), show_alert=True)
            return
        await query.answer()
        with sending_as(Priority.SOLD_OUT):
            await bot.send_message(query.from_user.id, screen.text, reply_markup=screen.keyboard)
        return
    screen = added_screen(added, locale)
    try:
        with sending_as(Priority.CONFIRMATION):
            await bot.send_message(query.from_user.id, screen.text, reply_markup=screen.keyboard)
    except TelegramForbiddenError:  # tapped in a group by someone who never started the bot: the units are theirs
        me = await bot.me()
        await query.answer(plain(reserved_from_group_text(added, me.username or "")), show_alert=True)
        return
    await query.answer(written_privately_text() if in_group else None)
