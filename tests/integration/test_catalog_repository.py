"""The catalogue in the database: imports by (code, variant), translations with fallback, retiring not deleting."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from bot.domain.catalog_file import CatalogueFileError, SkuChange
from bot.services.catalog import CatalogueService, ProductNotFound
from storage.engine import make_sessionmaker
from storage.tables import BuyerTable, OrderLineTable, OrderTable, ProductTable, SkuTable
from storage.uow import SqlUnitOfWorkFactory

HEADER = "code,variant,title,description,price,currency,stock,ships_to,image_url,title.de,description.de,title.zh"
FIRST = f"""{HEADER}
A12,S,Silk scarf,Pure silk,19.90,EUR,3,DE FR,,Seidentuch,Reine Seide,真丝方巾
A12,M,,,19.90,EUR,0,,,,,
B07,,Linen shirt,Washed linen,59.90,EUR,7,*,,,,
C03,,Gold hoops,18k plated,29.50,EUR,5,*,,Goldene Creolen,,
"""


@pytest.fixture
def service(uow_factory: SqlUnitOfWorkFactory) -> CatalogueService:
    return CatalogueService(uow_factory, page_size=8)


async def _skus(engine: AsyncEngine) -> dict[tuple[str, str], SkuTable]:
    async with make_sessionmaker(engine)() as session:
        rows = (await session.exec(select(ProductTable.code, SkuTable).join(SkuTable))).all()
    return {(code, sku.variant): sku for code, sku in rows}


async def test_import_then_read_back_a_translated_product(service: CatalogueService) -> None:
    report = await service.import_file(FIRST)
    assert (report.products, len(report.created), report.updated, report.retired) == (3, 4, (), ())
    product = await service.product_by_code("a12")
    assert [(sku.variant, sku.price.amount_minor, sku.stock) for sku in product.skus] == [
        ("S", 1990, 3),
        ("M", 1990, 0),
    ]
    assert product.ships_to == {"DE", "FR"}
    assert product.translations == {"de": ("Seidentuch", "Reine Seide"), "zh": ("真丝方巾", "")}
    assert (product.title_in("zh"), product.description_in("zh")) == ("真丝方巾", "Pure silk")


async def test_page_titles_fall_back_to_the_default_language(service: CatalogueService) -> None:
    await service.import_file(FIRST)
    titles = {language: [item.title for item in (await service.page(0, language)).items] for language in ("de", "fr")}
    assert titles == {
        "de": ["Seidentuch", "Linen shirt", "Goldene Creolen"],
        "fr": ["Silk scarf", "Linen shirt", "Gold hoops"],
    }


async def test_page_lists_active_products_by_code_with_their_total_stock(service: CatalogueService) -> None:
    await service.import_file(FIRST)
    page = await service.page(0, "en")
    assert [(item.code, item.total_stock) for item in page.items] == [("A12", 3), ("B07", 7), ("C03", 5)]
    assert (page.total, page.pages) == (3, 1)


async def test_reimport_updates_price_stock_and_texts_by_code_and_variant(
    service: CatalogueService, engine: AsyncEngine
) -> None:
    await service.import_file(FIRST)
    ids_before = {key: sku.id for key, sku in (await _skus(engine)).items()}
    report = await service.import_file(
        FIRST.replace("A12,S,Silk scarf,Pure silk,19.90,EUR,3", "A12,S,Silk scarf,Mulberry silk,17.50,EUR,9")
        .replace("Seidentuch", "Seidenschal")
        .replace("真丝方巾", "")
    )
    assert (report.created, report.retired, report.unchanged) == ((), (), 2)
    assert report.updated == (
        SkuChange("A12", "S", ("description", "price", "stock", "title.de", "title.zh")),
        SkuChange("A12", "M", ("description", "title.de", "title.zh")),
    )
    assert {key: sku.id for key, sku in (await _skus(engine)).items()} == ids_before
    scarf = await service.product_by_code("A12")
    assert (scarf.skus[0].price.amount_minor, scarf.skus[0].stock, scarf.description) == (1750, 9, "Mulberry silk")
    assert scarf.translations == {"de": ("Seidenschal", "Reine Seide")}


async def test_reimport_retires_missing_sku_and_keeps_its_order_line(
    service: CatalogueService, engine: AsyncEngine
) -> None:
    await service.import_file(FIRST)
    medium = (await _skus(engine))[("A12", "M")]
    sessions = make_sessionmaker(engine)
    async with sessions() as session:
        session.add(BuyerTable(telegram_id=5_000_000_001, language="de"))
        order = OrderTable(buyer_id=5_000_000_001, status="paid", currency="EUR", total_minor=1990)
        session.add(order)
        await session.flush()
        assert order.id is not None and medium.id is not None
        session.add(
            OrderLineTable(order_id=order.id, sku_id=medium.id, quantity=1, unit_price_minor=1990, currency="EUR")
        )
        await session.commit()

    without_m_and_b07 = "\n".join(line for line in FIRST.splitlines() if not line.startswith(("A12,M", "B07")))
    report = await service.import_file(without_m_and_b07)

    assert (report.products, report.created, report.updated, report.unchanged) == (2, (), (), 2)
    assert sorted(change.label for change in report.retired) == ["A12 M", "B07"]
    assert [sku.variant for sku in (await service.product_by_code("A12")).skus] == ["S"]
    with pytest.raises(ProductNotFound):
        await service.product_by_code("B07")
    assert [item.code for item in (await service.page(0, "en")).items] == ["A12", "C03"]
    skus = await _skus(engine)
    assert (skus[("A12", "M")].id, skus[("A12", "M")].active, skus[("B07", "")].active) == (medium.id, False, False)
    async with sessions() as session:
        lines = (await session.exec(select(OrderLineTable))).all()
    assert [(line.sku_id, line.quantity) for line in lines] == [(medium.id, 1)]


async def test_a_retired_sku_listed_again_comes_back_with_its_old_id(
    service: CatalogueService, engine: AsyncEngine
) -> None:
    await service.import_file(FIRST)
    ids_before = {key: sku.id for key, sku in (await _skus(engine)).items()}
    await service.import_file("\n".join(line for line in FIRST.splitlines() if not line.startswith("B07")))
    report = await service.import_file(FIRST)
    assert (report.created, report.updated, report.unchanged) == ((), (), 3)
    assert report.restored == (SkuChange("B07", ""),)
    assert {key: (sku.id, sku.active) for key, sku in (await _skus(engine)).items()} == {
        key: (sku_id, True) for key, sku_id in ids_before.items()
    }
    assert (await service.product_by_code("B07")).title == "Linen shirt"


async def test_retired_products_are_not_found_by_id(service: CatalogueService) -> None:
    await service.import_file(FIRST)
    shirt = await service.product_by_code("B07")
    await service.import_file("\n".join(line for line in FIRST.splitlines() if not line.startswith("B07")))
    with pytest.raises(ProductNotFound):
        await service.product(shirt.id)


async def test_a_bad_file_changes_nothing(service: CatalogueService, engine: AsyncEngine) -> None:
    await service.import_file(FIRST)
    before = {key: (sku.price_minor, sku.stock, sku.active) for key, sku in (await _skus(engine)).items()}
    bad = (
        FIRST.replace("19.90,EUR,3", "25.00,EUR,30")
        + "D02,,Rose oil,,24.999,EUR,3,*,,,,\nE01,,Mug,,22.00,EUR,3,XX,,,,\n"
    )
    with pytest.raises(CatalogueFileError) as caught:
        await service.import_file(bad)
    assert [problem.line for problem in caught.value.problems] == [6, 7]
    assert {key: (sku.price_minor, sku.stock, sku.active) for key, sku in (await _skus(engine)).items()} == before
    async with make_sessionmaker(engine)() as session:
        assert (await session.exec(select(sa.func.count()).select_from(ProductTable))).one() == 3


async def test_an_unchanged_reimport_reports_nothing_changed(service: CatalogueService) -> None:
    await service.import_file(FIRST)
    report = await service.import_file(FIRST)
    assert report.changed_nothing
    assert (report.products, report.unchanged) == (3, 4)


async def test_a_reimport_names_only_the_sku_whose_price_changed(service: CatalogueService) -> None:
    await service.import_file(FIRST)
    report = await service.import_file(
        FIRST.replace("B07,,Linen shirt,Washed linen,59.90", "B07,,Linen shirt,Washed linen,54.90")
    )
    assert report.updated == (SkuChange("B07", "", ("price",)),)
    assert (report.created, report.retired, report.restored, report.unchanged) == ((), (), (), 3)


async def test_units_held_in_a_cart_do_not_make_an_unchanged_stock_look_changed(
    service: CatalogueService, engine: AsyncEngine
) -> None:
    await service.import_file(FIRST)
    small = (await _skus(engine))[("A12", "S")]
    assert small.id is not None
    async with make_sessionmaker(engine)() as session:
        session.add(BuyerTable(telegram_id=5_000_000_002, language="de"))
        cart = OrderTable(buyer_id=5_000_000_002, status="cart", currency="EUR")
        session.add(cart)
        await session.flush()
        assert cart.id is not None
        session.add(
            OrderLineTable(order_id=cart.id, sku_id=small.id, quantity=2, unit_price_minor=1990, currency="EUR")
        )
        await session.exec(sa.update(SkuTable).where(SkuTable.id == small.id).values(stock=1))  # type: ignore[call-overload]
        await session.commit()

    assert (await service.import_file(FIRST)).changed_nothing
    fewer = await service.import_file(
        FIRST.replace("A12,S,Silk scarf,Pure silk,19.90,EUR,3", "A12,S,Silk scarf,Pure silk,19.90,EUR,2")
    )
    assert fewer.updated == (SkuChange("A12", "S", ("stock",)),)
    assert (await service.product_by_code("A12")).skus[0].stock == 0


async def test_variant_names_are_stored_by_language_and_reported_when_they_change(service: CatalogueService) -> None:
    header = "code,variant,title,description,price,currency,stock,ships_to,image_url,variant.de,variant.zh"
    first = f"{header}\nA12,Ivory,Silk scarf,,39.00,EUR,5,*,,Elfenbein,象牙白\nA12,Navy,,,39.00,EUR,4,,,,\n"
    await service.import_file(first)
    scarf = await service.product_by_code("A12")
    assert [(sku.variant_in("de"), sku.variant_in("zh"), sku.variant_in("fr")) for sku in scarf.skus] == [
        ("Elfenbein", "象牙白", "Ivory"),
        ("Navy", "Navy", "Navy"),
    ]
    report = await service.import_file(first.replace(",,,,\n", ",,,Marineblau,\n"))
    assert report.updated == (SkuChange("A12", "Navy", ("variant.de",)),)


def _catalogue(code: str, products: int, price: str) -> str:
    lines = [HEADER]
    for number in range(products):
        translated = f"Tuch {number},,围巾" if number % 2 else ",,"
        lines += [
            f"{code}{number:04d},{variant},Scarf {number},Silk,{price},EUR,{number % 4},*,,{translated}"
            for variant in "SM"
        ]
    return "\n".join(lines) + "\n"


async def test_an_import_takes_as_many_statements_for_a_big_file_as_for_a_small_one(
    service: CatalogueService, engine: AsyncEngine
) -> None:
    """One statement per SKU held the write lock for seconds on a big catalogue: each kind of write is batched."""
    statements: list[str] = []

    def count(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    async def statements_for(text: str) -> int:
        before = len(statements)
        await service.import_file(text)
        return len(statements) - before

    async def imports(code: str, products: int) -> list[int]:
        """Created (retiring the products before), then updated (every price), then unchanged."""
        return [await statements_for(_catalogue(code, products, price)) for price in ("9.90", "9.95", "9.95")]

    await service.import_file(_catalogue("A", 3, "9.90"))
    sa.event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        small = await imports("B", 3)
        big = await imports("C", 60)
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert big == small
