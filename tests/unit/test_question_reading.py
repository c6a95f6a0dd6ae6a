"""Reading a question without the database: its own words (product names taken out), its language, the products it
names (codes, fuzzy titles in any language), what it asks and the country it names."""

from __future__ import annotations

import pytest

from bot.adapters.language_id import LinguaDetector, lingua_language
from bot.domain.countries import countries_named_in
from bot.domain.intents import read_intent
from bot.domain.product_match import NamedProduct, ProductNames
from bot.domain.question_language import choose_language, without_catalogue_words
from bot.domain.questions import Intent

SHOP = ["en", "de", "fr", "es", "it", "pt", "ru", "zh"]
NAMES = ProductNames(
    [
        NamedProduct(1, "A12", {"": "Silk scarf", "de": "Seidentuch", "ru": "Шёлковый платок", "zh": "真丝方巾"}),
        NamedProduct(2, "B07", {"": "Linen shirt", "ru": "Льняная рубашка", "zh": "亚麻衬衫"}, ("S", "M", "L")),
        NamedProduct(3, "E05", {"": "Linen cushion cover", "zh": "亚麻抱枕套"}),
        NamedProduct(4, "E03", {"": "Scented soy candle", "de": "Duftkerze aus Sojawachs"}, ("Fig", "Lavender")),
        NamedProduct(5, "DRESS-RED", {"": "Red dress"}),
    ]
)


@pytest.fixture(scope="module")
def detector() -> LinguaDetector:
    return LinguaDetector(SHOP)


def test_a_latin_title_inside_a_russian_sentence_is_not_read_as_english(detector: LinguaDetector) -> None:
    own = without_catalogue_words("Сколько стоит Silk scarf в размере M?", NAMES)
    assert own == "сколько стоит размере"  # single letters go too: sizes (M) more often than words (в)
    assert choose_language(detector.detect(own), "en", 0.3, SHOP) == "ru"


def test_titles_codes_numbers_and_sizes_are_taken_out_in_any_language() -> None:
    assert without_catalogue_words("亚麻衬衫多少钱？", NAMES) == "多少钱"
    assert without_catalogue_words("C'est combien, a12 x2 ?", NAMES) == "c'est combien"
    assert without_catalogue_words("Is the scraf in Lavender?", NAMES) == "is the in"  # a typo in a title too


@pytest.mark.parametrize(
    ("question", "buyer", "expected"),
    [
        ("Есть ли размер M?", "en", "ru"),
        ("这个能寄到德国吗？", "en", "zh"),
        ("¿Cuánto cuesta la camiseta?", "de", "es"),
        ("Is the blue one cotton?", "ru", "en"),
        ("Seidentuch?", "fr", "fr"),  # nothing of its own left: the buyer's language
        ("Quanto costa?", "pt", "pt"),  # Italian or Portuguese, too close to call: the buyer's
    ],
)
def test_the_language_is_the_questions_own_unless_the_detector_is_unsure(
    detector: LinguaDetector, question: str, buyer: str, expected: str
) -> None:
    own = without_catalogue_words(question, NAMES)
    assert choose_language(detector.detect(own), buyer, 0.3, SHOP) == expected


def test_a_language_the_shop_does_not_speak_is_never_chosen() -> None:
    assert choose_language([("ja", 0.9), ("en", 0.1)], "en", 0.3, SHOP) == "en"
    assert choose_language([("pt", 0.9)], "pt-br", 0.3, [*SHOP, "pt-br"]) == "pt-br"  # their own variant


def test_every_language_the_shop_may_add_has_a_detector_language() -> None:
    for code in ["ja", "ko", "tr", "ar", "pt-BR", "pt_br", "zh-TW", "uk", "pl", "nl"]:
        assert lingua_language(code) is not None, code
    assert lingua_language("xx") is None
    assert set(LinguaDetector(["en", "ja", "ko", "tr", "ar", "pt-br"]).codes.values()) == {
        "en",
        "ja",
        "ko",
        "tr",
        "ar",
        "pt-br",
    }


@pytest.mark.parametrize(
    ("question", "products"),
    [
        ("How much is the silk scarf?", [1]),
        ("how much is the scraf?", [1]),  # a typo
        ("Сколько стоит шёлковый платок?", [1]),
        ("Сколько стоит рубашку?", [2]),  # another case ending
        ("Ist die Kerze noch da?", [4]),  # the last part of a German compound
        ("亚麻衬衫多少钱", [2]),
        ("a12 price?", [1]),  # a code in lower case
        ("C03多少钱, A12?", [1]),  # a code glued to Chinese
        ("dress-red in M?", [5]),
        ("How much is the linen?", [2, 3]),  # two titles share the word: the buyer chooses
        ("亚麻的多少钱", [2, 3]),
    ],
)
def test_products_are_found_by_code_or_by_title_fuzzily(question: str, products: list[int]) -> None:
    match = NAMES.find(question)
    assert match is not None
    assert list(match.product_ids) == products


def test_short_words_and_function_words_name_no_product() -> None:
    assert NAMES.find("Does it ship to us?") is None
    assert NAMES.find("what is the price") is None


@pytest.mark.parametrize(
    ("text", "language", "intent"),
    [
        ("how much is the", "en", Intent.PRICE),
        ("is it avalable in", "en", Intent.AVAILABILITY),  # a typo
        ("whats the shiping", "en", Intent.SHIPPING),
        ("сколько стоит доставка", "ru", Intent.SHIPPING),  # shipping before price
        ("есть ли размер", "ru", Intent.AVAILABILITY),
        ("wie kann ich bezahlen", "de", Intent.PAYMENT_METHODS),
        ("c'est en quoi", "fr", Intent.MATERIAL),
        ("cuánto cuesta", "es", Intent.PRICE),
        ("多少钱", "zh", Intent.PRICE),
        ("在庫ありますか", "ja", Intent.AVAILABILITY),
        ("배송 되나요", "ko", Intent.SHIPPING),
        ("fiyatı ne kadar", "tr", Intent.PRICE),
        ("كم سعر", "ar", Intent.PRICE),
        ("Preis?", "en", Intent.PRICE),  # another language's cue when its own has none
        ("hello there", "en", Intent.UNKNOWN),
    ],
)
def test_the_intent_is_read_from_each_languages_cues(text: str, language: str, intent: Intent) -> None:
    assert read_intent(text, language) == intent


def test_a_named_country_makes_it_a_shipping_question() -> None:
    assert read_intent("можно в", "ru", country_named=True) == Intent.SHIPPING


@pytest.mark.parametrize(
    ("text", "countries"),
    [
        ("这个能寄到德国吗？", ["DE"]),
        ("Do you ship to Germany or Austria?", ["DE", "AT"]),
        ("Доставляете в Германию?", ["DE"]),
        ("Almanya'ya kargo var mı?", ["DE"]),
        ("ドイツに発送できますか", ["DE"]),
        ("Lieferung nach Österreich?", ["AT"]),
        ("ship to the U.S.?", ["US"]),
        ("Можно в США?", ["US"]),
        ("can you send it to us?", []),
        ("Is it Chinese silk?", []),
    ],
)
def test_countries_are_found_by_their_names_in_any_of_the_shops_languages(text: str, countries: list[str]) -> None:
    assert countries_named_in(text, [*SHOP, "ja", "tr"]) == countries
