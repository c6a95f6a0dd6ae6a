"""KeywordService: the example order /start and /help show, and codes reloaded when the catalogue's version moves."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.services.catalog import CatalogueService
from bot.services.keywords import KeywordService
from tests.unit.fakes import FakeShop

HEADER = "code,variant,title,description,price,currency,stock,ships_to,image_url"


@dataclass
class FakeClock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("rows", "example"),
    [
        ("A12,Ivory,Scarf,,9.00,EUR,0,*,\nA12,Rose,,,9.00,EUR,5,,", "A12 Rose x2"),
        ("MUG,,Mug,,9.00,EUR,1,*,", "MUG x1"),
        ("MUG,,Mug,,9.00,EUR,9,*,\nscarf-silk,Ivory,Scarf,,9.00,EUR,4,*,", "SCARF-SILK Ivory x2"),
        ("OLD,,Sold out,,9.00,EUR,0,*,\ndress-red,,Dress,,9.00,EUR,4,*,", "DRESS-RED x2"),
        ("OLD,,Sold out,,9.00,EUR,0,*,", None),
    ],
)
async def test_the_example_order_is_one_the_catalogue_takes_now(rows: str, example: str | None) -> None:
    shop = FakeShop()
    await CatalogueService(shop).import_file(f"{HEADER}\n{rows}")
    found = await KeywordService(shop).example()
    assert (None if found is None else str(found)) == example


async def test_the_example_order_names_the_variant_in_the_buyers_language_and_is_read_back_as_that_order() -> None:
    shop = FakeShop()
    rows = "A12,Ivory,Scarf,,9.00,EUR,5,*,,Elfenbein\nA12,Rose,,,9.00,EUR,5,,,"
    await CatalogueService(shop).import_file(f"{HEADER},variant.de\n{rows}")
    keywords = KeywordService(shop)
    german = await keywords.example("de")
    assert str(german) == "A12 Elfenbein x2"
    assert str(await keywords.example("fr")) == "A12 Ivory x2"  # no French name: the catalogue's own
    order = await keywords.read(str(german), private=False)
    assert order is not None and order.choose(10, "de") == (order.product.variants[0].sku_id, 2)  # type: ignore[union-attr]


async def test_codes_are_reloaded_only_after_the_check_interval_and_only_when_the_version_moved() -> None:
    shop, clock = FakeShop(), FakeClock()
    catalogue = CatalogueService(shop)
    await catalogue.import_file(f"{HEADER}\nMUG,,Mug,,9.00,EUR,1,*,")
    keywords = KeywordService(shop, check_every=2.0, clock=clock)
    assert await keywords.read("mug 1", private=False) is not None

    await catalogue.import_file(f"{HEADER}\nCAP,,Cap,,9.00,EUR,1,*,")
    clock.now = 1.9
    assert await keywords.read("cap 1", private=False) is None
    clock.now = 2.0
    assert await keywords.read("cap 1", private=False) is not None
    assert await keywords.read("mug 1", private=False) is None
    assert await keywords.refresh() is False


class FailingShop(FakeShop):
    """A database that goes away after the first load."""

    def __init__(self) -> None:
        super().__init__()
        self.away = False

    def __call__(self):  # type: ignore[no-untyped-def]
        if self.away:
            raise ConnectionError("database away")
        return super().__call__()


async def test_a_failed_version_check_keeps_the_codes_loaded() -> None:
    shop, clock = FailingShop(), FakeClock()
    await CatalogueService(shop).import_file(f"{HEADER}\nMUG,,Mug,,9.00,EUR,1,*,")
    keywords = KeywordService(shop, clock=clock)
    assert await keywords.read("mug 1", private=False) is not None
    shop.away, clock.now = True, 10.0
    assert await keywords.read("mug 1", private=False) is not None
