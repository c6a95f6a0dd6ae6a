"""A whole Telegram layer in memory: the real Dispatcher and routers, fake order services, a recording bot."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import Chat, InlineKeyboardMarkup, Message, Update, User
from aiogram.utils.i18n import I18n

from bot.app import LOCALES, make_dispatcher
from bot.domain.catalog import Product
from bot.domain.fx import Rates
from bot.domain.notices import Notice
from bot.ports import FloodGate, Metrics
from bot.services import HandlerServices
from bot.services.buyers import BuyerService
from bot.services.catalog import CatalogueService
from bot.services.currency import CurrencyService
from bot.services.keywords import KeywordService
from bot.services.pricing import Pricing
from bot.services.questions import QuestionService
from bot.services.roles import RoleService
from bot.services.say import NoLiveStream
from handlers.menus import TelegramCommandMenus
from handlers.notifier import TelegramNotifier
from handlers.outbound import OrderAnswers
from handlers.views.questions import answer_renderer
from tests.unit.fake_export import FakeExportService
from tests.unit.fake_services import (
    FakeCartService,
    FakeCheckoutService,
    FakeOrderService,
    FakePaymentService,
    FakeWaitlistService,
    NoInvoices,
    Shop,
)
from tests.unit.fake_streams import FakeStreamReports, FakeStreamService
from tests.unit.fakes import FakeShop
from tests.unit.telegram import Chats, RecordingSession, button_data, buttons, make_bot

LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "pt_BR", "ru", "zh", "ja", "ko", "tr", "ar"]


@dataclass
class ChatHarness:
    bot: Bot
    session: RecordingSession
    dispatcher: Dispatcher
    shop: Shop
    core: FakeShop
    buyers: BuyerService
    streams: FakeStreamService
    stream_reports: FakeStreamReports
    export: FakeExportService
    chats: Chats = field(default_factory=Chats)
    # Orders' answers go out in tasks of their own (handlers/outbound.py): awaited after each update.
    order_answers: OrderAnswers | None = None

    def add_product(self, code: str, variants: dict[str, int], ships_to: str = "*") -> Product:
        """A product both the catalogue (cards) and the fake order services know."""
        product = self.core.add_product(code, f"Shirt {code}", tuple(variants.items()))
        product = replace(product, ships_to=frozenset(ships_to.split()))
        self.core.data.products[code] = product
        return self.shop.add(product)

    async def say(self, user: User, text: str, chat: Chat | None = None) -> list[SendMessage]:
        """Feed a message; the messages the bot sent in answer."""
        before = len(self.session.requests)
        await self.dispatcher.feed_update(self.bot, self.chats.message(user, text, chat))
        await self.answered()
        return [r for r in self.session.requests[before:] if isinstance(r, SendMessage)]

    async def answered(self) -> None:
        """The answers the handlers handed to OrderAnswers are sent."""
        if self.order_answers is not None:
            await self.order_answers.drain()

    async def tap(self, user: User, markup: Any, button: str) -> list[Any]:
        """Tap the first button whose text contains `button` under a message carrying `markup`; the requests it
        caused."""
        matches = [data for text, data in button_data(markup) if button in text]
        assert matches, f"no {button!r} in {buttons(markup)}"
        return await self.tap_data(user, matches[0], markup)

    async def tap_data(
        self, user: User, data: str, markup: InlineKeyboardMarkup | None = None, chat: Chat | None = None
    ) -> list[Any]:
        before = len(self.session.requests)
        await self.feed_taps(self.chats.tap(user, data, markup=markup, chat=chat))
        return self.session.requests[before:]

    async def double_tap(self, user: User, markup: Any, button: str) -> list[Any]:
        """Two quick taps on one button of one message: both reach the bot before it redraws the message."""
        [data, *_] = [data for text, data in button_data(markup) if button in text]
        first = self.chats.tap(user, data, markup=markup)
        assert first.callback_query is not None and first.callback_query.message is not None
        second = self.chats.tap(user, data, markup=markup, message_id=first.callback_query.message.message_id)
        before = len(self.session.requests)
        await self.feed_taps(first, second)
        return self.session.requests[before:]

    async def feed_taps(self, *updates: Update) -> None:
        for update in updates:
            assert update.callback_query is not None and isinstance(update.callback_query.message, Message)
            self.session.show(update.callback_query.message)
        await asyncio.gather(*(self.dispatcher.feed_update(self.bot, update) for update in updates))
        await self.answered()

    def last_reply(self, chat_id: int) -> SendMessage:
        return self.session.sent(SendMessage, chat_id)[-1]

    def alerts(self) -> list[AnswerCallbackQuery]:
        return [r for r in self.session.requests if isinstance(r, AnswerCallbackQuery) and r.text]


@dataclass
class RecordingNotifier:
    """What the core told people outside a reply (merchants' stream notices)."""

    sent: list[Notice] = field(default_factory=list)

    async def send(self, notice: Notice) -> bool:
        self.sent.append(notice)
        return True


class NoHandOffs:
    """No question was handed to the staff: every reply goes on to the other handlers."""

    async def relay(self, chat_id: int, replied_to: int, text: str) -> None:
        return None


class NoStreamToSay:
    async def say(self, merchant_id: int, text: str, language: str) -> None:
        raise NoLiveStream


class StaticRates:
    async def latest(self) -> Rates:
        return Rates(base="EUR", rates={"USD": Decimal("1.08"), "GBP": Decimal("0.85")})


async def featured(streams: FakeStreamService, chat_id: int) -> tuple[str, ...]:
    live = await streams.live_stream(chat_id)
    return live.product_codes if live else ()


def make_chat(
    group_ids: frozenset[int] = frozenset(),
    storage: MemoryStorage | None = None,
    shop: Shop | None = None,
    core: FakeShop | None = None,
    invoices: object = None,
    merchant_ids: tuple[int, ...] = (),
    ops_ids: tuple[int, ...] = (),
    shop_timezone: str = "Europe/Paris",
    flood: FloodGate | None = None,
    metrics: Metrics | None = None,
) -> ChatHarness:
    """A fresh chat layer; pass the storage, shop and core of another to act as the same bot after a restart."""
    bot, session = make_bot()
    shop = shop or Shop()
    core = core or FakeShop()
    buyers = BuyerService(
        core,
        supported_languages=LANGUAGES,
        default_language="en",
        merchant_ids=list(merchant_ids),
        ops_ids=list(ops_ids),
    )
    export = FakeExportService()
    keywords = KeywordService(core, check_every=0, featured=lambda chat_id: featured(streams, chat_id))
    streams = FakeStreamService(keywords.index, core.data.products)
    i18n = I18n(path=LOCALES, default_locale="en", domain="messages")
    pricing = Pricing(StaticRates(), "EUR")
    stream_reports = FakeStreamReports()
    menus = TelegramCommandMenus(i18n, LANGUAGES, "en", bot)
    order_answers = OrderAnswers(0, bot)
    services = HandlerServices(
        buyers=buyers,
        catalogue=CatalogueService(core, pricing=pricing),
        cart=FakeCartService(shop, core=core),
        keywords=keywords,
        waitlist=FakeWaitlistService(shop),
        checkout=FakeCheckoutService(shop),
        orders=FakeOrderService(shop),
        payments=FakePaymentService(shop),
        invoices=invoices or NoInvoices(),
        pricing=pricing,
        currencies=CurrencyService(buyers, pricing),
        shop_currency="EUR",
        max_quantity=10,
        keyword_group_ids=group_ids,
        streams=streams,  # type: ignore[arg-type]
        shop_timezone=shop_timezone,
        hand_offs=NoHandOffs(),  # type: ignore[arg-type]
        say=NoStreamToSay(),  # type: ignore[arg-type]
        questions=QuestionService(core, pricing, languages=LANGUAGES, render=answer_renderer(i18n), check_every=0),
        stream_reports=stream_reports,  # type: ignore[arg-type]
        roles=RoleService(core, buyers, TelegramNotifier(i18n, bot), menus),
        export=export,  # type: ignore[arg-type]
        order_answers=order_answers,
    )
    dispatcher = make_dispatcher(storage or MemoryStorage(), i18n, services, flood, metrics)
    return ChatHarness(
        order_answers=order_answers,
        bot=bot,
        session=session,
        dispatcher=dispatcher,
        shop=shop,
        core=core,
        buyers=buyers,
        streams=streams,
        stream_reports=stream_reports,
        export=export,
    )
