"""Wiring, in one place: settings in, services built once, a Dispatcher out."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramRetryAfter
from aiogram.fsm.storage.base import BaseStorage
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Chat, TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.charts import MatplotlibCharts
from bot.adapters.language_id import LinguaDetector
from bot.adapters.llm import OpenAIModel
from bot.adapters.metrics import PrometheusMetrics
from bot.adapters.rates import FileRatesSource, HttpRatesSource, make_rates_source
from bot.adapters.redis_flood import RedisFloodGate
from bot.adapters.redis_probe import RedisProbe
from bot.adapters.sandbox_payments import SandboxProvider
from bot.adapters.stripe_payments import StripeProvider
from bot.adapters.telegram_outbound import OutboundMiddleware
from bot.adapters.telegram_payments import TelegramInvoiceProvider
from bot.adapters.web import make_web_app, serving
from bot.config import Settings
from bot.domain.broadcasts import BroadcastKind
from bot.domain.export import ExportFormat
from bot.domain.flood import FloodLimit
from bot.domain.invoices import InvoicePricing
from bot.domain.outbound import OutboundLimits
from bot.domain.roles import staff_roles
from bot.domain.stripe import CARD
from bot.domain.stripe import payment_methods as stripe_payment_methods
from bot.instance import gone, instance_name
from bot.ports import (
    BroadcastOpener,
    BroadcastSender,
    CommandMenus,
    FloodGate,
    Metrics,
    NoMetrics,
    Notifier,
    PaymentProvider,
)
from bot.services import HandlerServices
from bot.services.broadcasts import BroadcastService, report_to_merchants
from bot.services.buyers import BuyerService
from bot.services.cart import CartService
from bot.services.catalog import CatalogueService
from bot.services.checkout import CheckoutService
from bot.services.currency import CurrencyService
from bot.services.daily_report import DailyReportService
from bot.services.export import ExportService
from bot.services.flood import MemoryFloodGate
from bot.services.handoff import HandOffService
from bot.services.holds import HoldService
from bot.services.invoices import InvoiceService
from bot.services.job_leases import JobLeases
from bot.services.keywords import KeywordService
from bot.services.orders import OrderService
from bot.services.outbound import OutboundQueue
from bot.services.payments import PaymentService
from bot.services.pricing import Pricing
from bot.services.questions import PaymentMethods, QuestionService
from bot.services.roles import RoleService
from bot.services.say import SayService
from bot.services.stream_reports import StreamReportService
from bot.services.streams import StreamService
from bot.services.translations import ProductTranslator
from bot.services.updates import UpdateClaimService
from bot.services.waitlist import WaitlistService
from handlers import get_routers
from handlers.broadcast_sender import TelegramBroadcastSender
from handlers.documents import TelegramDailyReportSender
from handlers.flood import FloodMiddleware
from handlers.in_flight import InFlight
from handlers.menus import TelegramCommandMenus
from handlers.notifier import TelegramNotifier
from handlers.observe import observe
from handlers.outages import NoteTelegramCalls, OutageTolerantDispatcher, apology
from handlers.outbound import OrderAnswers, ReplyPriority
from handlers.update_claims import UpdateClaims
from handlers.views.announcements import announcement_renderer
from handlers.views.broadcasts import message_renderer
from handlers.views.questions import answer_renderer
from handlers.views.say import say_renderer
from handlers.views.stream_reports import chart_labels
from handlers.webhook import TelegramWebhook
from storage.engine import make_engine, make_lazy_commit_engine, make_sessionmaker
from storage.export import SqlOrderExport
from storage.fsm import DatabaseStorage, RedisConversationStorage
from storage.migrate import ensure_schema
from storage.observed import DatabaseProbe, SqlShopGauges
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)
LOCALES = Path(__file__).resolve().parent.parent / "locales"
HOLD_SWEEP_SECONDS = 5
PAYMENT_SWEEP_SECONDS = 15
# How often a bot looks for broadcasts to send (or resume after a crash); one runs until it is done.
BROADCAST_SWEEP_SECONDS = 2
# Sends a broadcast has waiting for Telegram's answer at once: at 1,000 a second, answers up to 0.4 s late.
BROADCAST_CONCURRENCY = 400
# How often the bot looks for due stream announcements: a reminder goes out at most this late.
ANNOUNCE_SECONDS = 5
# How often the bot looks for ended streams whose report is not out (one ended from the CLI or another process).
STREAM_REPORT_SECONDS = 5
# How often the bot brings staff command menus in line with roles changed elsewhere (the CLI, another process).
MENU_SECONDS = 60
# How often the bot asks whether the daily report is due (and claims it): it goes out at most this late.
DAILY_REPORT_SECONDS = 30
# A job's lease lasts this many of its periods: its holder renews it at every run, so it keeps the job through a missed
# run or two; a holder that died is replaced within that and one more period.
LEASE_PERIODS = 3
# Updates handled at once. A flash sale brings thousands together; unbounded, each would wait for a database
# connection and time out (the pool holds 5 + 10). Beyond the limit they wait in order, without a timeout.
CONCURRENT_UPDATES = 15
# The aiogram release whose internals `filter_inline` and `PinnedResponseModels` rely on, checked against its source.
# requirements.lock pins it; tests/unit/test_aiogram_pin.py fails as soon as the lock or the installed aiogram is
# another, and the bot skips both speed-ups (slower, still right) rather than trust internals nobody has re-checked.
AIOGRAM_CHECKED = "3.31.0"


class WaitOutFloodControl(BaseRequestMiddleware):
    """For the calls the outbound queue does not count (it waits out a 429 on a message itself). Telegram answers a
    call over its rate limits with 429 and `retry_after`: wait that long and send again, so a busy stream slows
    replies down instead of losing them. Sends queued on one chat come through one a second, so
    the bound is time, not a number of tries: a send gives up once it has waited `patience` seconds in all, or when
    Telegram asks for a single wait longer than `longest_wait`."""

    def __init__(
        self,
        patience: float = 600.0,
        longest_wait: float = 120.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.patience = patience
        self.longest_wait = longest_wait
        self.sleep = sleep

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        waited = 0.0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as flood:
                if flood.retry_after > self.longest_wait or waited + flood.retry_after > self.patience:
                    raise
                log.info("flood control on %s: waiting %s s", type(method).__name__, flood.retry_after)
                await self.sleep(flood.retry_after)
                waited += flood.retry_after


class PinnedResponseModels(BaseRequestMiddleware):
    """Keeps each Bot API method's parsed-response model alive for the life of the bot.

    aiogram parses every answer with `Response[method.__returning__]`; pydantic caches parametrised generics weakly,
    so under load the garbage collector kept taking `Response[Message]` and sends built its validation schema anew
    (a twentieth of the bot's CPU in the flash-sale bench). One strong reference per method type ends that.
    """

    def __init__(self) -> None:
        self.models: dict[type[TelegramMethod[Any]], type[Response[Any]]] = {}

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        if type(method) not in self.models:
            self.models[type(method)] = Response[method.__returning__]  # type: ignore[name-defined]
        return await make_request(bot, method)


class TranslationsMissing(RuntimeError):
    """The .mo catalogues were not compiled (`make translations`)."""


class BuyerLocaleMiddleware(I18nMiddleware):
    """Speak the buyer's remembered language, else their app's, else the shop's default; expose it as `locale`."""

    # What handlers may ask for by name besides `HandlerServices` and aiogram's own.
    PROVIDES = ("locale", "i18n", "buyer", "sender_roles")

    def __init__(self, i18n: I18n, buyers: BuyerService) -> None:
        super().__init__(i18n)
        self.buyers = buyers

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return self.i18n.default_locale
        # Everyone who writes is a buyer from their first update on, so no feature has to remember to register
        # them; writing in private also marks them reachable again (after /start, or after unblocking the bot).
        chat: Chat | None = data.get("event_chat")
        started = chat is not None and chat.type == "private"
        buyer, roles = await self.buyers.register_with_roles(
            user.id, user.language_code, user.full_name, started=started, username=user.username
        )
        data["buyer"] = buyer
        # What HasRole asks for every privileged command and button (handlers/access.py), read with the buyer.
        data["sender_roles"] = roles
        return buyer.language

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data["locale"] = await self.get_locale(event, data)
        data["i18n"] = self.i18n
        with self.i18n.context(), self.i18n.use_locale(data["locale"]):
            return await handler(event, data)


@dataclass
class Core:
    """The database and the services that need no chat, built once per process by every entry point (the bot, the
    demo, the CLI) through `build_core`."""

    engine: AsyncEngine
    uow: SqlUnitOfWorkFactory
    rates_source: FileRatesSource | HttpRatesSource
    pricing: Pricing
    buyers: BuyerService
    catalogue: CatalogueService
    export: ExportService
    # The language model (OPENAI_API_KEY), and the product texts it translates; None, None without one.
    model: OpenAIModel | None = None
    translator: ProductTranslator | None = None
    # Engines of their own some parts use (update claims on PostgreSQL), disposed with the core.
    extra_engines: list[AsyncEngine] = field(default_factory=list)

    async def close(self) -> None:
        if isinstance(self.rates_source, HttpRatesSource):
            await self.rates_source.close()
        if self.model is not None:
            await self.model.close()
        for engine in self.extra_engines:
            await engine.dispose()
        await self.engine.dispose()


def build_core(settings: Settings) -> Core:
    engine = make_engine(settings.database_url)
    uow = SqlUnitOfWorkFactory(make_sessionmaker(engine))
    rates_source = make_rates_source(settings.fx_rates_file, settings.fx_rates_url)
    pricing = Pricing(rates_source=rates_source, shop_currency=settings.shop_currency)
    buyers = BuyerService(
        uow,
        supported_languages=settings.supported_languages,
        default_language=settings.default_language,
        merchant_ids=settings.merchant_ids,
        ops_ids=settings.ops_ids,
        shop_timezone=settings.shop_timezone,
    )
    model = language_model(settings)
    translator = None
    if model is not None:
        translator = ProductTranslator(
            uow, model, source_language=settings.default_language, timeout=settings.llm_timeout_seconds
        )
    catalogue = CatalogueService(uow, page_size=settings.catalog_page_size, pricing=pricing, translator=translator)
    export = ExportService(SqlOrderExport(engine), shop_timezone=settings.shop_timezone)
    return Core(
        engine=engine,
        uow=uow,
        rates_source=rates_source,
        pricing=pricing,
        buyers=buyers,
        catalogue=catalogue,
        export=export,
        model=model,
        translator=translator,
    )


@asynccontextmanager
async def open_core(settings: Settings) -> AsyncIterator[Core]:
    """The core on a database at the newest schema (the CLI, the bench; an empty one is made so); closed after."""
    await ensure_schema(settings.database_url)
    core = build_core(settings)
    try:
        yield core
    finally:
        await core.close()


def language_model(settings: Settings) -> OpenAIModel | None:
    """The language model questions and translations use (docs/llm.md); None without OPENAI_API_KEY."""
    key = settings.openai_key()
    if key is None:
        return None
    return OpenAIModel(
        key,
        settings.llm_model,
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout_seconds,
        shop_name=settings.shop_name,
    )


def broadcast_service(
    settings: Settings, core: Core, sender: BroadcastSender | None = None, metrics: Metrics | None = None
) -> BroadcastService:
    """The broadcast service at the configured rate; without a sender (the CLI) it only opens broadcasts."""
    return BroadcastService(
        core.uow,
        sender,
        core.pricing,
        rate=settings.broadcast_messages_per_second,
        paid=settings.paid_broadcast,
        shop_timezone=settings.shop_timezone,
        default_language=settings.default_language,
        concurrency=BROADCAST_CONCURRENCY,
        metrics=metrics,
    )


@dataclass
class Payments:
    """The payment service on the configured provider, and what the web app needs to verify its webhooks."""

    service: PaymentService
    sandbox: SandboxProvider | None = field(repr=False)
    sandbox_secret: str = field(repr=False)
    invoices: InvoiceService = field(repr=False)
    # PAYMENT_PROVIDER=telegram: invoice links need the bot, attached when it is made.
    telegram: TelegramInvoiceProvider | None = field(default=None, repr=False)
    stripe_webhook_secret: str | None = field(default=None, repr=False)


def payment_service(
    settings: Settings,
    uow: SqlUnitOfWorkFactory,
    provider: PaymentProvider,
    notifier: Notifier,
    waitlist: WaitlistService,
) -> PaymentService:
    """The payment service, with the shop's name for receipts and the merchants and ops it tells."""
    return PaymentService(
        uow,
        provider,
        notifier,
        waitlist,
        timeout_minutes=settings.payment_timeout_minutes,
        shop_name=settings.shop_name,
        staff_ids=[*settings.merchant_ids, *settings.ops_ids],
        staff_language=settings.default_language,
        receipt_retry_seconds=settings.payment_receipt_retry_seconds,
    )


def build_payments(
    settings: Settings, uow: SqlUnitOfWorkFactory, notifier: Notifier, waitlist: WaitlistService
) -> Payments:
    """The one place the payment provider is chosen (PAYMENT_PROVIDER)."""
    configured = settings.sandbox_payment_secret
    secret = configured.get_secret_value() if configured and configured.get_secret_value() else secrets.token_hex(32)
    # A provider token pays in the order's currency; without one, Stars at TELEGRAM_STARS_RATES.
    token = settings.telegram_provider_token()
    pricing = InvoicePricing(None if token else settings.telegram_stars_rates)
    if settings.payment_provider == "stripe":
        assert settings.stripe_secret_key is not None and settings.stripe_webhook_secret is not None  # settings check
        stripe = StripeProvider(
            settings.stripe_secret_key.get_secret_value(),
            settings.public_url,
            api_base=settings.stripe_api_base,
            local_methods=settings.stripe_payment_methods,
        )
        service = payment_service(settings, uow, stripe, notifier, waitlist)
        webhook_secret = settings.stripe_webhook_secret.get_secret_value()
        return Payments(
            service=service,
            sandbox=None,
            sandbox_secret=secret,
            invoices=InvoiceService(uow, service, pricing),
            stripe_webhook_secret=webhook_secret,
        )
    sandbox = SandboxProvider(secret, settings.public_url)
    provider: PaymentProvider = sandbox
    telegram = None
    if settings.payment_provider == "telegram":
        provider = telegram = TelegramInvoiceProvider(token, pricing)
    service = payment_service(settings, uow, provider, notifier, waitlist)
    invoices = InvoiceService(uow, service, pricing)
    return Payments(service=service, sandbox=sandbox, sandbox_secret=secret, invoices=invoices, telegram=telegram)


@dataclass
class Application:
    settings: Settings
    core: Core
    dispatcher: Dispatcher
    i18n: I18n
    holds: HoldService
    notifier: TelegramNotifier
    payments: Payments
    streams: StreamService
    stream_reports: StreamReportService
    broadcasts: BroadcastService
    broadcast_sender: TelegramBroadcastSender
    menus: TelegramCommandMenus
    roles: RoleService
    daily_report: DailyReportService
    daily_report_sender: TelegramDailyReportSender
    outbound: OutboundQueue = field(default_factory=lambda: OutboundQueue(OutboundLimits()))
    order_answers: OrderAnswers | None = None
    detector: LinguaDetector | None = None
    flood: MemoryFloodGate | RedisFloodGate | None = None
    broadcaster: Bot | None = None
    metrics: PrometheusMetrics | None = None
    probes: Probes | None = None
    update_claims: UpdateClaimService | None = None
    claims_gate: UpdateClaims | None = None
    webhook: TelegramWebhook | None = None
    leases: JobLeases = field(init=False)

    def __post_init__(self) -> None:
        self.leases = JobLeases(self.core.uow, instance_name())

    def make_bot(self) -> Bot:
        """The bot that polls; notices from the scheduler go out through it too. Broadcasts go out through a Bot of
        their own (`make_broadcaster`), made here too. Every message of both waits its turn in the process's one
        outbound queue (docs/outbound.md)."""
        session = AiohttpSession(api=TelegramAPIServer.from_base(self.settings.telegram_api_url))
        bot = Bot(
            token=self.settings.require_token(),
            session=session,
            default=DefaultBotProperties(parse_mode=ParseMode.HTML),
        )
        bot.session.middleware(WaitOutFloodControl())
        bot.session.middleware(OutboundMiddleware(self.outbound))
        if aiogram_internals_checked("PinnedResponseModels"):
            bot.session.middleware(PinnedResponseModels())
        bot.session.middleware(NoteTelegramCalls())
        self.notifier.attach(bot)
        if self.order_answers is not None:
            self.order_answers.attach(bot)
        self.menus.attach(bot)
        self.daily_report_sender.attach(bot)
        if self.payments.telegram is not None:
            self.payments.telegram.attach(bot)
        self.broadcast_sender.attach(self.make_broadcaster())
        return bot

    def make_broadcaster(self) -> Bot:
        """The Bot broadcasts go out through: its own connections (as many as sends in flight), so a buyer's reply
        never waits for a connection a broadcast holds; its sends wait their turn in the outbound queue behind
        replies and notices (TelegramBroadcastSender asks the queue itself). Closed with the application."""
        if self.broadcaster is None:
            session = AiohttpSession(
                api=TelegramAPIServer.from_base(self.settings.telegram_api_url), limit=BROADCAST_CONCURRENCY
            )
            self.broadcaster = Bot(
                token=self.settings.require_token(),
                session=session,
                default=DefaultBotProperties(parse_mode=ParseMode.HTML),
            )
            self.broadcaster.session.middleware(OutboundMiddleware(self.outbound))
            if aiogram_internals_checked("PinnedResponseModels"):
                self.broadcaster.session.middleware(PinnedResponseModels())
        return self.broadcaster

    async def poll(self, bot: Bot, handle_signals: bool = True, polling_timeout: int = 10) -> None:
        """Long-poll the Bot API until stopped (SIGTERM, SIGINT, or `dispatcher.stop_polling()`). The language
        detector's models load meanwhile, off the event loop, rather than on the first question.

        Stopping is graceful: no new update is taken, the ones in hand are finished (for up to
        SHUTDOWN_GRACE_SECONDS), and Telegram is told they are done. (aiogram confirms a batch of updates only when it
        asks for the next one, so the last batch's are confirmed here; an update of it not yet begun, waiting for a
        free slot, is left unconfirmed and comes again after the restart.)"""
        warm_up = asyncio.create_task(asyncio.to_thread(self.detector.warm_up)) if self.detector else None
        in_flight: InFlight = self.dispatcher.workflow_data["in_flight"]
        try:
            await self.dispatcher.start_polling(
                bot,
                handle_signals=handle_signals,
                close_bot_session=False,
                polling_timeout=polling_timeout,
                tasks_concurrency_limit=CONCURRENT_UPDATES,
            )
            # Every update polling handed over has begun by now (its task ran while polling shut down).
            if not await in_flight.drained(self.settings.shutdown_grace_seconds):
                log.warning(
                    "stopping with %d updates unfinished after %ss",
                    in_flight.count,
                    self.settings.shutdown_grace_seconds,
                )
            elif in_flight.newest is not None:
                await confirm_updates(bot, in_flight.newest)
        finally:
            if self.order_answers is not None:  # the orders' answers still waiting for their turn go out first
                await self.order_answers.drain()
            await bot.session.close()
        if warm_up is not None:
            await warm_up

    async def set_webhook(self, bot: Bot) -> None:
        """Ask Telegram to POST updates to WEBHOOK_URL with WEBHOOK_SECRET (once per start, by one process)."""
        secret = self.settings.webhook_secret
        assert secret is not None  # Settings require it with WEBHOOK_URL
        await bot.set_webhook(
            self.settings.webhook_url,
            secret_token=secret.get_secret_value(),
            allowed_updates=self.dispatcher.resolve_used_update_types(),
            drop_pending_updates=False,
        )
        log.info("Telegram delivers updates to %s", self.settings.webhook_url)

    async def serve_webhook(self, stop: asyncio.Event) -> None:
        """Serve Telegram's updates on the web app (`serve_web` with the bot) until `stop` is set (SIGTERM, SIGINT).

        Stopping is graceful as in `poll`: updates arriving from then on are answered 503 (Telegram delivers them
        again, to another worker or after the restart), the ones in hand are finished for up to
        SHUTDOWN_GRACE_SECONDS, each answered 200 once done."""
        assert self.webhook is not None, "serve_web(bot) first"
        warm_up = asyncio.create_task(asyncio.to_thread(self.detector.warm_up)) if self.detector else None
        in_flight: InFlight = self.dispatcher.workflow_data["in_flight"]
        await stop.wait()
        self.webhook.stop_accepting()
        if not await in_flight.drained(self.settings.shutdown_grace_seconds):
            log.warning(
                "stopping with %d updates unfinished after %ss (the process that gets them again takes them over)",
                in_flight.count,
                self.settings.shutdown_grace_seconds,
            )
        if warm_up is not None:
            await warm_up

    def make_scheduler(self) -> AsyncIOScheduler:
        """Hold reminders and expiry, payment timeouts, due stream announcements and the daily report every few
        seconds; start it with the polling, shut it down after."""
        scheduler = AsyncIOScheduler(timezone=UTC)
        # The shop's jobs: one process at a time runs each, the one holding its lease (bot/services/job_leases.py).
        leased: list[tuple[Callable[[Any], Awaitable[None]], float, object]] = [
            (sweep_holds, HOLD_SWEEP_SECONDS, self.holds),
            (sweep_payments, PAYMENT_SWEEP_SECONDS, self.payments.service),
            (run_broadcasts, BROADCAST_SWEEP_SECONDS, self.broadcasts),
            (announce_streams, ANNOUNCE_SECONDS, self.streams),
            (report_streams, STREAM_REPORT_SECONDS, self.stream_reports),
            (send_daily_report, DAILY_REPORT_SECONDS, self.daily_report),
        ]
        for job, seconds, service in leased:
            # One run at a time per process; runs missed while one was slow collapse into one.
            scheduler.add_job(
                self.leases.run,
                "interval",
                seconds=seconds,
                args=(job.__name__, timedelta(seconds=seconds * LEASE_PERIODS), functools.partial(job, service)),
                id=job.__name__,
                max_instances=1,
                coalesce=True,
            )
        # Every process: it brings its own bot's command menus in line.
        scheduler.add_job(
            follow_roles,
            "interval",
            seconds=MENU_SECONDS,
            args=(self,),
            id="follow_roles",
            max_instances=1,
            coalesce=True,
        )
        return scheduler

    def serve_web(self, bot: Bot | None = None, reuse_port: bool = False) -> AbstractAsyncContextManager[object]:
        """The web app (webhooks, the sandbox payment page, /healthz) on WEB_HOST:WEB_PORT, for the block's life; with
        `bot` in webhook mode, Telegram's updates on the path of WEBHOOK_URL too. `reuse_port`: worker processes
        share the address."""
        payments = self.payments
        telegram = None
        if bot is not None and self.settings.webhook_url:
            secret = self.settings.webhook_secret
            assert secret is not None  # Settings require it with WEBHOOK_URL
            self.webhook = TelegramWebhook(self.dispatcher, bot, secret.get_secret_value(), CONCURRENT_UPDATES)
            if self.claims_gate is not None:
                self.claims_gate.redelivered = True  # Telegram delivers again what is answered 503
            telegram = (self.settings.webhook_path, self.webhook.handle)
        app = make_web_app(
            payments.service,
            payments.sandbox,
            payments.sandbox_secret,
            stripe_secret=payments.stripe_webhook_secret,
            health=self.probes.checks() if self.probes is not None else None,
            metrics=self.metrics,
            exposition=self.metrics.exposition if self.metrics is not None else None,
            telegram=telegram,
        )
        # The grace covers requests still running when the server closes (the updates were drained before).
        return serving(
            app,
            self.settings.web_host,
            self.settings.web_port,
            reuse_port=reuse_port,
            shutdown_timeout=self.settings.shutdown_grace_seconds,
        )

    async def set_commands(self, bot: Bot) -> None:
        """The command menus, in every language the shop speaks: the buyer's for everyone, and in each merchant's and
        ops person's private chat the one of their roles (Telegram picks the chat's own menu over the default one)."""
        self.menus.attach(bot)
        await self.menus.show_everyone()
        await follow_roles(self)

    async def close(self) -> None:
        if self.order_answers is not None:
            await self.order_answers.close()
        await self.leases.release_all()
        if self.broadcaster is not None:
            await self.broadcaster.session.close()

        await self.dispatcher.storage.close()
        if isinstance(self.flood, RedisFloodGate):
            await self.flood.close()
        if self.probes is not None:
            await self.probes.close()
        await self.core.close()


def load_i18n(settings: Settings) -> I18n:
    i18n = I18n(path=LOCALES, default_locale=settings.default_language, domain="messages")
    missing = [code for code in settings.supported_languages if code != "en" and code not in i18n.locales]
    if missing:
        raise TranslationsMissing(
            f"no compiled translations for {', '.join(missing)} in {LOCALES} (run `make translations`)"
        )
    return i18n


def claims_unit_of_work(settings: Settings, core: Core) -> SqlUnitOfWorkFactory:
    """Where update claims are written: on PostgreSQL a small pool of their own whose commits skip the WAL flush (two
    per update; a database crash may cost an update handled twice, no more); on SQLite the core's, whose writers take
    turns (a second engine would meet them at SQLite's lock instead)."""
    if core.engine.dialect.name == "sqlite":
        return core.uow
    engine = make_lazy_commit_engine(settings.database_url, pool_size=CONCURRENT_UPDATES, max_overflow=0)
    core.extra_engines.append(engine)
    return SqlUnitOfWorkFactory(make_sessionmaker(engine))


def make_fsm_storage(settings: Settings, engine: AsyncEngine) -> BaseStorage:
    if settings.redis_url:
        return RedisConversationStorage.connect(settings.redis_url)
    return DatabaseStorage(make_sessionmaker(engine))


def aiogram_internals_checked(speed_up: str) -> bool:
    """Whether the installed aiogram is the release `speed_up` was checked against; if not, say so in the log."""
    installed = version("aiogram")
    if installed == AIOGRAM_CHECKED:
        return True
    log.warning(
        "%s skipped: it relies on internals of aiogram %s, and aiogram %s is installed. The bot works, more slowly. "
        "Re-check it against the new release (tests/unit/test_perf_wiring.py, make bench), then set AIOGRAM_CHECKED "
        "in bot/app.py.",
        speed_up,
        AIOGRAM_CHECKED,
        installed,
    )
    return False


def filter_inline(router: Router) -> None:
    """Run the router tree's synchronous filters (every `F.…`) in the event loop instead of a worker thread.

    aiogram 3.31 hands each synchronous filter to `asyncio.to_thread`: a keyword order passes some fourteen of them on
    its way to its handler, each a thread hop that also fights the event loop for the GIL. Magic filters only read the
    update, so they run inline (in a flash sale: a fifth more orders a second).
    """
    for observer in router.observers.values():
        # `_handler` holds the filters a router puts on all its handlers (`router.message.filter(...)`).
        for handler in (observer._handler, *observer.handlers):
            for event_filter in handler.filters or ():
                if not event_filter.awaitable:
                    event_filter.callback = _awaitable(event_filter.callback)
                    event_filter.awaitable = True
    for child in router.sub_routers:
        filter_inline(child)


def _awaitable(check: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def run(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    return run


async def confirm_updates(bot: Bot, newest: int) -> None:
    """Tell Telegram every update up to `newest` is handled: a getUpdates from the next id confirms the ones before
    it. An update it returns is not handled here, and stays unconfirmed: it comes again after the restart."""
    try:
        await bot.get_updates(offset=newest + 1, limit=1, timeout=0)
    except Exception:
        log.warning("could not confirm the updates handled before stopping", exc_info=True)


def make_flood_gate(settings: Settings) -> MemoryFloodGate | RedisFloodGate | None:
    """Per-person flood control: shared through Redis when instances share one, else per process; None when off."""
    limit = FloodLimit(settings.flood_rate, settings.flood_burst)
    if not limit.enabled:
        return None
    if settings.redis_url:
        return RedisFloodGate.from_url(settings.redis_url, limit)
    return MemoryFloodGate(limit)


def make_dispatcher(
    storage: BaseStorage,
    i18n: I18n,
    services: HandlerServices,
    flood: FloodGate | None = None,
    metrics: Metrics | None = None,
    claims: UpdateClaims | None = None,
) -> Dispatcher:
    """The routers, the log context and metrics, update claims, flood control and the language middleware, and what
    handlers receive by name (`HandlerServices`). An update that meets a database or Redis outage is handled again
    once they are back (handlers/outages.py)."""
    metrics = metrics or NoMetrics()
    dispatcher = OutageTolerantDispatcher(storage=storage, **services.by_name())
    dispatcher.apology = apology(i18n, list(services.buyers.supported_languages), services.buyers.default_language)
    # First on `update`, so a stopping bot knows what it still has in hand (Application.poll).
    in_flight = dispatcher.update.outer_middleware(InFlight())
    dispatcher.workflow_data["in_flight"] = in_flight
    # Next, so every line logged about an update names it, and its time counts all the bot's work on it.
    observe(dispatcher, metrics)
    if claims is not None:
        # Then the claim, so an update handled before costs nothing more, and a stopping bot waits for its claim too.
        dispatcher.update.outer_middleware(claims)
    if flood is not None:
        # On `update`, after aiogram's own middleware that finds the user: a skipped message costs no handler work.
        dispatcher.update.outer_middleware(FloodMiddleware(flood, services.buyers, i18n, metrics))
    # What a handler sends is a reply, unless it says better (an order's confirmation) or worse.
    dispatcher.update.outer_middleware(ReplyPriority())
    for router in get_routers():
        dispatcher.include_router(router)
    if aiogram_internals_checked("filter_inline"):
        filter_inline(dispatcher)
    BuyerLocaleMiddleware(i18n, services.buyers).setup(dispatcher)
    return dispatcher


def stream_service(
    settings: Settings, core: Core, notifier: Notifier, opener: BroadcastOpener | None = None
) -> StreamService:
    """Streams with the reminder offsets, the grace for late ones and the merchants they report to. Without an
    opener (no broadcaster) due announcements wait in the database until one is wired."""
    return StreamService(
        core.uow,
        core.pricing,
        notifier,
        opener,
        offsets=settings.reminders,
        grace=timedelta(minutes=settings.announcement_grace_minutes),
        shop_timezone=settings.shop_timezone,
        merchant_ids=role_service(core).merchants,  # MERCHANT_IDS and those granted the role, asked when told
        staff_language=settings.default_language,
    )


def role_service(core: Core, notifier: Notifier | None = None, menus: CommandMenus | None = None) -> RoleService:
    """Grants and revokes; in the bot, the person is told and their menu follows (the CLI has no chat)."""
    return RoleService(core.uow, core.buyers, notifier, menus)


def payment_methods_for(settings: Settings) -> PaymentMethods:
    """The methods the configured provider offers a buyer (country, currency): Stripe's card and the local methods
    set for the country that take the currency; a bank card with the sandbox and Telegram's own payments."""
    if settings.payment_provider == "stripe":
        local = settings.stripe_payment_methods
        return lambda country, currency: stripe_payment_methods(country, currency, local)
    return lambda country, currency: (CARD,)


def outbound_limits(settings: Settings) -> OutboundLimits:
    """The limits the outbound queue keeps: OUTBOUND_*, and paid broadcasts' own budget when the shop allows them."""
    return OutboundLimits(
        rate=settings.outbound_rate,
        private_burst=settings.outbound_private_burst,
        group_per_minute=settings.outbound_group_per_minute,
        paid_rate=settings.paid_broadcast_rate if settings.paid_broadcast else None,
    )


def build(settings: Settings) -> Application:
    """The bot's application on `build_core`; the database must be migrated already (see `open_application`)."""
    core = build_core(settings)
    uow, pricing, buyers = core.uow, core.pricing, core.buyers
    i18n = load_i18n(settings)
    metrics = PrometheusMetrics(SqlShopGauges(core.engine), multiprocess_dir=metrics_directory())
    outbound = OutboundQueue(outbound_limits(settings))
    order_answers = OrderAnswers(settings.outbound_group_batch_seconds)
    notifier = TelegramNotifier(i18n, on_blocked=buyers.mark_blocked)
    menus = TelegramCommandMenus(i18n, settings.supported_languages, settings.default_language)
    roles = role_service(core, notifier, menus)
    cart = CartService(
        uow,
        pricing,
        hold_minutes=settings.hold_minutes,
        max_quantity=settings.max_quantity,
    )
    waitlist = WaitlistService(
        uow, pricing, notifier, hold_minutes=settings.hold_minutes, max_quantity=settings.max_quantity
    )
    holds = HoldService(uow, pricing, notifier, waitlist, reminder_minutes=settings.hold_reminder_minutes)
    payments = build_payments(settings, uow, notifier, waitlist)
    broadcast_sender = TelegramBroadcastSender(i18n, {}, outbound=outbound)
    broadcasts = broadcast_service(settings, core, broadcast_sender, metrics)
    broadcast_sender.register(BroadcastKind.MESSAGE, message_renderer(broadcasts.message_text))
    broadcasts.on_finished(
        BroadcastKind.MESSAGE, report_to_merchants(notifier, roles.merchants, settings.default_language)
    )
    streams = stream_service(settings, core, notifier, opener=broadcasts)
    broadcasts.on_finished(BroadcastKind.ANNOUNCEMENT, streams.on_broadcast_finished)
    stream_reports = StreamReportService(
        uow,
        pricing,
        MatplotlibCharts(chart_labels(i18n)),
        notifier,
        merchant_ids=roles.merchants,
        staff_language=settings.default_language,
    )
    streams.on_ended(stream_reports.send_due)
    say = SayService(uow, broadcasts, core.model, timeout=settings.llm_timeout_seconds)
    broadcast_sender.register(BroadcastKind.SAY, say_renderer(say.text_in))
    broadcast_sender.register(
        BroadcastKind.ANNOUNCEMENT,
        announcement_renderer(streams, pricing, broadcast_sender.bot_username, settings.shop_timezone),
    )

    async def featured_codes(chat_id: int) -> Sequence[str]:
        """In a group where a stream is live, its products come first among keyword suggestions."""
        live = await streams.live_stream(chat_id)
        return live.product_codes if live is not None else ()

    daily_report_sender = TelegramDailyReportSender(i18n)
    daily_report = DailyReportService(
        uow,
        core.export,
        daily_report_sender,
        chat_id=settings.ops_chat_id,
        timezone=settings.shop_timezone,
        at=settings.daily_report_at,
        fmt=ExportFormat(settings.daily_report_format),
        language=settings.default_language,
    )
    detector = LinguaDetector(settings.supported_languages)
    hand_offs = HandOffService(
        uow,
        notifier,
        notifier,
        staff_chats=[settings.support_chat_id] if settings.support_chat_id is not None else settings.merchant_ids,
        staff_language=settings.default_language,
        model=core.model,
        timeout=settings.llm_timeout_seconds,
    )
    questions = QuestionService(
        uow,
        pricing,
        languages=settings.supported_languages,
        render=answer_renderer(i18n),
        shipping=settings.shipping_table(),
        payment_methods=payment_methods_for(settings),
        detector=detector,
        confidence=settings.question_confidence,
        default_language=settings.default_language,
        model=core.model,
        model_timeout=settings.llm_timeout_seconds,
        hand_off=hand_offs,
        metrics=metrics,
    )
    services = HandlerServices(
        buyers=buyers,
        catalogue=core.catalogue,
        cart=cart,
        keywords=KeywordService(uow, prefixes=settings.keyword_prefixes, featured=featured_codes),
        waitlist=waitlist,
        pricing=pricing,
        currencies=CurrencyService(buyers, pricing),
        checkout=CheckoutService(uow, pricing, shipping=settings.shipping_table()),
        orders=OrderService(uow, pricing),
        payments=payments.service,
        invoices=payments.invoices,
        shop_currency=settings.shop_currency,
        max_quantity=settings.max_quantity,
        keyword_group_ids=frozenset(settings.keyword_group_ids),
        streams=streams,
        shop_timezone=settings.shop_timezone,
        hand_offs=hand_offs,
        say=say,
        questions=questions,
        stream_reports=stream_reports,
        export=core.export,
        roles=roles,
        order_answers=order_answers,
    )
    flood = make_flood_gate(settings)
    update_claims = UpdateClaimService(claims_unit_of_work(settings, core), instance_name(), holder_gone=gone)
    # Polling until `serve_web` serves the webhook: only then is an update busy elsewhere left to Telegram's retry.
    claims = UpdateClaims(update_claims, redelivered=False)
    dispatcher = make_dispatcher(make_fsm_storage(settings, core.engine), i18n, services, flood, metrics, claims)
    return Application(
        settings=settings,
        core=core,
        dispatcher=dispatcher,
        i18n=i18n,
        holds=holds,
        notifier=notifier,
        payments=payments,
        broadcasts=broadcasts,
        broadcast_sender=broadcast_sender,
        streams=streams,
        stream_reports=stream_reports,
        menus=menus,
        roles=roles,
        daily_report=daily_report,
        daily_report_sender=daily_report_sender,
        outbound=outbound,
        order_answers=order_answers,
        detector=detector,
        flood=flood,
        metrics=metrics,
        probes=Probes.of(settings),
        update_claims=update_claims,
        claims_gate=claims,
    )


def metrics_directory() -> str | None:
    """Where worker processes share their counts (prometheus_client's PROMETHEUS_MULTIPROC_DIR, set by `livesell run
    --workers N` for its workers); None in a single process."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


@dataclass
class Probes:
    """What /healthz asks: the database always, Redis when the bot uses one. Each on a connection of its own."""

    database: DatabaseProbe
    redis: RedisProbe | None = None

    @classmethod
    def of(cls, settings: Settings) -> Probes:
        return cls(DatabaseProbe(settings.database_url), RedisProbe(settings.redis_url) if settings.redis_url else None)

    def checks(self) -> dict[str, Callable[[], Awaitable[None]]]:
        found: dict[str, Callable[[], Awaitable[None]]] = {"database": self.database.ping}
        if self.redis is not None:
            found["redis"] = self.redis.ping
        return found

    async def close(self) -> None:
        await self.database.close()
        if self.redis is not None:
            await self.redis.close()


@asynccontextmanager
async def open_application(settings: Settings, check_schema: bool = True) -> AsyncIterator[Application]:
    """Check the database's schema (an empty one is made at the newest; one behind is refused, see
    `ensure_schema`), build the application, and close it after: how `livesell run` starts. A worker process of
    `livesell run --workers N` skips the check: its parent made it once for all."""
    if check_schema:
        await ensure_schema(settings.database_url)
    application = build(settings)
    try:
        yield application
    finally:
        await application.close()


async def follow_roles(application: Application) -> None:
    """Show each merchant and ops person the menu of their roles (changed in the CLI or by another process too)."""
    await application.menus.follow(staff_roles(await application.roles.staff()))


async def sweep_payments(payments: PaymentService) -> None:
    """Expire the orders not paid in time (their units go back, waitlists first)."""
    await payments.expire_due(datetime.now(UTC))


async def run_broadcasts(broadcasts: BroadcastService) -> None:
    """Send the broadcasts due (and resume any a crash stopped); report those finished."""
    await broadcasts.run_pending()


async def announce_streams(streams: StreamService) -> None:
    """Open the broadcasts of the stream announcements due now (each claimed by one process only)."""
    await streams.announce_due(datetime.now(UTC))


async def report_streams(stream_reports: StreamReportService) -> None:
    """Send the merchants the chart of each stream that ended lately, once across processes."""
    await stream_reports.send_due(datetime.now(UTC))


async def send_daily_report(reports: DailyReportService) -> None:
    """Send yesterday's orders to the ops chat once the report time has passed (one process claims each day)."""
    await reports.run_due(datetime.now(UTC))


async def sweep_holds(holds: HoldService) -> None:
    """Remind buyers whose holds end soon, then release the ended ones (and offer them to waitlists).

    A failed reminder round must not keep stock on hold: expiry runs anyway; the scheduler logs the failure."""
    now = datetime.now(UTC)
    try:
        await holds.remind_due(now)
    finally:
        await holds.expire_due(now)
