"""Product texts missing in a language are translated once by the model and stored with their source's hash: an
edit brings a new translation, the merchant's own always wins, and without a model the catalogue's text stays."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.adapters.llm import OpenAIModel
from bot.services.catalog import CatalogueService
from bot.services.translations import ProductTranslator
from storage.uow import SqlUnitOfWorkFactory
from tests.openai_server import API_KEY, MODEL, FakeModel, Mode, fake_model

CATALOGUE = """code,variant,title,description,price,currency,stock,ships_to,image_url,title.de,description.de
A12,,Silk scarf,"Pure silk, 90 cm.",39.00,EUR,5,*,,Seidenschal,
"""
EDITED = CATALOGUE.replace("Pure silk, 90 cm.", "Pure silk, 70 cm.")


@pytest.fixture
async def model() -> AsyncIterator[tuple[FakeModel, OpenAIModel]]:
    async with fake_model() as server:
        client = OpenAIModel(API_KEY, MODEL, base_url=server.base_url, timeout=2)
        yield server, client
        await client.close()


async def scarf(uow_factory: SqlUnitOfWorkFactory, catalogue: str = CATALOGUE) -> CatalogueService:
    service = CatalogueService(uow_factory)
    await service.import_file(catalogue)
    return service


async def test_a_missing_language_is_translated_once_and_kept(
    uow_factory: SqlUnitOfWorkFactory, model: tuple[FakeModel, OpenAIModel]
) -> None:
    server, client = model
    catalogue = await scarf(uow_factory)
    product = await catalogue.product_by_code("A12")
    translator = ProductTranslator(uow_factory, client, source_language="en", timeout=2)
    shown = await translator.localize(product, "es")
    assert (shown.title_in("es"), shown.description_in("es")) == ("«es» Silk scarf", "«es» Pure silk, 90 cm.")
    assert len(server.translation_requests()) == 2
    # Another process, later: read from the database, not asked again.
    again = ProductTranslator(uow_factory, client, source_language="en", timeout=2)
    assert (await again.localize(product, "es")).title_in("es") == "«es» Silk scarf"
    assert len(server.translation_requests()) == 2


async def test_the_merchants_own_translation_wins_and_only_the_missing_field_is_translated(
    uow_factory: SqlUnitOfWorkFactory, model: tuple[FakeModel, OpenAIModel]
) -> None:
    server, client = model
    product = await (await scarf(uow_factory)).product_by_code("A12")
    shown = await ProductTranslator(uow_factory, client, source_language="en").localize(product, "de")
    assert shown.title_in("de") == "Seidenschal"
    assert shown.description_in("de") == "«de» Pure silk, 90 cm."
    assert [body["messages"][1]["content"] for body in server.translation_requests()] == ["Pure silk, 90 cm."]


async def test_an_edit_of_the_catalogue_brings_a_new_translation(
    uow_factory: SqlUnitOfWorkFactory, model: tuple[FakeModel, OpenAIModel]
) -> None:
    server, client = model
    translator = ProductTranslator(uow_factory, client, source_language="en")
    before = await (await scarf(uow_factory)).product_by_code("A12")
    await translator.localize(before, "fr")
    after = await (await scarf(uow_factory, EDITED)).product_by_code("A12")
    shown = await translator.localize(after, "fr")
    assert shown.description_in("fr") == "«fr» Pure silk, 70 cm."
    assert shown.title_in("fr") == "«fr» Silk scarf"
    assert len(server.translation_requests()) == 3  # the title's translation still holds


@pytest.mark.parametrize("mode", [Mode.HANG, Mode.ERROR, Mode.GARBAGE])
async def test_a_failing_model_shows_the_catalogues_text_within_the_timeout(
    uow_factory: SqlUnitOfWorkFactory, mode: Mode
) -> None:
    async with fake_model(mode) as server:
        client = OpenAIModel(API_KEY, MODEL, base_url=server.base_url, timeout=0.3)
        product = await (await scarf(uow_factory)).product_by_code("A12")
        shown = await ProductTranslator(uow_factory, client, source_language="en", timeout=0.3).localize(product, "it")
        await client.close()
    assert (shown.title_in("it"), shown.description_in("it")) == ("Silk scarf", "Pure silk, 90 cm.")


async def test_a_translation_that_changes_a_figure_is_not_shown(
    uow_factory: SqlUnitOfWorkFactory, model: tuple[FakeModel, OpenAIModel]
) -> None:
    server, client = model
    server.translations[("Pure silk, 90 cm.", "es")] = "Seda pura, 60 cm."
    product = await (await scarf(uow_factory)).product_by_code("A12")
    shown = await ProductTranslator(uow_factory, client, source_language="en").localize(product, "es")
    assert shown.description_in("es") == "Pure silk, 90 cm."


async def test_without_a_model_the_catalogues_text_is_shown(uow_factory: SqlUnitOfWorkFactory) -> None:
    product = await (await scarf(uow_factory)).product_by_code("A12")
    shown = await ProductTranslator(uow_factory, None, source_language="en").localize(product, "es")
    assert shown == product
