"""Reading keyword orders against a catalogue whose codes are words, hyphenated, lowercase, digits first and A12."""

from __future__ import annotations

import pytest

from bot.domain.keyword import (
    BadQuantity,
    CodeIndex,
    IndexedProduct,
    IndexedVariant,
    KeywordOrder,
    Suggestion,
    UnknownCode,
    UnknownVariant,
    VariantNeeded,
    closest_codes,
    read_keyword_order,
)

PREFIXES = ["#", "sold", "buy"]


def catalogue(products: dict[str, list[str]]) -> CodeIndex:
    """Products by code with their variants ([""] for one without); ids in order, SKU ids from 100."""
    indexed, sku_id = [], 100
    for product_id, (code, names) in enumerate(products.items(), 1):
        variants = []
        for name in names:
            variants.append(IndexedVariant(sku_id, name))
            sku_id += 1
        indexed.append(IndexedProduct(product_id, code, tuple(variants)))
    return CodeIndex(indexed)


SHOP = catalogue(
    {
        "MUG": [""],
        "DRESS-RED": ["S", "M", "L"],
        "SCARF-SILK": ["Ivory", "Rose"],
        "2024-CAL": [""],
        "A12": ["Ivory", "Rose", "Navy"],
        "JACKET-RAIN": ["M", "L"],
        "SHOE": ["41", "42", "dark blue"],
        "OK": [""],
        "SOLD": [""],
    }
)


def order_in(text: str, private: bool = True) -> tuple[str, str | None, int] | None:
    """(code, variant as typed, quantity) of what the text orders, None when it is no order."""
    read = read_keyword_order(text, SHOP, PREFIXES, private)
    if read is None:
        return None
    return read.code, read.variant, read.quantity


@pytest.mark.parametrize("private", [True, False], ids=["private", "group"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DRESS-RED M", ("DRESS-RED", "M", 1)),
        ("dress-red m x2", ("DRESS-RED", "m", 2)),
        ("MUG 2", ("MUG", None, 2)),
        ("sold mug x3", ("MUG", None, 3)),
        ("Mug*2", ("MUG", None, 2)),
        ("#mug", ("MUG", None, 1)),
        ("JACKET-RAIN L x2", ("JACKET-RAIN", "L", 2)),
        ("scarf-silk rose", ("SCARF-SILK", "rose", 1)),
        ("scarf-silk", ("SCARF-SILK", None, 1)),
        ("2024-cal", ("2024-CAL", None, 1)),
        ("2024-CAL x 3", ("2024-CAL", None, 3)),
        ("A12 Ivory x2", ("A12", "Ivory", 2)),
        ("a12 rose 2", ("A12", "rose", 2)),
        ("A12 Navy ×2", ("A12", "Navy", 2)),
        ("A12 Navy*2", ("A12", "Navy", 2)),
        ("A12 navy 2x", ("A12", "navy", 2)),
        ("#A12", ("A12", None, 1)),
        ("# a12 Rose", ("A12", "Rose", 1)),
        ("  a12   rose  x2 ", ("A12", "rose", 2)),
        ("shoe 42", ("SHOE", "42", 1)),
        ("shoe dark blue x2", ("SHOE", "dark blue", 2)),
        ("sold 2", ("SOLD", None, 2)),
    ],
)
def test_codes_of_any_shape_are_read_in_any_letter_case(
    text: str, expected: tuple[str, str | None, int], private: bool
) -> None:
    assert order_in(text, private) == expected


@pytest.mark.parametrize("private", [True, False], ids=["private", "group"])
@pytest.mark.parametrize(
    "text",
    ["hello", "hello there", "A12?", "what is A12", "sold out", "buy now", "2", "", "   ", "#", "buy", "I love it ❤️"],
)
def test_ordinary_talk_is_not_an_order(text: str, private: bool) -> None:
    assert order_in(text, private) is None


@pytest.mark.parametrize(
    "text", ["mug is nice", "ok thanks", "Ok so what", "a12 is lovely", "dress-red looks great on you", "sold out"]
)
def test_in_a_group_a_code_followed_by_talk_is_talk(text: str) -> None:
    assert order_in(text, private=False) is None


@pytest.mark.parametrize("private", [True, False], ids=["private", "group"])
@pytest.mark.parametrize(
    ("text", "code"),
    [("mug", "MUG"), ("MUG", "MUG"), ("ok", "OK"), ("#ok", "OK"), ("ok 2", "OK"), ("sold mug", "MUG"), ("A12", "A12")],
)
def test_a_code_alone_is_an_order_whatever_its_shape(text: str, code: str, private: bool) -> None:
    read = order_in(text, private)
    assert read is not None and read[0] == code


def chosen(text: str, private: bool = True, max_quantity: int = 10) -> tuple[int, int]:
    read = read_keyword_order(text, SHOP, PREFIXES, private)
    assert read is not None, text
    return read.choose(max_quantity)


@pytest.mark.parametrize("private", [True, False], ids=["private", "group"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A12 2 Ivory", ("A12", "Ivory", 2)),
        ("a12 x3 rose", ("A12", "rose", 3)),
        ("shoe 2 dark blue", ("SHOE", "dark blue", 2)),
    ],
)
def test_a_quantity_said_before_a_variant_of_the_product_counts(
    text: str, expected: tuple[str, str, int], private: bool
) -> None:
    assert order_in(text, private) == expected


def test_a_number_before_words_that_name_no_variant_is_no_order_in_a_group() -> None:
    assert order_in("mug 2 is nice", private=False) is None
    assert order_in("shoe 42", private=False) == ("SHOE", "42", 1)  # a size, not 42 pairs


def test_an_order_chooses_the_sku_it_names() -> None:
    assert chosen("a12 rose x2") == (SHOP.get("A12").variants[1].sku_id, 2)  # type: ignore[union-attr]
    assert chosen("MUG 3") == (SHOP.get("MUG").variants[0].sku_id, 3)  # type: ignore[union-attr]


def test_a_code_without_the_variant_it_needs_offers_its_variants() -> None:
    with pytest.raises(VariantNeeded) as needed:
        chosen("scarf-silk x2")
    assert needed.value.variants == ["Ivory", "Rose"]
    assert needed.value.quantity == 2
    assert [variant.sku_id for variant in needed.value.product.variants] == [
        variant.sku_id
        for variant in SHOP.get("SCARF-SILK").variants  # type: ignore[union-attr]
    ]


def test_an_unknown_variant_is_answered_in_private_and_after_a_prefix_but_is_talk_in_a_group() -> None:
    with pytest.raises(UnknownVariant) as wrong:
        chosen("A12 XXL")
    assert (wrong.value.code, wrong.value.variant, wrong.value.variants) == ("A12", "XXL", ["Ivory", "Rose", "Navy"])
    with pytest.raises(UnknownVariant):
        chosen("#A12 XXL", private=False)
    assert order_in("A12 XXL", private=False) is None


@pytest.mark.parametrize(
    ("text", "quantity"),
    [("A12 Ivory x1000", 1000), ("A12 Rose x-3", -3), ("A12 Ivory x0", 0), ("mug 11", 11), ("mug x99999999999", 10**7)],
)
def test_a_bad_quantity_is_refused_as_a_quantity_with_the_limit(text: str, quantity: int) -> None:
    for private in (True, False):
        with pytest.raises(BadQuantity) as bad:
            chosen(text, private)
        assert (bad.value.quantity, bad.value.maximum) == (quantity, 10)


def test_the_limit_is_the_smaller_of_max_quantity_and_the_parsers_maximum() -> None:
    with pytest.raises(BadQuantity) as bad:
        chosen("mug 1000", max_quantity=5000)
    assert bad.value.maximum == 999
    with pytest.raises(BadQuantity) as bad:
        chosen("mug 2", max_quantity=1)
    assert bad.value.maximum == 1


def test_a_mistyped_code_in_private_suggests_the_code_with_the_variant_it_names() -> None:
    with pytest.raises(UnknownCode) as unknown:
        chosen("DRES-RED M x2")
    dress = SHOP.get("DRESS-RED")
    assert dress is not None
    assert unknown.value.suggestions == [Suggestion("DRESS-RED", dress.product_id, dress.variants[1].sku_id, "M")]
    assert unknown.value.quantity == 2


def test_a_suggestion_without_a_known_variant_leaves_the_variant_to_choose() -> None:
    with pytest.raises(UnknownCode) as unknown:
        chosen("scarf-silx")
    [suggestion] = unknown.value.suggestions
    assert (suggestion.code, suggestion.sku_id) == ("SCARF-SILK", None)


@pytest.mark.parametrize(("text", "private"), [("jacket rain L x2", True), ("#JACKET RAIN L x2", False)])
def test_a_hyphenated_code_typed_as_two_words_is_suggested_with_the_variant_it_names(text: str, private: bool) -> None:
    with pytest.raises(UnknownCode) as unknown:
        chosen(text, private)
    jacket = SHOP.get("JACKET-RAIN")
    assert jacket is not None
    assert unknown.value.code == "JACKET RAIN"
    assert unknown.value.suggestions == [Suggestion("JACKET-RAIN", jacket.product_id, jacket.variants[1].sku_id, "L")]
    assert unknown.value.quantity == 2
    assert order_in("jacket rain L", private=False) is None  # in a group, without a prefix, it stays talk


def test_mistyped_codes_are_suggested_in_a_group_only_after_a_prefix() -> None:
    assert order_in("DRES-RED M", private=False) is None
    with pytest.raises(UnknownCode):
        chosen("#DRES-RED M", private=False)
    assert order_in("sold out", private=False) is None  # a plain word after a word prefix is talk, even near OUT?
    assert order_in("#blessed", private=False) is None  # like no code: a hashtag, not an order


def test_an_unknown_code_after_a_prefix_in_private_is_answered_even_without_a_suggestion() -> None:
    read = read_keyword_order("#ZZ99 x2", SHOP, PREFIXES, private=True)
    assert read == KeywordOrder("ZZ99", None, None, 2, ())


def test_prefixes_are_configurable() -> None:
    assert read_keyword_order("want mug", SHOP, ["want"], private=False) is not None
    assert read_keyword_order("#mug", SHOP, ["want"], private=False) is None
    assert read_keyword_order("+mug", SHOP, ["+"], private=False) is not None


def test_a_catalogue_code_may_use_any_character_the_catalogue_file_allows() -> None:
    index = catalogue({"TEE_2024": ["S"], "X-1_B": [""]})
    assert read_keyword_order("tee_2024 s", index, PREFIXES, private=False) is not None
    assert read_keyword_order("#x-1_b", index, PREFIXES, private=False) is not None


@pytest.mark.parametrize("private", [True, False], ids=["private", "group"])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ａ１２ Ｒｏｓｅ ｘ２", ("A12", "Rose", 2)),  # a Chinese or Japanese keyboard's full-width letters
        ("ＤＲＥＳＳ－ＲＥＤ　Ｍ", ("DRESS-RED", "M", 1)),  # and its ideographic space
        ("\u200fA12\u200f Rose", ("A12", "Rose", 1)),  # right-to-left marks from an Arabic or Hebrew keyboard
        ("mug\u200b 2", ("MUG", None, 2)),  # a zero-width space
    ],
)
def test_full_width_and_invisible_characters_from_phone_keyboards_read_as_the_code_they_show(
    text: str, expected: tuple[str, str | None, int], private: bool
) -> None:
    assert order_in(text, private) == expected


def test_variant_names_with_compatibility_characters_are_still_read_as_typed() -> None:
    index = catalogue({"BOOT": ["8½", "9½"], "TEE": ["Ｌ", "XL"]})  # a half size; a full-width L from the file
    assert read_keyword_order("BOOT 8½ x2", index, PREFIXES, private=False) is not None
    assert read_keyword_order("boot 9½", index, PREFIXES, private=False).choose(10) == (101, 1)  # type: ignore[union-attr]
    assert read_keyword_order("tee L", index, PREFIXES, private=False).choose(10) == (102, 1)  # type: ignore[union-attr]


def test_closest_codes_allow_one_edit_or_two_for_long_codes_and_swaps_count_once() -> None:
    codes = ["A12", "A13", "B7", "DRESS-RED", "OUTFIT"]
    assert closest_codes("a21", codes) == ["A12"]
    assert closest_codes("A1", codes) == ["A12", "A13"]
    assert closest_codes("dres-red", codes) == ["DRESS-RED"]
    assert closest_codes("dersss-red", codes) == ["DRESS-RED"]
    assert closest_codes("out", codes) == []
    assert closest_codes("ZZZZ", codes) == []


TRANSLATED = CodeIndex(
    [
        IndexedProduct(
            1,
            "A12",
            (
                IndexedVariant(100, "Ivory", {"de": "Elfenbein", "fr": "Ivoire"}),
                IndexedVariant(101, "Rose", {"de": "Rosé", "it": "Rosa"}),
                IndexedVariant(102, "Rosa", {"de": "Pink"}),  # one SKU's translation is another's own name
            ),
        )
    ]
)


@pytest.mark.parametrize(
    ("typed", "language", "sku_id"),
    [
        ("A12 Elfenbein", "de", 100),
        ("a12 ivoire x1", "de", 100),  # a translation in another language still names the SKU
        ("A12 Ivory", "fr", 100),
        ("A12 Rosa", "it", 102),  # its own name comes first: Rosa is a variant, not only Rose in Italian
        ("A12 Pink", "de", 102),
    ],
)
def test_a_variant_may_be_typed_by_its_own_name_or_any_translation(typed: str, language: str, sku_id: int) -> None:
    read = read_keyword_order(typed, TRANSLATED, PREFIXES, private=True)
    assert read is not None and read.choose(10, language)[0] == sku_id


def test_refusals_name_the_variants_in_the_buyers_language() -> None:
    read = read_keyword_order("A12", TRANSLATED, PREFIXES, private=True)
    assert read is not None
    with pytest.raises(VariantNeeded) as needed:
        read.choose(10, "de")
    assert needed.value.variants == ["Elfenbein", "Rosé", "Pink"]
    assert [variant.name_in("ru") for variant in needed.value.product.variants] == ["Ivory", "Rose", "Rosa"]
