"""CatalogueService over the in-memory fakes: paging, strict pages for buttons, product look-ups, whole-file imports."""

from __future__ import annotations

import pytest

from bot.domain.catalog_file import CatalogueFileError, SkuChange
from bot.services.catalog import CatalogueService, PageNotFound, ProductNotFound
from tests.unit.fakes import FakeShop

HEADER = "code,variant,title,description,price,currency,stock,ships_to,image_url,title.de"


@pytest.fixture
def big_shop() -> FakeShop:
    shop = FakeShop()
    for number in range(500):
        shop.add_product(f"P{number:03d}", translations={"de": (f"Produkt {number}", "")})
    return shop


async def test_500_products_make_63_pages_of_8(big_shop: FakeShop) -> None:
    page = await CatalogueService(big_shop, page_size=8).page(0, "en")
    assert (page.page, page.pages, page.total, len(page.items)) == (0, 63, 500, 8)
    assert [item.code for item in page.items] == [f"P{number:03d}" for number in range(8)]
    assert not page.has_previous
    assert page.has_next


async def test_the_last_page_holds_the_remainder_and_has_no_next(big_shop: FakeShop) -> None:
    page = await CatalogueService(big_shop, page_size=8).page(62, "en", strict=True)
    assert [item.code for item in page.items] == ["P496", "P497", "P498", "P499"]
    assert page.has_previous
    assert not page.has_next


async def test_every_product_appears_on_exactly_one_page(big_shop: FakeShop) -> None:
    service = CatalogueService(big_shop, page_size=8)
    codes = [item.code for number in range(63) for item in (await service.page(number, "en", strict=True)).items]
    assert codes == sorted(set(codes))
    assert len(codes) == 500


@pytest.mark.parametrize("forged", [63, 64, 10_000, -1])
async def test_a_forged_page_number_is_refused_when_strict(big_shop: FakeShop, forged: int) -> None:
    with pytest.raises(PageNotFound):
        await CatalogueService(big_shop, page_size=8).page(forged, "en", strict=True)


@pytest.mark.parametrize(("asked", "shown"), [(99, 62), (-3, 0)])
async def test_an_out_of_range_page_shows_the_nearest_when_not_strict(
    big_shop: FakeShop, asked: int, shown: int
) -> None:
    assert (await CatalogueService(big_shop, page_size=8).page(asked, "en")).page == shown


async def test_page_titles_are_in_the_buyers_language_with_fallback_to_the_default(big_shop: FakeShop) -> None:
    service = CatalogueService(big_shop, page_size=2)
    assert [item.title for item in (await service.page(0, "de")).items] == ["Produkt 0", "Produkt 1"]
    assert [item.title for item in (await service.page(0, "fr")).items] == ["Product P000", "Product P001"]


async def test_an_empty_catalogue_has_one_empty_page() -> None:
    page = await CatalogueService(FakeShop()).page(0, "en", strict=True)
    assert (page.pages, page.total, page.items) == (1, 0, ())
    assert not page.has_next


async def test_a_page_shows_total_stock_of_a_products_variants() -> None:
    shop = FakeShop()
    shop.add_product("A12", variants=[("S", 3), ("M", 0), ("L", 2)])
    (item,) = (await CatalogueService(shop).page(0, "en")).items
    assert item.total_stock == 5


async def test_products_are_found_by_id_and_by_code_in_any_case() -> None:
    shop = FakeShop()
    scarf = shop.add_product("A12", title="Silk scarf")
    service = CatalogueService(shop)
    assert (await service.product(scarf.id)).title == "Silk scarf"
    assert (await service.product_by_code("a12")).id == scarf.id
    with pytest.raises(ProductNotFound):
        await service.product(scarf.id + 1000)
    with pytest.raises(ProductNotFound):
        await service.product_by_code("Z99")


async def test_import_makes_relative_images_absolute_against_the_files_folder() -> None:
    shop = FakeShop()
    text = "\n".join(
        [
            HEADER,
            "A12,,Silk scarf,,19.90,EUR,3,*,images/A12.png,Seidentuch",
            "B07,,Linen shirt,,59.90,EUR,3,*,https://cdn.example.com/b07.png,",
            "C03,,Earrings,,29.50,EUR,3,*,/srv/shop/c03.png,",
            "D02,,Rose oil,,24.90,EUR,3,*,,",
        ]
    )
    report = await CatalogueService(shop).import_file(text, image_base="/data/catalogue")
    assert (report.products, len(report.created), report.updated, report.retired) == (4, 4, (), ())
    images = {code: product.image_url for code, product in shop.data.products.items()}
    assert images == {
        "A12": "/data/catalogue/images/A12.png",
        "B07": "https://cdn.example.com/b07.png",
        "C03": "/srv/shop/c03.png",
        "D02": "",
    }
    assert shop.commits == 1


async def test_reimport_updates_by_code_and_variant_and_retires_what_left_the_file() -> None:
    shop = FakeShop()
    service = CatalogueService(shop)
    await service.import_file(
        f"{HEADER}\nA12,S,Silk scarf,,19.90,EUR,3,*,,\nA12,M,,,19.90,EUR,3,,,\nB07,,Shirt,,9.00,EUR,1,*,,"
    )
    report = await service.import_file(f"{HEADER}\nA12,S,Silk scarf,,17.00,EUR,9,*,,\nA12,L,,,17.00,EUR,2,,,")
    assert report.products == 1
    assert [change.label for change in report.created] == ["A12 L"]
    assert report.updated == (SkuChange("A12", "S", ("price", "stock")),)
    assert sorted(change.label for change in report.retired) == ["A12 M", "B07"]
    scarf = await service.product_by_code("A12")
    assert [(sku.variant, sku.price.amount_minor, sku.stock) for sku in scarf.skus] == [("S", 1700, 9), ("L", 1700, 2)]
    with pytest.raises(ProductNotFound):
        await service.product_by_code("B07")


async def test_only_an_import_that_changed_something_makes_running_bots_reload_their_codes() -> None:
    shop = FakeShop()
    service = CatalogueService(shop)
    catalogue = f"{HEADER}\nMUG,,Mug,,12.00,EUR,5,*,,\nDRESS-RED,M,Dress,,49.00,EUR,2,*,,"
    await service.import_file(catalogue)
    assert shop.data.version == 1
    assert (await service.import_file(catalogue)).changed_nothing
    assert shop.data.version == 1
    await service.import_file(catalogue.replace("DRESS-RED,M", "DRESS-RED,L"))
    assert shop.data.version == 2


async def test_a_bad_file_changes_nothing_and_commits_nothing() -> None:
    shop = FakeShop()
    shop.add_product("A12", title="Silk scarf")
    before = shop.data
    with pytest.raises(CatalogueFileError) as caught:
        await CatalogueService(shop).import_file(f"{HEADER}\nB07,,Shirt,,9.999,EUR,1,*,,\nC03,,Ring,,9.00,EUR,x,*,,")
    assert [problem.line for problem in caught.value.problems] == [2, 3]
    assert shop.data is before
    assert list(shop.data.products) == ["A12"]
    assert shop.commits == 0
