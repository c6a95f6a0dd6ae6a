"""The keyword orders the README shows and the one /help shows are orders the demo shop (examples/catalog.csv) takes."""

from __future__ import annotations

import re
from pathlib import Path

from bot.config import Settings
from bot.domain.catalog_file import parse_catalogue
from bot.domain.keyword import CodeIndex, IndexedProduct, IndexedVariant, read_keyword_order
from bot.services.catalog import CatalogueService
from bot.services.keywords import KeywordService
from tests.unit.fakes import FakeShop

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "catalog.csv"
PREFIXES = Settings.model_fields["keyword_prefixes"].get_default(call_default_factory=True)


def demo_shop() -> tuple[CodeIndex, dict[int, int]]:
    """The demo catalogue as keyword ordering reads it, and each SKU's stock."""
    products, stock, sku_id = [], {}, 0
    for product_id, row in enumerate(parse_catalogue(DEMO.read_text()), 1):
        variants = []
        for sku in row.skus:
            sku_id += 1
            variants.append(IndexedVariant(sku_id, sku.variant))
            stock[sku_id] = sku.stock
        products.append(IndexedProduct(product_id, row.code, tuple(variants)))
    return CodeIndex(products), stock


def inline_code(markdown: str) -> list[str]:
    """The `inline code` spans of a Markdown text, outside fenced blocks."""
    prose = re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)
    return re.findall(r"`([^`\n]+)`", prose)


def test_every_keyword_order_in_the_readme_is_one_the_demo_shop_takes() -> None:
    index, stock = demo_shop()
    orders = []
    for span in inline_code((ROOT / "README.md").read_text()):
        order = read_keyword_order(span, index, PREFIXES, private=False) or read_keyword_order(
            span, index, PREFIXES, private=True
        )
        if order is None:
            continue  # a command, a setting, a file name: not a keyword order
        sku_id, quantity = order.choose(max_quantity=10)  # raises what the buyer would be told instead
        assert stock[sku_id] >= quantity, f"{span!r} is sold out in the demo shop"
        orders.append(span)
    assert len(orders) >= 4, orders


async def test_the_help_example_is_an_order_the_demo_shop_takes() -> None:
    shop = FakeShop()
    await CatalogueService(shop).import_file(DEMO.read_text())
    example = await KeywordService(shop).example()
    assert example is not None
    index, stock = demo_shop()
    order = read_keyword_order(str(example), index, PREFIXES, private=False)
    assert order is not None, str(example)
    sku_id, quantity = order.choose(max_quantity=10)
    assert stock[sku_id] >= quantity
