"""Buyers in the database: a language choice outlives the unit of work, the process and the engine."""

from __future__ import annotations

from bot.domain.buyer import Buyer
from bot.services.buyers import BuyerService
from storage.engine import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWorkFactory

LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "ru", "zh"]
BIG_ID = 7_123_456_789  # Telegram ids no longer fit in 32 bits


async def test_a_buyer_reads_back_as_stored(uow_factory: SqlUnitOfWorkFactory) -> None:
    buyer = Buyer(telegram_id=BIG_ID, language="pt", country="BR", currency="BRL", subscribed=True, name="João")
    async with uow_factory() as uow:
        await uow.buyers.add(buyer)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.buyers.get(BIG_ID) == buyer
        assert await uow.buyers.get(BIG_ID + 1) is None


async def test_an_uncommitted_buyer_is_not_stored(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.buyers.add(Buyer(telegram_id=1, language="en"))
    async with uow_factory() as uow:
        assert await uow.buyers.get(1) is None


async def test_chosen_language_is_remembered_after_a_restart(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        service = BuyerService(SqlUnitOfWorkFactory(make_sessionmaker(engine)), LANGUAGES, "en")
        await service.register(BIG_ID, "de-DE", "Anna")
        await service.choose_language(BIG_ID, "zh")
    finally:
        await engine.dispose()

    engine = make_engine(database_url)
    try:
        service = BuyerService(SqlUnitOfWorkFactory(make_sessionmaker(engine)), LANGUAGES, "en")
        assert await service.language_of(BIG_ID, "de") == "zh"
        assert (await service.register(BIG_ID, "fr", "Anna")).language == "zh"
    finally:
        await engine.dispose()


async def test_choosing_a_language_first_registers_the_buyer(uow_factory: SqlUnitOfWorkFactory) -> None:
    service = BuyerService(uow_factory, LANGUAGES, "en")
    await service.choose_language(42, "ru", "Иван")
    async with uow_factory() as uow:
        assert await uow.buyers.get(42) == Buyer(telegram_id=42, language="ru", name="Иван")


async def test_setting_the_language_of_an_unknown_buyer_changes_nothing(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.buyers.set_language(99, "fr")
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.buyers.get(99) is None
