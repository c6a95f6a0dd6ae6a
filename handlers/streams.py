"""A merchant's streams once planned: /streams with Edit, Reschedule, Cancel and Go live buttons, /live, /stats, /end.

Going live posts the featured products in the stream's group or channel, each a deep link opening the product's card
in a private chat with the bot (handlers/start.py), and pins that post until the stream ends. An edit or a reschedule
asks one question (StreamEdit); /cancel comes first there too.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.deep_linking import create_start_link
from aiogram.utils.i18n import I18n

from bot.domain.numbers import typed_id
from bot.domain.streams import (
    MAX_PRODUCTS,
    BadDuration,
    BadStartTime,
    StartInPast,
    Stream,
    StreamError,
    StreamStatus,
    UnknownProducts,
    parse_start,
)
from bot.services.buyers import BuyerService
from bot.services.catalog import CatalogueService, ProductNotFound
from bot.services.keywords import KeywordService
from bot.services.streams import StreamService
from handlers.callbacks import StreamCb
from handlers.merchants import IsMerchant
from handlers.newstream import (
    ANSWER,
    START_EXAMPLE,
    codes_from,
    duration_from,
    is_web_link,
    send,
    title_from,
)
from handlers.views.announcements import PRODUCT_START
from handlers.views.common import edit_message
from handlers.views.merchant_streams import (
    EDITABLE,
    ask_field_text,
    ask_new_start_text,
    bad_stream_id_text,
    cancelled_text,
    changed_text,
    confirm_cancel_screen,
    edit_screen,
    ended_text,
    kept_text,
    no_streams_text,
    no_such_stream_text,
    not_scheduled_text,
    nothing_live_text,
    nothing_scheduled_text,
    pin_failed_text,
    pinned_post_keyboard,
    pinned_post_text,
    rescheduled_text,
    stats_heading,
    stream_screen,
    totals_text,
    went_live_text,
    when_text,
)
from handlers.views.newstream import (
    bad_duration_text,
    bad_link_text,
    bad_start_text,
    bad_title_text,
    codes_refused_text,
    start_in_past_text,
)

log = logging.getLogger(__name__)
LISTED = 10


class StreamEdit(StatesGroup):
    """One question about a planned stream (data: stream_id, and field for `value`)."""

    value = State()
    start = State()


def make_router() -> Router:
    router = Router(name="streams")
    router.message.filter(F.chat.type == "private", IsMerchant())
    router.callback_query.filter(IsMerchant())
    router.message.register(cancel_edit, Command("cancel"), StateFilter(StreamEdit))
    router.message.register(list_streams, Command("streams"))
    router.message.register(go_live_by_command, Command("live"))
    router.message.register(end_by_command, Command("end"))
    router.message.register(show_stats, Command("stats"))
    router.callback_query.register(ask_what_to_edit, StreamCb.filter(F.action == "edit"))
    router.callback_query.register(ask_field, StreamCb.filter(F.action == "field"))
    router.message.register(field_given, StreamEdit.value, ANSWER)
    router.callback_query.register(ask_new_start, StreamCb.filter(F.action == "reschedule"))
    router.message.register(new_start_given, StreamEdit.start, ANSWER)
    router.callback_query.register(confirm_cancel, StreamCb.filter(F.action == "cancel"))
    router.callback_query.register(cancel_stream, StreamCb.filter(F.action == "cancel_yes"))
    router.callback_query.register(keep_stream, StreamCb.filter(F.action == "keep"))
    router.callback_query.register(go_live_by_button, StreamCb.filter(F.action == "live"))
    router.callback_query.register(end_by_button, StreamCb.filter(F.action == "end"))
    return router


async def cancel_edit(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(kept_text())


# --- /streams and its buttons --------------------------------------------------------------------------------------


async def list_streams(message: Message, streams: StreamService, shop_timezone: str, locale: str) -> None:
    planned = list(await streams.upcoming(datetime.now(UTC)))[:LISTED]
    if not planned:
        await message.answer(no_streams_text())
        return
    for stream in planned:
        await send(message, stream_screen(stream, shop_timezone, locale))


async def scheduled(query: CallbackQuery, streams: StreamService, stream_id: int) -> Stream | None:
    """The stream a button is about, if it is still scheduled; else the merchant is told why not."""
    stream = await streams.get(stream_id)
    if stream is None:
        await query.answer(no_such_stream_text(), show_alert=True)
        return None
    if stream.status is not StreamStatus.SCHEDULED:
        await query.answer(not_scheduled_text(), show_alert=True)
        return None
    return stream


async def ask_what_to_edit(query: CallbackQuery, callback_data: StreamCb, streams: StreamService) -> None:
    if await scheduled(query, streams, callback_data.stream_id) is None:
        return
    await query.answer()
    if isinstance(query.message, Message):
        await send(query.message, edit_screen(callback_data.stream_id))


async def ask_field(query: CallbackQuery, callback_data: StreamCb, streams: StreamService, state: FSMContext) -> None:
    if callback_data.value not in EDITABLE:
        await query.answer()
        return
    if await scheduled(query, streams, callback_data.stream_id) is None:
        return
    await query.answer()
    await state.set_state(StreamEdit.value)
    await state.set_data({"stream_id": callback_data.stream_id, "field": callback_data.value})
    if isinstance(query.message, Message):
        await query.message.answer(ask_field_text(callback_data.value))


async def field_given(message: Message, state: FSMContext, streams: StreamService, keywords: KeywordService) -> None:
    """The new value of the field asked; a bad one is explained and asked again."""
    data = await state.get_data()
    stream_id, field, text = data["stream_id"], data["field"], (message.text or "").strip()
    try:
        if field == "title":
            title = title_from(text)
            if title is None:
                await message.answer(bad_title_text())
                return
            await streams.edit(stream_id, title=title)
        elif field == "duration":
            duration = duration_from(text)
            if duration is None:
                await message.answer(bad_duration_text())
                return
            await streams.edit(stream_id, duration=duration)
        elif field == "products":
            codes, unknown = await codes_from(text, keywords)
            if unknown or not codes or len(codes) > MAX_PRODUCTS:
                await message.answer(codes_refused_text(codes, unknown))
                return
            await streams.edit(stream_id, product_codes=codes)
        else:
            removed = text.casefold() in {"none", "-"}
            if not removed and not is_web_link(text):
                await message.answer(bad_link_text())
                return
            await streams.edit(stream_id, link=None if removed else text)
    except UnknownProducts as refused:  # the catalogue changed meanwhile
        await message.answer(codes_refused_text([], refused.codes))
        return
    except BadDuration:
        await message.answer(bad_duration_text())
        return
    except StreamError:
        await stream_gone(message, state)
        return
    await state.clear()
    await message.answer(changed_text(stream_id))


async def stream_gone(message: Message, state: FSMContext) -> None:
    """The stream went live, ended or was cancelled while the merchant was typing: the edit ends there."""
    await state.clear()
    await message.answer(not_scheduled_text())


async def ask_new_start(
    query: CallbackQuery, callback_data: StreamCb, streams: StreamService, state: FSMContext
) -> None:
    stream = await scheduled(query, streams, callback_data.stream_id)
    if stream is None:
        return
    await query.answer()
    await state.set_state(StreamEdit.start)
    await state.set_data({"stream_id": stream.stream_id, "zone": stream.timezone})
    if isinstance(query.message, Message):
        await query.message.answer(ask_new_start_text(stream.stream_id, stream.timezone, START_EXAMPLE))


async def new_start_given(message: Message, state: FSMContext, streams: StreamService, locale: str) -> None:
    data = await state.get_data()
    text = message.text or ""
    try:
        starts_at = parse_start(text, data["zone"])
        stream = await streams.reschedule(data["stream_id"], starts_at, datetime.now(UTC))
    except BadStartTime:
        await message.answer(bad_start_text(text, START_EXAMPLE))
        return
    except StartInPast:
        await message.answer(start_in_past_text())
        return
    except StreamError:
        await stream_gone(message, state)
        return
    await state.clear()
    await message.answer(rescheduled_text(stream.stream_id, when_text(stream.starts_at, data["zone"], locale)))


async def confirm_cancel(query: CallbackQuery, callback_data: StreamCb, streams: StreamService, locale: str) -> None:
    stream = await scheduled(query, streams, callback_data.stream_id)
    if stream is None:
        return
    await query.answer()
    if isinstance(query.message, Message):
        await send(query.message, confirm_cancel_screen(stream, locale))


async def cancel_stream(query: CallbackQuery, callback_data: StreamCb, streams: StreamService) -> None:
    if await scheduled(query, streams, callback_data.stream_id) is None:
        return
    await query.answer()
    if isinstance(query.message, Message) and not await edit_message(query.message, None):
        return  # a double tap: the first one cancelled
    try:
        await streams.cancel(callback_data.stream_id, datetime.now(UTC))
    except StreamError:  # it went live meanwhile
        text = not_scheduled_text()
    else:
        text = cancelled_text(callback_data.stream_id)
    if isinstance(query.message, Message):
        await query.message.answer(text)


async def keep_stream(query: CallbackQuery) -> None:
    await query.answer(kept_text())
    if isinstance(query.message, Message):
        await edit_message(query.message, None)


# --- live, stats, end ----------------------------------------------------------------------------------------------


def stream_id_from(command: CommandObject) -> int | bool | None:
    """The stream a command names: its id, None when it names none, False when what it names is not an id."""
    argument = (command.args or "").strip().lstrip("#")
    if not argument:
        return None
    stream_id = typed_id(argument)
    return False if stream_id is None else stream_id


async def go_live_by_command(
    message: Message,
    command: CommandObject,
    bot: Bot,
    streams: StreamService,
    catalogue: CatalogueService,
    keywords: KeywordService,
    buyers: BuyerService,
    i18n: I18n,
    locale: str,
) -> None:
    wanted = stream_id_from(command)
    if wanted is False:
        await message.answer(bad_stream_id_text())
        return
    if wanted is None:
        upcoming = [s for s in await streams.upcoming(datetime.now(UTC)) if s.status is StreamStatus.SCHEDULED]
        if not upcoming:
            await message.answer(nothing_scheduled_text())
            return
        wanted = min(upcoming, key=lambda s: s.starts_at).stream_id
    await go_live(message, int(wanted), bot, streams, catalogue, keywords, buyers, i18n, locale)


async def go_live_by_button(
    query: CallbackQuery,
    callback_data: StreamCb,
    bot: Bot,
    streams: StreamService,
    catalogue: CatalogueService,
    keywords: KeywordService,
    buyers: BuyerService,
    i18n: I18n,
    locale: str,
) -> None:
    if await scheduled(query, streams, callback_data.stream_id) is None:
        return
    await query.answer()
    if isinstance(query.message, Message) and await edit_message(query.message, None):
        await go_live(query.message, callback_data.stream_id, bot, streams, catalogue, keywords, buyers, i18n, locale)


async def go_live(
    message: Message,
    stream_id: int,
    bot: Bot,
    streams: StreamService,
    catalogue: CatalogueService,
    keywords: KeywordService,
    buyers: BuyerService,
    i18n: I18n,
    locale: str,
) -> None:
    existing = await streams.get(stream_id)
    if existing is None:
        await message.answer(no_such_stream_text())
        return
    try:
        stream = await streams.go_live(stream_id, datetime.now(UTC))
    except StreamError:
        await message.answer(not_scheduled_text())
        return
    pinned = False
    if stream.chat_id is not None:
        pinned = await pin_products(bot, stream, streams, catalogue, keywords, i18n, buyers.default_language)
        if not pinned:
            await message.answer(pin_failed_text())
    await message.answer(went_live_text(stream, locale, pinned))


async def pin_products(
    bot: Bot,
    stream: Stream,
    streams: StreamService,
    catalogue: CatalogueService,
    keywords: KeywordService,
    i18n: I18n,
    language: str,
) -> bool:
    """Post the featured products in the stream's chat, in the shop's language, and pin the post; whether it could."""
    assert stream.chat_id is not None
    index = await keywords.index()
    buttons = []
    for code in stream.product_codes:
        indexed = index.get(code)
        if indexed is None:
            continue
        try:
            product = await catalogue.product(indexed.product_id)
        except ProductNotFound:
            continue
        link = await create_start_link(bot, f"{PRODUCT_START}{product.id}")
        buttons.append((f"{product.code} · {product.title_in(language)}", link))
    with i18n.use_locale(language):
        text = pinned_post_text(stream, language)
    try:
        post = await bot.send_message(stream.chat_id, text, reply_markup=pinned_post_keyboard(buttons))
        await bot.pin_chat_message(stream.chat_id, post.message_id, disable_notification=True)
    except (TelegramBadRequest, TelegramForbiddenError) as refused:
        log.warning("could not pin stream %s's products in chat %s: %s", stream.stream_id, stream.chat_id, refused)
        return False
    await streams.set_pinned_post(stream.stream_id, stream.chat_id, post.message_id)
    return True


async def live_or_named(message: Message, command: CommandObject, streams: StreamService) -> Stream | None:
    """The stream /stats or /end is about: the one named, else the live one; None after telling the merchant."""
    wanted = stream_id_from(command)
    if wanted is False:
        await message.answer(bad_stream_id_text())
        return None
    stream = await streams.get(int(wanted)) if wanted is not None else await streams.live_stream()
    if stream is None or stream.status is not StreamStatus.LIVE:
        await message.answer(nothing_live_text())
        return None
    return stream


async def show_stats(message: Message, command: CommandObject, streams: StreamService, locale: str) -> None:
    stream = await live_or_named(message, command, streams)
    if stream is None:
        return
    totals = await streams.totals(stream.stream_id)
    await message.answer(totals_text(totals, locale, stats_heading(stream, locale)))


async def end_by_command(
    message: Message, command: CommandObject, bot: Bot, streams: StreamService, locale: str
) -> None:
    stream = await live_or_named(message, command, streams)
    if stream is not None:
        await end(message, stream, bot, streams, locale)


async def end_by_button(
    query: CallbackQuery, callback_data: StreamCb, bot: Bot, streams: StreamService, locale: str
) -> None:
    stream = await streams.get(callback_data.stream_id)
    if stream is None or stream.status is not StreamStatus.LIVE:
        await query.answer(nothing_live_text(), show_alert=True)
        return
    await query.answer()
    if isinstance(query.message, Message) and await edit_message(query.message, None):
        await end(query.message, stream, bot, streams, locale)


async def end(message: Message, stream: Stream, bot: Bot, streams: StreamService, locale: str) -> None:
    try:
        await streams.end(stream.stream_id, datetime.now(UTC))  # the merchants are told its totals
    except StreamError:
        await message.answer(nothing_live_text())
        return
    if stream.pinned_chat_id is not None and stream.pinned_message_id is not None:
        try:
            await bot.unpin_chat_message(stream.pinned_chat_id, message_id=stream.pinned_message_id)
        except (TelegramBadRequest, TelegramForbiddenError) as refused:
            log.warning("could not unpin stream %s's post: %s", stream.stream_id, refused)
    await message.answer(ended_text(stream.stream_id))
