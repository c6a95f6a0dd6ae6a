"""The catalogue CSV contract (bot/domain/catalog_file.py): a file is taken whole, or refused naming every bad line."""

from __future__ import annotations

import pytest

from bot.domain.catalog_file import CatalogueFileError, parse_catalogue, parse_ships_to
from bot.domain.money import Money

HEADER = "code,variant,title,description,price,currency,stock,ships_to,image_url"
GOOD = "A12,,Silk scarf,Soft,19.90,EUR,3,*,"


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"


def problems(text: str) -> list[str]:
    with pytest.raises(CatalogueFileError) as caught:
        parse_catalogue(text)
    return [str(problem) for problem in caught.value.problems]


def test_a_good_file_gives_products_with_their_skus_in_file_order() -> None:
    products = parse_catalogue(
        csv_text(
            "a12,S,Silk scarf,Soft,19.90,EUR,3,DE FR,images/a12.png",
            "A12,M,,,21.00,EUR,0,,",
            "B07,,Linen shirt,Washed linen,59.90,EUR,7,*,https://example.com/b07.png",
        )
    )
    scarf, shirt = products
    assert (scarf.code, scarf.title, scarf.line, scarf.image_url) == ("A12", "Silk scarf", 2, "images/a12.png")
    assert scarf.ships_to == {"DE", "FR"}
    assert [(sku.variant, sku.price, sku.stock, sku.line) for sku in scarf.skus] == [
        ("S", Money(1990, "EUR"), 3, 2),
        ("M", Money(2100, "EUR"), 0, 3),
    ]
    assert (shirt.code, shirt.ships_to, [sku.variant for sku in shirt.skus]) == ("B07", {"*"}, [""])


def test_translation_columns_give_each_language_its_title_and_description() -> None:
    header = HEADER + ",title.de,description.de,title.pt-BR,description.zh"
    (product,) = parse_catalogue(csv_text(GOOD + ",Seidentuch,Weich,Lenço,柔软", header=header))
    assert product.translations == {"de": ("Seidentuch", "Weich"), "pt_BR": ("Lenço", ""), "zh": ("", "柔软")}


def test_empty_translation_cells_add_no_language() -> None:
    (product,) = parse_catalogue(csv_text(GOOD + ",,", header=HEADER + ",title.fr,description.fr"))
    assert product.translations == {}


def test_missing_columns_are_named_on_line_1() -> None:
    header = "code,variant,title,description,price,currency,ships_to"
    assert problems(csv_text("A12,,T,D,1.00,EUR,*", header=header)) == ["line 1: missing columns: stock, image_url"]


@pytest.mark.parametrize("column", ["colour", "notes.de", "title.xx", "title.", "price.de"])
def test_unknown_columns_are_refused(column: str) -> None:
    assert problems(csv_text(GOOD + ",x", header=f"{HEADER},{column}")) == [f"line 1: unknown column {column!r}"]


def test_duplicate_columns_are_refused() -> None:
    header = HEADER + ",title.de,title.de"
    assert problems(csv_text(GOOD + ",a,b", header=header)) == ["line 1: duplicate columns: title.de"]


def test_every_header_problem_is_reported_at_once() -> None:
    header = "code,variant,title,description,price,currency,stock,ships_to,colour,colour"
    assert problems(csv_text("A12,,T,D,1.00,EUR,1,*,red,red", header=header)) == [
        "line 1: missing columns: image_url",
        "line 1: unknown column 'colour'",
        "line 1: unknown column 'colour'",
        "line 1: duplicate columns: colour",
    ]


def test_column_order_does_not_matter_and_names_may_be_padded() -> None:
    header = " image_url,ships_to,stock,currency,price,description,title,variant,code"
    (product,) = parse_catalogue(csv_text(",*,3,EUR,19.90,Soft,Silk scarf,,A12", header=header))
    assert (product.code, product.skus[0].stock) == ("A12", 3)


@pytest.mark.parametrize(
    ("price", "currency", "reason"),
    [
        ("19.999", "EUR", "price: EUR has 2 decimal places, '19.999' has more"),
        ("1500.5", "JPY", "price: JPY has 0 decimal places, '1500.5' has more"),
        ("1.2345", "KWD", "price: KWD has 3 decimal places, '1.2345' has more"),
        ("abc", "EUR", "price: 'abc' is not a number"),
        ("", "EUR", "price: '' is not a number"),
        ("0", "EUR", "price must be above zero"),
        ("-5.00", "EUR", "price must be above zero"),
        ("19.90", "EURO", "currency 'EURO' is not an ISO 4217 code"),
    ],
)
def test_a_price_the_currency_cannot_hold_is_refused(price: str, currency: str, reason: str) -> None:
    assert problems(csv_text(f"A12,,Silk scarf,,{price},{currency},3,*,")) == [f"line 2: {reason}"]


@pytest.mark.parametrize(("price", "currency", "minor"), [("1500", "JPY", 1500), ("12.345", "KWD", 12345)])
def test_prices_are_read_in_the_minor_units_of_their_currency(price: str, currency: str, minor: int) -> None:
    (product,) = parse_catalogue(csv_text(f"A12,,Silk scarf,,{price},{currency},3,*,"))
    assert product.skus[0].price == Money(minor, currency)


@pytest.mark.parametrize("stock", ["-1", "2.5", "lots", "", "1000001"])
def test_stock_must_be_a_whole_number_in_range(stock: str) -> None:
    assert problems(csv_text(f"A12,,Silk scarf,,1.00,EUR,{stock},*,")) == [
        f"line 2: stock {stock!r} must be a whole number from 0 to 1000000"
    ]


def test_the_largest_stock_is_accepted() -> None:
    (product,) = parse_catalogue(csv_text("A12,,Silk scarf,,1.00,EUR,1000000,*,"))
    assert product.skus[0].stock == 1_000_000


@pytest.mark.parametrize(
    ("ships_to", "countries"),
    [("*", {"*"}), ("de fr", {"DE", "FR"}), ("DE,FR;IT", {"DE", "FR", "IT"}), (" US ", {"US"})],
)
def test_ships_to_takes_alpha_2_codes_or_a_star(ships_to: str, countries: set[str]) -> None:
    assert parse_ships_to(ships_to) == countries


@pytest.mark.parametrize(
    ("ships_to", "reason"),
    [
        ("DE XX", "ships_to has unknown country codes: XX"),
        ("DEU", "ships_to has unknown country codes: DEU"),
        ("150", "ships_to has unknown country codes: 150"),
        ("ZZ", "ships_to has unknown country codes: ZZ"),
        ("EU", "ships_to has unknown country codes: EU"),
        ("DE EA UN QO", "ships_to has unknown country codes: EA, UN, QO"),
        ("de UN", "ships_to has unknown country codes: UN"),
        ("* DE", "ships_to has unknown country codes: *"),
        ("", "ships_to is empty (use * for everywhere)"),
    ],
)
def test_unknown_countries_are_refused(ships_to: str, reason: str) -> None:
    assert problems(csv_text(f'A12,,Silk scarf,,1.00,EUR,3,"{ships_to}",')) == [f"line 2: {reason}"]


@pytest.mark.parametrize(
    ("code", "variant", "reason"),
    [
        ("A 12", "", "code 'A 12' must be 1-32 letters, digits, - or _"),
        ("-A12", "", "code '-A12' must be 1-32 letters, digits, - or _"),
        ("A" * 33, "", f"code {'A' * 33!r} must be 1-32 letters, digits, - or _"),
        ("A12", "X" * 33, f"variant {'X' * 33!r} must be at most 32 characters, no commas"),
        ("A12", '"S,M"', "variant 'S,M' must be at most 32 characters, no commas"),
    ],
)
def test_codes_and_variants_must_be_short_and_plain(code: str, variant: str, reason: str) -> None:
    assert problems(csv_text(f"{code},{variant},Silk scarf,,1.00,EUR,3,*,")) == [f"line 2: {reason}"]


def test_a_product_needs_a_title() -> None:
    assert problems(csv_text("A12,,,Soft,1.00,EUR,3,*,")) == ["line 2: title is empty"]


@pytest.mark.parametrize("image", ["ftp://example.com/a.png", "javascript:alert(1)", "data:image/png;base64,xx"])
def test_images_must_be_http_urls_or_file_paths(image: str) -> None:
    assert problems(csv_text(f'A12,,Silk scarf,,1.00,EUR,3,*,"{image}"')) == [
        f"line 2: image_url must be an http(s) URL or a file path, not {image!r}"
    ]


def test_a_row_with_the_wrong_number_of_fields_is_refused() -> None:
    assert problems(csv_text("A12,,Silk scarf,1.00,EUR,3,*,")) == ["line 2: has 8 fields, the header has 9"]


def test_a_repeated_code_and_variant_names_the_first_line() -> None:
    assert problems(csv_text("A12,S,Silk scarf,,1.00,EUR,3,*,", "a12,s,,,1.00,EUR,1,,")) == [
        "line 3: A12 s repeats line 2"
    ]


def test_a_product_cannot_mix_rows_with_and_without_a_variant() -> None:
    assert problems(csv_text("A12,,Silk scarf,,1.00,EUR,3,*,", "A12,S,,,1.00,EUR,1,,")) == [
        "line 3: A12 mixes rows with and without a variant (see line 2)"
    ]


@pytest.mark.parametrize(
    ("second_row", "reason"),
    [
        ("A12,M,Cotton scarf,,1.00,EUR,1,,", "title differs from line 2 for A12"),
        ("A12,M,,Rough,1.00,EUR,1,,", "description differs from line 2 for A12"),
        ("A12,M,,,1.00,EUR,1,,other.png", "image_url differs from line 2 for A12"),
        ("A12,M,,,1.00,EUR,1,DE,", "ships_to differs from line 2 for A12"),
    ],
)
def test_later_rows_of_a_product_cannot_contradict_its_first_row(second_row: str, reason: str) -> None:
    first_row = "A12,S,Silk scarf,Soft,1.00,EUR,3,DE FR,a.png"
    assert problems(csv_text(first_row, second_row)) == [f"line 3: {reason}"]


def test_later_rows_may_repeat_the_shared_fields() -> None:
    (product,) = parse_catalogue(
        csv_text("A12,S,Silk scarf,Soft,1.00,EUR,3,DE FR,a.png", "A12,M,Silk scarf,Soft,1.00,EUR,1,fr de,a.png")
    )
    assert [sku.variant for sku in product.skus] == ["S", "M"]


def test_every_bad_row_is_reported_with_its_line_number_at_once() -> None:
    found = problems(
        csv_text(
            GOOD,
            "B07,,Linen shirt,,59.999,EUR,3,*,",
            "C03,,Earrings,,29.50,EUR,3,*,",
            "D02,,Rose oil,,24.90,EUR,many,*,",
            "E01,,Mug,,22.00,EUR,3,*,",
            "F02,,Tote,,19.90,EUR,3,XX,",
            "G01,,,,19.90,EUR,3,*,",
        )
    )
    assert [problem.split(":")[0] for problem in found] == ["line 3", "line 5", "line 7", "line 8"]


def test_one_row_can_have_several_problems() -> None:
    assert problems(csv_text("A12,,Silk scarf,,abc,EUR,-1,XX,")) == [
        "line 2: price: 'abc' is not a number",
        "line 2: stock '-1' must be a whole number from 0 to 1000000",
        "line 2: ships_to has unknown country codes: XX",
    ]


def test_a_byte_order_mark_from_a_spreadsheet_is_ignored() -> None:
    (product,) = parse_catalogue("\ufeff" + csv_text(GOOD))
    assert product.code == "A12"


def test_blank_lines_are_skipped_and_line_numbers_stay_physical() -> None:
    text = csv_text("", GOOD, "   ,,,,,,,,", "", "B07,,Linen shirt,,1.00,EUR,x,*,")
    assert problems(text) == ["line 6: stock 'x' must be a whole number from 0 to 1000000"]


def test_windows_line_endings_are_read() -> None:
    products = parse_catalogue(csv_text(GOOD, "B07,,Linen shirt,,1.00,EUR,3,*,").replace("\n", "\r\n"))
    assert [product.code for product in products] == ["A12", "B07"]


def test_quoted_fields_may_hold_commas_quotes_and_newlines() -> None:
    (product,) = parse_catalogue(csv_text('A12,,"Scarf, silk","Soft, warm\nand ""light""",19.90,EUR,3,"DE, FR",'))
    assert product.title == "Scarf, silk"
    assert product.description == 'Soft, warm\nand "light"'
    assert product.ships_to == {"DE", "FR"}


def test_a_row_spanning_lines_is_named_by_its_first_line_and_later_lines_stay_exact() -> None:
    text = csv_text('A12,,Silk scarf,"two\nlines",1.00,EUR,x,*,', "B07,,Linen shirt,,1.00,EUR,y,*,")
    assert [problem.split(":")[0] for problem in problems(text)] == ["line 2", "line 4"]


def test_an_empty_file_is_refused() -> None:
    assert problems("") == ["line 1: the file is empty"]


def test_a_header_without_products_is_refused() -> None:
    assert problems(csv_text()) == ["line 2: the file has no products"]


def test_an_unterminated_quote_is_reported_not_raised() -> None:
    found = problems(csv_text(GOOD, 'B07,,"Linen shirt,,1.00,EUR,3,*,'))
    assert found
    assert all(problem.startswith("line ") for problem in found)


VARIANT_HEADER = HEADER + ",variant.de,variant.zh"


def test_variant_columns_name_each_sku_in_each_language() -> None:
    (scarf,) = parse_catalogue(
        csv_text(
            "A12,Ivory,Silk scarf,,39.00,EUR,3,*,,Elfenbein,象牙白",
            "A12,Navy,,,39.00,EUR,4,,,,藏青",
            "A12,Rose,,,39.00,EUR,1,,,,",
            header=VARIANT_HEADER,
        )
    )
    assert [(sku.variant, sku.names) for sku in scarf.skus] == [
        ("Ivory", {"de": "Elfenbein", "zh": "象牙白"}),
        ("Navy", {"zh": "藏青"}),
        ("Rose", {}),
    ]
    assert scarf.translations == {}


def test_a_variant_translation_needs_a_variant() -> None:
    assert problems(csv_text("C03,,Gold hoops,,29.50,EUR,5,*,,Gold,", header=VARIANT_HEADER)) == [
        "line 2: variant.de names a variant, but the row has none"
    ]


def test_a_variant_translation_must_be_short_and_plain() -> None:
    assert problems(csv_text(f"A12,Ivory,Silk scarf,,39.00,EUR,3,*,,{'E' * 33},", header=VARIANT_HEADER)) == [
        f"line 2: variant.de {'E' * 33!r} must be at most 32 characters, no commas"
    ]


@pytest.mark.parametrize(
    ("second_row", "reason"),
    [
        ("A12,Navy,,,39.00,EUR,4,,,elfenbein,", "variant.de 'elfenbein' of A12 Navy is also line 2's"),
        ("A12,Navy,,,39.00,EUR,4,,,Ivory,", "variant.de 'Ivory' of A12 Navy is also line 2's"),
        ("A12,Elfenbein,,,39.00,EUR,4,,,,", "variant 'Elfenbein' of A12 is also a name of line 2's"),
    ],
)
def test_a_translated_variant_name_must_pick_one_sku(second_row: str, reason: str) -> None:
    first = "A12,Ivory,Silk scarf,,39.00,EUR,3,*,,Elfenbein,"
    assert problems(csv_text(first, second_row, header=VARIANT_HEADER)) == [f"line 3: {reason}"]
