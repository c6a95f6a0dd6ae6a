"""/newstream: a merchant plans a live stream in chat, one question at a time (docs/streams-merchant.md).

Title (and, if they like, the title in other languages), start time in the shop's time zone or one they pick,
duration, featured products, an optional link and channel, then a preview of the announcement in two of the
subscribers' languages to save or drop. /cancel and the Cancel button work at every step and come first; a bad answer
is explained and the same question asked again, with everything given so far kept (in the FSM storage, so a restart
loses nothing either).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from bot.domain.broadcasts import Recipient
from bot.domain.streams import (
    MAX_PRODUCTS,
    BadDuration,
    BadStartTime,
    BadTitle,
    StreamError,
    StreamPlan,
    TooManyProducts,
    UnknownProducts,
    check_duration,
    check_title,
    parse_start,
)
from bot.domain.timezones import is_timezone
from bot.services.buyers import BuyerService
from bot.services.keywords import KeywordService
from bot.services.streams import StreamService
from handlers.callbacks import NewStreamCb
from handlers.merchants import IsMerchant
from handlers.views.announcements import announcement_text
from handlers.views.common import Screen, edit_message
from handlers.views.newstream import (
    ask_channel_screen,
    ask_duration_screen,
    ask_link_screen,
    ask_products_screen,
    ask_start_screen,
    ask_title_in_text,
    ask_title_screen,
    ask_zone_text,
    bad_channel_text,
    bad_duration_text,
    bad_link_text,
    bad_start_text,
    bad_title_text,
    bad_zone_text,
    codes_refused_text,
    more_titles_screen,
    new_stream_cancelled_text,
    preview_heading,
    preview_keyboard,
    saved_text,
    start_in_past_text,
    use_the_buttons_text,
)


class NewStream(StatesGroup):
    """The steps in order; `zone` is a detour from `start` and back, `title_in` one from `more_titles`."""

    title = State()
    more_titles = State()
    title_in = State()
    start = State()
    zone = State()
    duration = State()
    products = State()
    link = State()
    channel = State()
    preview = State()


# A command is not an answer: /cancel is handled first, other commands run and the step waits.
ANSWER = F.text & ~F.text.startswith("/")
CODE_SEPARATORS = re.compile(r"[\s,;]+")
START_EXAMPLE = "2026-12-01 19:00"


def make_router() -> Router:
    router = Router(name="newstream")
    router.message.filter(F.chat.type == "private", IsMerchant())
    router.callback_query.filter(IsMerchant())
    # Cancel first: it works in every step.
    router.message.register(cancel_by_command, Command("cancel"), StateFilter(NewStream))
    router.callback_query.register(cancel_by_button, NewStreamCb.filter(F.action == "cancel"), StateFilter(NewStream))
    router.message.register(begin, Command("newstream"))
    router.message.register(title_given, NewStream.title, ANSWER)
    router.callback_query.register(title_language, NewStream.more_titles, NewStreamCb.filter(F.action == "title"))
    router.message.register(title_in_given, NewStream.title_in, ANSWER)
    router.callback_query.register(titles_done, NewStream.more_titles, NewStreamCb.filter(F.action == "titles_done"))
    router.message.register(start_given, NewStream.start, ANSWER)
    router.callback_query.register(zone_tapped, NewStream.start, NewStreamCb.filter(F.action == "zone"))
    router.message.register(zone_given, NewStream.zone, ANSWER)
    router.message.register(duration_given, NewStream.duration, ANSWER)
    router.message.register(products_given, NewStream.products, ANSWER)
    router.message.register(link_given, NewStream.link, ANSWER)
    router.callback_query.register(link_skipped, NewStream.link, NewStreamCb.filter(F.action == "skip"))
    router.message.register(channel_given, NewStream.channel, ANSWER)
    router.callback_query.register(channel_skipped, NewStream.channel, NewStreamCb.filter(F.action == "skip"))
    router.callback_query.register(save, NewStream.preview, NewStreamCb.filter(F.action == "save"))
    router.message.register(not_an_answer, StateFilter(NewStream.more_titles, NewStream.preview), ANSWER)
    router.callback_query.register(stale_button, NewStreamCb.filter())
    return router


async def send(message: Message, screen: Screen) -> None:
    await message.answer(screen.text, reply_markup=screen.keyboard)


# --- cancel, first: it works in every step -------------------------------------------------------------------------


async def cancel_by_command(message: Message, state: FSMContext) -> None:
    await state.clear()
    await message.answer(new_stream_cancelled_text())


async def cancel_by_button(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.clear()
    if isinstance(query.message, Message):
        await edit_message(query.message, None)
        await query.message.answer(new_stream_cancelled_text())


# --- the steps -----------------------------------------------------------------------------------------------------


async def begin(message: Message, state: FSMContext, shop_timezone: str) -> None:
    await state.clear()
    await state.set_state(NewStream.title)
    await state.set_data({"zone": shop_timezone, "titles": {}})
    await send(message, ask_title_screen())


# --- reading answers (shared with the edits of handlers/streams.py) ------------------------------------------------


def title_from(text: str) -> str | None:
    """A title as typed, spaces tidied; None when the stream rules refuse it."""
    try:
        return check_title(" ".join(text.split()))
    except BadTitle:
        return None


def duration_from(text: str) -> timedelta | None:
    """Whole minutes within the stream rules; None otherwise."""
    typed = text.strip()
    if not typed.isdecimal() or len(typed) > 5:
        return None
    duration = timedelta(minutes=int(typed))
    try:
        check_duration(duration)
    except BadDuration:
        return None
    return duration


async def codes_from(text: str, keywords: KeywordService) -> tuple[list[str], list[str]]:
    """The product codes typed (commas, spaces or semicolons between them), matched in any letter case: those in the
    catalogue as it spells them, each once, and those it lacks as typed."""
    index = await keywords.index()
    typed = list(dict.fromkeys(code for code in CODE_SEPARATORS.split(text) if code))
    found = [product.code for code in typed if (product := index.get(code)) is not None]
    return list(dict.fromkeys(found)), [code for code in typed if index.get(code) is None]


async def title_given(message: Message, state: FSMContext, buyers: BuyerService) -> None:
    title = title_from(message.text or "")
    if title is None:
        await message.answer(bad_title_text())
        return
    await state.update_data(title=title)
    await ask_more_titles(message, state, buyers)


async def ask_more_titles(message: Message, state: FSMContext, buyers: BuyerService) -> None:
    await state.set_state(NewStream.more_titles)
    titles = (await state.get_data()).get("titles", {})
    others = [code for code in buyers.supported_languages if code != buyers.default_language]
    await send(message, more_titles_screen(others, titles))


async def title_language(query: CallbackQuery, callback_data: NewStreamCb, state: FSMContext) -> None:
    await query.answer()
    await state.set_state(NewStream.title_in)
    await state.update_data(title_language=callback_data.value)
    if isinstance(query.message, Message):
        await query.message.answer(ask_title_in_text(callback_data.value))


async def title_in_given(message: Message, state: FSMContext, buyers: BuyerService) -> None:
    title = title_from(message.text or "")
    if title is None:
        await message.answer(bad_title_text())
        return
    data = await state.get_data()
    titles = {**data.get("titles", {}), data["title_language"]: title}
    await state.update_data(titles=titles)
    await ask_more_titles(message, state, buyers)


async def titles_done(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    if isinstance(query.message, Message) and await edit_message(query.message, None):
        await ask_start(query.message, state)


async def ask_start(message: Message, state: FSMContext) -> None:
    await state.set_state(NewStream.start)
    await send(message, ask_start_screen((await state.get_data())["zone"], START_EXAMPLE))


async def start_given(message: Message, state: FSMContext) -> None:
    text = message.text or ""
    try:
        starts_at = parse_start(text, (await state.get_data())["zone"])
    except BadStartTime:
        await message.answer(bad_start_text(text, START_EXAMPLE))
        return
    if starts_at <= datetime.now(UTC):
        await message.answer(start_in_past_text())
        return
    await state.update_data(starts_at=starts_at.isoformat())
    await state.set_state(NewStream.duration)
    await send(message, ask_duration_screen())


async def zone_tapped(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    await state.set_state(NewStream.zone)
    if isinstance(query.message, Message):
        await query.message.answer(ask_zone_text())


async def zone_given(message: Message, state: FSMContext) -> None:
    typed = (message.text or "").strip()
    if not is_timezone(typed):
        await message.answer(bad_zone_text(typed))
        return
    await state.update_data(zone=typed)
    await ask_start(message, state)


async def duration_given(message: Message, state: FSMContext, keywords: KeywordService) -> None:
    duration = duration_from(message.text or "")
    if duration is None:
        await message.answer(bad_duration_text())
        return
    await state.update_data(minutes=int(duration.total_seconds()) // 60)
    await state.set_state(NewStream.products)
    await send(message, ask_products_screen(await products_example(keywords)))


async def products_example(keywords: KeywordService) -> str:
    codes = [product.code for product in (await keywords.index()).products()[:2]]
    return ", ".join(codes) or "A12, B7"


async def products_given(message: Message, state: FSMContext, keywords: KeywordService) -> None:
    codes, unknown = await codes_from(message.text or "", keywords)
    if unknown or not codes or len(codes) > MAX_PRODUCTS:
        await message.answer(codes_refused_text(codes, unknown))
        return
    await state.update_data(codes=codes)
    await state.set_state(NewStream.link)
    await send(message, ask_link_screen())


def is_web_link(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in {"http", "https"} and "." in parts.netloc and " " not in text


async def link_given(message: Message, state: FSMContext) -> None:
    text = (message.text or "").strip()
    if text.casefold() == "skip":
        await ask_channel(message, state, link=None)
        return
    if not is_web_link(text):
        await message.answer(bad_link_text())
        return
    await ask_channel(message, state, link=text)


async def link_skipped(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    if isinstance(query.message, Message) and await edit_message(query.message, None):
        await ask_channel(query.message, state, link=None)


async def ask_channel(message: Message, state: FSMContext, link: str | None) -> None:
    await state.update_data(link=link)
    await state.set_state(NewStream.channel)
    await send(message, ask_channel_screen())


async def channel_given(
    message: Message,
    bot: Bot,
    state: FSMContext,
    streams: StreamService,
    keywords: KeywordService,
    buyers: BuyerService,
    i18n: I18n,
) -> None:
    text = (message.text or "").strip()
    if text.casefold() == "skip":
        await show_preview(message, state, streams, keywords, buyers, i18n, chat_id=None)
        return
    chat_id = await find_chat(bot, text)
    if chat_id is None:
        await message.answer(bad_channel_text(text))
        return
    await show_preview(message, state, streams, keywords, buyers, i18n, chat_id=chat_id)


async def find_chat(bot: Bot, typed: str) -> int | None:
    """The id of a group or channel the bot can see, from its id or @username; None when Telegram knows none."""
    if not (typed.startswith("@") or typed.removeprefix("-").isdecimal()):
        return None
    try:
        chat = await bot.get_chat(typed if typed.startswith("@") else int(typed))
    except (TelegramBadRequest, TelegramForbiddenError):
        return None
    return chat.id if chat.type in {"group", "supergroup", "channel"} else None


async def channel_skipped(
    query: CallbackQuery,
    state: FSMContext,
    streams: StreamService,
    keywords: KeywordService,
    buyers: BuyerService,
    i18n: I18n,
) -> None:
    await query.answer()
    if isinstance(query.message, Message) and await edit_message(query.message, None):
        await show_preview(query.message, state, streams, keywords, buyers, i18n, chat_id=None)


async def show_preview(
    message: Message,
    state: FSMContext,
    streams: StreamService,
    keywords: KeywordService,
    buyers: BuyerService,
    i18n: I18n,
    chat_id: int | None,
) -> None:
    """The first announcement subscribers will get, in the shop's language and in its subscribers' most common other
    one (as the broadcast draws it), then Save or Cancel."""
    await state.update_data(chat_id=chat_id)
    plan = plan_from(await state.get_data(), message.chat.id)
    try:
        view = await streams.preview(plan, datetime.now(UTC))
    except StreamError as refused:
        await refused_at_the_end(message, state, keywords, refused)
        return
    await state.set_state(NewStream.preview)
    languages = await preview_languages(streams, buyers)
    prices = {product.product_id: product.price for product in view.products if product.price is not None}
    texts = [preview_heading(languages)]
    for language in languages:
        with i18n.use_locale(language):
            texts.append(announcement_text(view, Recipient(message.chat.id, language), plan.timezone, prices))
    await message.answer("\n\n".join(texts), reply_markup=preview_keyboard())


def plan_codes(data: dict[str, Any]) -> tuple[str, ...]:
    return tuple(data.get("codes", ()))


def plan_from(data: dict[str, Any], merchant_id: int) -> StreamPlan:
    """The plan the answers so far make (all of them, once the preview is reached)."""
    return StreamPlan(
        title=data["title"],
        starts_at=datetime.fromisoformat(data["starts_at"]),
        duration=timedelta(minutes=data["minutes"]),
        product_codes=plan_codes(data),
        timezone=data["zone"],
        titles=data.get("titles", {}),
        link=data.get("link"),
        chat_id=data.get("chat_id"),
        created_by=merchant_id,
    )


async def refused_at_the_end(message: Message, state: FSMContext, keywords: KeywordService, refused: Exception) -> None:
    """What changed since the step that checked it (the start passed while the merchant read the preview, a product
    left the catalogue): that step is asked again, the rest is kept."""
    if isinstance(refused, UnknownProducts | TooManyProducts):
        unknown = refused.codes if isinstance(refused, UnknownProducts) else []
        await message.answer(codes_refused_text(list(plan_codes(await state.get_data())), unknown))
        await state.set_state(NewStream.products)
        await send(message, ask_products_screen(await products_example(keywords)))
    elif isinstance(refused, BadDuration):
        await message.answer(bad_duration_text())
        await state.set_state(NewStream.duration)
    else:
        await message.answer(start_in_past_text())
        await ask_start(message, state)


async def preview_languages(streams: StreamService, buyers: BuyerService) -> list[str]:
    """The shop's language, and the most common other language among its subscribers (if any speak another)."""
    default = buyers.default_language
    for language in await streams.audience_languages():
        if language != default and language in buyers.supported_languages:
            return [default, language]
    return [default]


async def save(
    query: CallbackQuery, state: FSMContext, streams: StreamService, keywords: KeywordService, locale: str
) -> None:
    await query.answer()
    if not isinstance(query.message, Message) or not await edit_message(query.message, None):
        return  # a double tap: the first one saves
    plan = plan_from(await state.get_data(), query.from_user.id)
    try:
        stream = await streams.plan(plan, datetime.now(UTC))
    except StreamError as refused:
        await refused_at_the_end(query.message, state, keywords, refused)
        return
    await state.clear()
    await query.message.answer(
        saved_text(stream.stream_id, stream.title_in(locale), stream.starts_at, plan.timezone, locale)
    )


async def not_an_answer(message: Message) -> None:
    await message.answer(use_the_buttons_text())


async def stale_button(query: CallbackQuery) -> None:
    """A button of a plan already saved or stopped, or of a step already answered."""
    await query.answer()
