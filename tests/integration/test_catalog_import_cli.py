"""`livesell catalog import`: a good file (the demo catalogue included) goes in; a bad one is refused whole, loudly."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.domain.buyer import Buyer
from bot.services.catalog import CatalogueService
from storage.uow import SqlUnitOfWorkFactory
from tests.environment import without_settings
from tests.integration.orders_support import make_shop

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# Every language the shop speaks out of the box but English (its own columns) and pt_BR (which reads the pt ones).
DEMO_TRANSLATIONS = {"de", "fr", "es", "it", "pt", "ru", "zh", "ja", "ko", "tr", "ar"}
# A merchant's own file: word, hyphenated, lowercase and digit-first codes, non-Latin titles, long descriptions.
MERCHANT_CATALOGUE = Path(__file__).resolve().parents[1] / "data" / "merchant_catalog.csv"
HEADER = "code,variant,title,description,price,currency,stock,ships_to,image_url"


async def _livesell(
    database_url: str, cwd: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    settings = without_settings(os.environ)
    settings.update(DATABASE_URL=database_url, COLUMNS="60", **(env or {}))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from bot.cli import main; main()",
        *args,
        cwd=cwd,
        env=settings,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def _codes(service: CatalogueService) -> list[tuple[str, int]]:
    page = await service.page(0, "en")
    return [(item.code, item.total_stock) for item in page.items]


async def test_a_bad_file_exits_1_names_every_bad_line_and_changes_nothing(
    database_url: str, uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    service = CatalogueService(uow_factory, page_size=50)
    await service.import_file(f"{HEADER}\nA12,,Silk scarf,,19.90,EUR,3,*,\nB07,,Linen shirt,,59.90,EUR,7,*,\n")
    before = await _codes(service)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"{HEADER}\n"
        "A12,,Silk scarf,,25.00,EUR,99,*,\n"
        "C03,,Gold hoops,,29.999,EUR,5,*,\n"
        "D02,,Rose oil,,24.90,EUR,5,*,\n"
        "E01,,Mug,,22.00,EUR,lots,*,\n"
        "F02,,Tote,,19.90,EUR,5,DE XX,\n",
        encoding="utf-8",
    )

    status, _out, err = await _livesell(database_url, tmp_path, "catalog", "import", str(bad))

    assert status == 1, err
    assert "refused, nothing was imported" in err
    reported = [line.strip() for line in err.splitlines() if line.startswith(f"  {bad}:")]
    assert [line.removeprefix(f"{bad}:").split(":")[0] for line in reported] == ["3", "5", "6"]
    assert "Traceback" not in err
    assert await _codes(service) == before


async def test_a_missing_file_is_refused_without_a_traceback(database_url: str, tmp_path: Path) -> None:
    status, _out, err = await _livesell(database_url, tmp_path, "catalog", "import", str(tmp_path / "nowhere.csv"))
    assert status == 2
    assert "nowhere.csv" in err
    assert "Traceback" not in err


async def test_the_demo_catalogue_imports_with_translations_and_images(
    database_url: str, uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    status, out, err = await _livesell(database_url, tmp_path, "catalog", "import", str(EXAMPLES / "catalog.csv"))
    assert status == 0, err
    assert "imported catalog.csv" in out

    service = CatalogueService(uow_factory, page_size=50)
    page = await service.page(0, "en")
    assert page.total >= 14
    products = [await service.product(item.id) for item in page.items]
    assert sum(product.has_variants for product in products) >= 4
    assert any(sku.sold_out for product in products for sku in product.skus)
    assert any("*" not in product.ships_to for product in products)
    assert any("*" in product.ships_to for product in products)
    assert {sku.price.currency for product in products for sku in product.skus} == {"EUR"}
    for product in products:
        assert set(product.translations) == DEMO_TRANSLATIONS, product.code
        assert all(title and description for title, description in product.translations.values()), product.code
        for sku in product.skus:
            # Sizes read the same everywhere; every other variant (a colour, a shade) is named in each language.
            if sku.variant not in ("", "S", "M", "L"):
                assert set(sku.names) == set(product.translations), f"{product.code} {sku.variant}"
    images = [Path(product.image_url) for product in products if product.image_url]
    assert len(products) // 2 < len(images) < len(products)
    assert all(image.is_absolute() and image.is_file() for image in images)
    assert all(image.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for image in images)

    again, _out, err = await _livesell(database_url, tmp_path, "catalog", "import", str(EXAMPLES / "catalog.csv"))
    assert again == 0, err
    assert await service.page(0, "en") == page


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1"])
async def test_a_file_that_is_not_utf8_is_refused(database_url: str, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "catalogue.csv"
    path.write_text(f"{HEADER}\nA12,,Écharpe en soie,,19.90,EUR,3,*,\n", encoding=encoding)
    status, _out, err = await _livesell(database_url, tmp_path, "catalog", "import", str(path))
    assert status == 2
    assert "not UTF-8 text" in err


async def test_a_second_import_of_the_same_file_says_nothing_changed_and_a_new_price_names_its_sku(
    database_url: str, tmp_path: Path
) -> None:
    catalogue = tmp_path / "catalogue.csv"
    catalogue.write_text(
        f"{HEADER}\nA12,Ivory,Silk scarf,,39.00,EUR,3,*,\nA12,Navy,,,39.00,EUR,4,,\n", encoding="utf-8"
    )
    first, out, err = await _livesell(database_url, tmp_path, "catalog", "import", str(catalogue))
    assert first == 0, err
    assert "A12 Ivory" in out and "created" in out

    again, out, err = await _livesell(database_url, tmp_path, "catalog", "import", str(catalogue))
    assert again == 0, err
    assert "nothing changed" in out
    assert "A12 Ivory" not in out

    catalogue.write_text(catalogue.read_text(encoding="utf-8").replace("A12,Navy,,,39.00", "A12,Navy,,,35.00"))
    cheaper, out, err = await _livesell(database_url, tmp_path, "catalog", "import", str(catalogue))
    assert cheaper == 0, err
    changed = [line.split() for line in out.splitlines() if line.strip().startswith("A12")]
    assert changed == [["A12", "Navy", "updated", "price"]]


async def test_a_merchants_own_catalogue_imports_and_takes_orders_by_its_codes_and_translated_variants(
    database_url: str, uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    status, out, err = await _livesell(database_url, tmp_path, "catalog", "import", str(MERCHANT_CATALOGUE))
    assert status == 0, err
    assert "imported merchant_catalog.csv" in out

    service = CatalogueService(uow_factory, page_size=50)
    assert [item.code for item in (await service.page(0, "en")).items] == [
        "2024-CAL",
        "DRESS-RED",
        "JACKET-RAIN",
        "MUG",
        "SCARF-SILK",
    ]
    scarf = await service.product_by_code("scarf-silk")
    assert scarf.title_in("ru") == "Шёлковый шарф"
    assert [sku.variant_in("zh") for sku in scarf.skus] == ["象牙白", "藏青"]
    assert [sku.variant_in("it") for sku in scarf.skus] == ["Ivory", "Navy"]
    dress = await service.product_by_code("DRESS-RED")
    assert len(dress.description_in("ru").encode("utf-16-le")) // 2 > 1024
    assert dress.ships_to == {"RU", "DE", "FR", "PL"}

    shop = make_shop(uow_factory)
    async with uow_factory() as unit:
        await unit.buyers.add(Buyer(telegram_id=7, language="de"))
        await unit.commit()
    added = await shop.order_by_keyword(7, "#scarf-silk Elfenbein x2", "de")
    assert (added.line.code, added.line.variant, added.quantity_added) == ("SCARF-SILK", "Elfenbein", 2)
    added = await shop.order_by_keyword(7, "#2024-cal", "de")
    assert (added.line.code, added.line.variant) == ("2024-CAL", "")
    cart = await shop.cart.view(7, "ru")
    assert [(line.code, line.variant) for line in cart.lines] == [("SCARF-SILK", "Слоновая кость"), ("2024-CAL", "")]

    again, out, err = await _livesell(database_url, tmp_path, "catalog", "import", str(MERCHANT_CATALOGUE))
    assert again == 0, err
    assert "nothing changed" in out
