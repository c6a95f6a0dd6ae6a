from __future__ import annotations

from bot.services.catalog import CatalogueService
from storage.uow import SqlUnitOfWorkFactory

CSV = """code,variant,title,description,price,currency,stock,ships_to,image_url,title.de
A12,S,Silk scarf,Soft,19.90,EUR,3,DE FR,,Seidenschal
A12,M,,,19.90,EUR,0,,,
"""


async def test_import_then_read_back_a_translated_product(uow_factory: SqlUnitOfWorkFactory) -> None:
    service = CatalogueService(uow_factory)
    report = await service.import_file(CSV)
    assert (report.products, report.created) == (1, 2)
    page = await service.page(0, "de")
    assert [item.title for item in page.items] == ["Seidenschal"]
    product = await service.product_by_code("a12")
    assert [(sku.variant, sku.stock) for sku in product.skus] == [("S", 3), ("M", 0)]
