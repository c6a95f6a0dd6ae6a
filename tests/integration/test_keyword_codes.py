"""Keyword codes come from the catalogue, are read without a database round trip per message, and an import made by
another process (its own engine, as the CLI or a second instance) reaches a running bot at its next version check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.services.catalog import CatalogueService
from bot.services.keywords import KeywordService
from storage.engine import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWork, SqlUnitOfWorkFactory

HEADER = "code,variant,title,description,price,currency,stock,ships_to,image_url\n"
FIRST = HEADER + "MUG,,Mug,,9.90,EUR,5,*,\nA12,Ivory,Scarf,,39.00,EUR,3,*,\nA12,Rose,,,39.00,EUR,3,,\n"
SECOND = HEADER + "DRESS-RED,M,Red dress,,89.00,EUR,2,*,\nscarf-silk,Ivory,Silk scarf,,39.00,EUR,3,*,\n"


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingUnits:
    """The bot's unit-of-work factory, counting the units it opens (each one is a database round trip at least)."""

    def __init__(self, units: SqlUnitOfWorkFactory) -> None:
        self.units = units
        self.opened = 0

    def __call__(self) -> SqlUnitOfWork:
        self.opened += 1
        return self.units()


@pytest.fixture
async def other_process(database_url: str) -> AsyncIterator[CatalogueService]:
    """The catalogue import of another process: its own engine on the same database."""
    engine = make_engine(database_url)
    yield CatalogueService(SqlUnitOfWorkFactory(make_sessionmaker(engine)))
    await engine.dispose()


async def test_a_running_bot_sees_another_processes_import_at_its_next_check(
    uow_factory: SqlUnitOfWorkFactory, other_process: CatalogueService
) -> None:
    await other_process.import_file(FIRST)
    clock = FakeClock()
    units = CountingUnits(uow_factory)
    bot = KeywordService(units, check_every=2.0, clock=clock)
    assert await bot.read("mug 2", private=False) is not None

    await other_process.import_file(SECOND)
    assert await bot.read("dress-red m", private=False) is None  # within the check interval: the codes it has
    clock.now += 2.0
    new = await bot.read("dress-red m", private=False)
    assert new is not None and (new.code, new.variant) == ("DRESS-RED", "m")
    assert await bot.read("mug 2", private=False) is None  # retired by the import
    lowercase = await bot.read("SCARF-SILK ivory", private=False)
    assert lowercase is not None and lowercase.product is not None


async def test_messages_between_checks_never_touch_the_database(
    uow_factory: SqlUnitOfWorkFactory, other_process: CatalogueService
) -> None:
    await other_process.import_file(FIRST)
    clock = FakeClock()
    units = CountingUnits(uow_factory)
    bot = KeywordService(units, check_every=2.0, clock=clock)
    await bot.read("hello", private=False)
    loaded = units.opened

    for text in ("mug 2", "A12 Rose", "what a lovely stream", "#A12", "A21 Ivory") * 20:
        await bot.read(text, private=False)
    assert units.opened == loaded

    clock.now += 2.0
    await bot.read("mug 2", private=False)
    assert units.opened == loaded + 1  # the version check, one unit; the codes are not reloaded when it did not move
    assert await bot.refresh() is False


async def test_an_import_in_the_same_process_is_seen_at_the_next_check_too(uow_factory: SqlUnitOfWorkFactory) -> None:
    catalogue = CatalogueService(uow_factory)
    await catalogue.import_file(FIRST)
    clock = FakeClock()
    bot = KeywordService(uow_factory, check_every=2.0, clock=clock)
    assert await bot.read("2024-cal", private=False) is None

    await catalogue.import_file(FIRST + "2024-CAL,,Calendar,,15.00,EUR,9,*,\n")
    clock.now += 2.0
    assert await bot.read("2024-cal", private=False) is not None


async def test_the_example_order_is_a_product_with_variants_in_stock(uow_factory: SqlUnitOfWorkFactory) -> None:
    await CatalogueService(uow_factory).import_file(
        FIRST.replace("A12,Ivory,Scarf,,39.00,EUR,3", "A12,Ivory,Scarf,,39.00,EUR,0")
    )
    example = await KeywordService(uow_factory).example()
    assert example is not None and str(example) == "A12 Rose x2"
