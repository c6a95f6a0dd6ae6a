"""Wiring, in one place: settings in, services built once, a Dispatcher out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseStorage
from aiogram.types import BotCommand, TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.services.buyers import BuyerService
from bot.services.catalog import CatalogueService
from handlers import get_routers
from handlers.views import command_descriptions
from storage.engine import make_engine, make_sessionmaker
from storage.fsm import DatabaseStorage
from storage.uow import SqlUnitOfWorkFactory

LOCALES = Path(__file__).resolve().parent.parent / "locales"


class TranslationsMissing(RuntimeError):
    """The .mo catalogues were not compiled (`make translations`)."""


class BuyerLocaleMiddleware(I18nMiddleware):
    """Speak the buyer's remembered language, else their app's, else the shop's default; expose it as `locale`."""

    def __init__(self, i18n: I18n, buyers: BuyerService) -> None:
        super().__init__(i18n)
        self.buyers = buyers

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("event_from_user")
        if user is None:
            return self.i18n.default_locale
        return await self.buyers.language_of(user.id, user.language_code)

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
class Application:
    settings: Settings
    engine: AsyncEngine
    dispatcher: Dispatcher
    i18n: I18n
    buyers: BuyerService
    catalogue: CatalogueService

    def make_bot(self) -> Bot:
        session = AiohttpSession(api=TelegramAPIServer.from_base(self.settings.telegram_api_url))
        return Bot(
            token=self.settings.require_token(),
            session=session,
            default=DefaultBotProperties(parse_mode=ParseMode.HTML),
        )

    async def set_commands(self, bot: Bot) -> None:
        """The command menu, in every language the shop speaks."""
        names = ("catalog", "language", "help")
        for language in self.settings.supported_languages:
            with self.i18n.context(), self.i18n.use_locale(language):
                descriptions = command_descriptions()
            commands = [BotCommand(command=name, description=descriptions[name]) for name in names]
            code = None if language == self.settings.default_language else language
            await bot.set_my_commands(commands, language_code=code)

    async def close(self) -> None:
        await self.dispatcher.storage.close()
        await self.engine.dispose()


def load_i18n(settings: Settings) -> I18n:
    i18n = I18n(path=LOCALES, default_locale=settings.default_language, domain="messages")
    missing = [code for code in settings.supported_languages if code != "en" and code not in i18n.locales]
    if missing:
        raise TranslationsMissing(
            f"no compiled translations for {', '.join(missing)} in {LOCALES} (run `make translations`)"
        )
    return i18n


def make_fsm_storage(settings: Settings, engine: AsyncEngine) -> BaseStorage:
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(settings.redis_url)
    return DatabaseStorage(make_sessionmaker(engine))


def build(settings: Settings) -> Application:
    engine = make_engine(settings.database_url)
    uow = SqlUnitOfWorkFactory(make_sessionmaker(engine))
    buyers = BuyerService(
        uow,
        supported_languages=settings.supported_languages,
        default_language=settings.default_language,
        merchant_ids=settings.merchant_ids,
        ops_ids=settings.ops_ids,
    )
    catalogue = CatalogueService(uow, page_size=settings.catalog_page_size)
    i18n = load_i18n(settings)

    dispatcher = Dispatcher(storage=make_fsm_storage(settings, engine), buyers=buyers, catalogue=catalogue)
    for router in get_routers():
        dispatcher.include_router(router)
    BuyerLocaleMiddleware(i18n, buyers).setup(dispatcher)
    return Application(
        settings=settings, engine=engine, dispatcher=dispatcher, i18n=i18n, buyers=buyers, catalogue=catalogue
    )
