"""Every parser of typed or received text answers any input with a value or its own refusal, never another error.

Each property feeds hostile text (tests/property/strategies.py) to one parser and allows exactly the exceptions the
parser documents as its refusal: a caller that catches those can never be surprised by a crash.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import pytest
from aiogram.filters.callback_data import CallbackData
from hypothesis import example, given
from hypothesis import strategies as st

from bot.adapters import sandbox_payments, stripe_payments
from bot.adapters.signatures import InvalidSignature, signature_header, verify
from bot.domain.catalog_file import REQUIRED_COLUMNS, CatalogueFileError, parse_catalogue
from bot.domain.checkout import InvalidDetails, ShippingDetails
from bot.domain.countries import countries_named_in, country_code_from
from bot.domain.fx import InvalidRates, parse_rates
from bot.domain.intents import Intent, read_intent
from bot.domain.keyword import (
    MAX_KEYWORD_QUANTITY,
    CodeIndex,
    IndexedProduct,
    IndexedVariant,
    KeywordOrder,
    KeywordRefusal,
    read_keyword_order,
)
from bot.domain.language import pick_language
from bot.domain.money import MAX_MINOR_UNITS, InvalidAmount, Money, UnknownCurrency
from bot.domain.periods import BadDate, BadPeriod, Period, parse_clock, parse_date, parse_dates
from bot.domain.phones import InvalidPhone, phone_in_e164
from bot.domain.roles import NotAPerson, NotARole, parse_person, parse_role
from bot.domain.streams import BadOffsets, BadStartTime, BadTitle, check_title, parse_offsets, parse_start
from bot.domain.timezones import UnknownTimezone, parse_zone
from handlers import callbacks
from tests.property.strategies import any_text, tricky_text, word_salad

LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "pt_BR", "ru", "zh", "ja", "ko", "tr", "ar"]
NOW = datetime(2026, 12, 8, 12, tzinfo=UTC)


def shop_index() -> CodeIndex:
    products = {
        "MUG": [""],
        "DRESS-RED": ["S", "M", "L"],
        "SCARF-SILK": ["Ivory", "Rose"],
        "A12": ["Ivory", "Rose", "dark blue"],
        "2024-CAL": [""],
        "SHOE": ["41", "42", "8½"],
        "SOLD": [""],
        "КРУЖКА": ["синяя", "красная"],
    }
    indexed, sku_id = [], 100
    for product_id, (code, names) in enumerate(products.items(), 1):
        variants = []
        for name in names:
            variants.append(IndexedVariant(sku_id, name, {"de": name + "e"} if name else {}))
            sku_id += 1
        indexed.append(IndexedProduct(product_id, code, tuple(variants)))
    return CodeIndex(indexed)


SHOP = shop_index()


@given(text=any_text, private=st.booleans(), language=st.sampled_from([None, "de", "ar"]))
def test_a_keyword_order_is_read_or_not_and_then_chosen_or_refused(
    text: str, private: bool, language: str | None
) -> None:
    order = read_keyword_order(text, SHOP, ["#", "sold", "buy", "куплю"], private)
    if order is None:
        return
    assert isinstance(order, KeywordOrder)
    try:
        sku_id, quantity = order.choose(10, language)
    except KeywordRefusal as refusal:
        assert refusal.code
        return
    assert 1 <= quantity <= min(10, MAX_KEYWORD_QUANTITY)
    assert order.product is not None and sku_id in {variant.sku_id for variant in order.product.variants}


@given(
    code=st.sampled_from(["MUG", "DRESS-RED", "scarf-silk", "a12", "Ａ１２", "кружка"]),
    before=st.sampled_from(["", "#", "sold ", "buy ", "\u200f", "\ufeff"]),
    rest=word_salad,
)
def test_an_order_that_starts_with_a_known_code_is_about_that_code(code: str, before: str, rest: str) -> None:
    order = read_keyword_order(f"{before}{code} {rest}", SHOP, ["#", "sold", "buy"], private=True)
    if order is not None and order.product is not None:
        assert order.product.code in {"MUG", "DRESS-RED", "SCARF-SILK", "A12", "КРУЖКА", "SOLD"}


def csv_cell() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["MUG", "M", "9.90", "EUR", "3", "*", "DE FR", "", "-1", "1e9", "NaN", "Infinity", "http://x"]),
        tricky_text,
        st.text(alphabet='",\n\r \\', max_size=6),
        st.builds(lambda times: "x" * times, st.integers(30, 200_000)),
    )


catalogue_files = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda header, rows: "\n".join(",".join(row) for row in [header, *rows]),
        st.one_of(
            st.just(list(REQUIRED_COLUMNS)),
            st.permutations(
                [*REQUIRED_COLUMNS, "title.de", "variant.pt-br", "description.xx", "title.", ".de", "\ufeffcode"]
            ).map(lambda columns: columns[: len(columns) - 2]),
        ),
        st.lists(st.lists(csv_cell(), min_size=7, max_size=12), max_size=6),
    ),
    st.builds(lambda bom, text: bom + text, st.sampled_from(["\ufeff", "\ufeff\ufeff", "\x00"]), st.text(max_size=50)),
)


MUG_AT = "code,variant,title,description,price,currency,stock,ships_to,image_url\nMUG,,Mug,,{},EUR,3,*,\n"


@given(text=catalogue_files)
@example(MUG_AT.format("1e999999"))
@example(MUG_AT.format("1e30"))
@example(MUG_AT.format("Infinity"))
def test_a_catalogue_file_is_taken_or_refused_with_a_reason_per_line(text: str) -> None:
    try:
        products = parse_catalogue(text)
    except CatalogueFileError as refused:
        assert refused.problems
        assert all(problem.line >= 1 and problem.reason for problem in refused.problems)
        return
    assert products and all(product.skus for product in products)


@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_random_bytes_are_no_webhook_event(raw: bytes) -> None:
    with pytest.raises(sandbox_payments.MalformedEvent):
        sandbox_payments.parse_event(raw)
    with contextlib.suppress(stripe_payments.MalformedEvent):
        stripe_payments.parse_event(raw)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(10**40), 10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["EUR", "eur", "JPY", "payment.succeeded", "paid", "cs_1", "XXX"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def sandbox_shaped() -> st.SearchStrategy[object]:
    data = st.fixed_dictionaries(
        {},
        optional={"reference": json_values, "amount": json_values, "currency": json_values, "payment": json_values},
    )
    return st.fixed_dictionaries(
        {},
        optional={
            "id": json_values,
            "type": st.sampled_from(["payment.succeeded", "payment.failed", "other"]) | json_values,
            "data": data | json_values,
        },
    )


def stripe_shaped() -> st.SearchStrategy[object]:
    session = st.fixed_dictionaries(
        {},
        optional={
            "id": json_values,
            "amount_total": json_values,
            "currency": json_values,
            "payment_status": st.just("paid") | json_values,
            "payment_intent": json_values,
        },
    )
    kinds = st.sampled_from(list(stripe_payments.EVENT_KINDS)) | json_values
    return st.fixed_dictionaries(
        {},
        optional={"id": json_values, "type": kinds, "data": st.fixed_dictionaries({"object": session}) | json_values},
    )


def encoded(document: object) -> bytes:
    return json.dumps(document).encode()  # NaN and Infinity as JSON's extension writes them: a forged body may


PAID = {"id": "evt_1", "type": "payment.succeeded"}


@given(document=sandbox_shaped() | json_values)
@example({**PAID, "data": {"reference": "t", "amount": float("inf"), "currency": "EUR"}})
@example({**PAID, "data": {"reference": "t", "amount": 29.8, "currency": "EUR"}})
@example({**PAID, "data": {"reference": "t", "amount": True, "currency": "EUR"}})
def test_a_malformed_sandbox_event_is_refused_as_malformed(document: object) -> None:
    try:
        event = sandbox_payments.parse_event(encoded(document))
    except sandbox_payments.MalformedEvent:
        return
    assert isinstance(event.amount.amount_minor, int) and type(document["data"]["amount"]) is int  # type: ignore[index]


def completed(amount: object) -> dict[str, object]:
    session = {"id": "cs_1", "payment_status": "paid", "amount_total": amount, "currency": "eur"}
    return {"id": "evt_1", "type": "checkout.session.completed", "data": {"object": session}}


@given(document=stripe_shaped() | json_values)
@example(completed(float("inf")))
@example(completed(2980.5))
@example(completed(10**40))
def test_a_malformed_stripe_event_is_refused_as_malformed_or_ignored(document: object) -> None:
    try:
        event = stripe_payments.parse_event(encoded(document))
    except stripe_payments.MalformedEvent:
        return
    if event is not None and event.amount is not None:
        assert type(document["data"]["object"]["amount_total"]) is int  # type: ignore[index]


@pytest.mark.parametrize("parse", [sandbox_payments.parse_event, stripe_payments.parse_event])
@pytest.mark.parametrize("depth", [1_000, 30_000])
def test_deeply_nested_json_is_malformed(parse: object, depth: int) -> None:
    with pytest.raises((sandbox_payments.MalformedEvent, stripe_payments.MalformedEvent)):
        parse(b"[" * depth + b"]" * depth)  # type: ignore[operator]


@given(header=st.none() | any_text, payload=st.binary(max_size=50))
def test_a_forged_signature_header_is_refused(header: str | None, payload: bytes) -> None:
    with pytest.raises(InvalidSignature):
        verify(header, payload, ["secret"], now=NOW.timestamp())


@given(payload=st.binary(max_size=50))
def test_a_signature_made_with_the_secret_is_taken(payload: bytes) -> None:
    verify(signature_header("secret", payload, int(NOW.timestamp())), payload, ["secret"], now=NOW.timestamp())


CALLBACKS = [
    value
    for value in vars(callbacks).values()
    if isinstance(value, type) and issubclass(value, CallbackData) and value is not CallbackData
]
callback_data = st.one_of(
    st.text(max_size=64),
    st.builds(
        lambda prefix, parts: ":".join([prefix, *parts]),
        st.sampled_from([cls.__prefix__ for cls in CALLBACKS]),  # type: ignore[attr-defined]
        st.lists(word_salad | st.integers().map(str) | st.just(""), max_size=5),
    ),
)


@given(data=callback_data)
def test_forged_callback_data_unpacks_or_is_refused(data: str) -> None:
    for cls in CALLBACKS:
        with contextlib.suppress(ValueError, TypeError):
            cls.unpack(data)


@given(text=any_text, zone=st.sampled_from(["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Berlin"]))
@example("0001-01-01", "Pacific/Kiritimati")
@example("9999-12-30 – 9999-12-31", "Pacific/Pago_Pago")
def test_typed_dates_are_periods_with_utc_bounds_or_refused(text: str, zone: str) -> None:
    try:
        first, second = parse_dates(text)
    except BadDate:
        return
    with contextlib.suppress(BadPeriod):
        start, end = Period(first, second or first).utc_bounds(zone)
        assert start < end
    with contextlib.suppress(BadDate):
        parse_date(text)


@given(year=st.integers(0, 99999), month=st.integers(0, 99), day=st.integers(0, 99), separator=st.sampled_from("-/."))
def test_dates_out_of_any_calendar_are_refused(year: int, month: int, day: int, separator: str) -> None:
    for text in (f"{year:04}{separator}{month}{separator}{day}", f"{day}{separator}{month}{separator}{year:04}"):
        with contextlib.suppress(BadDate):
            parse_dates(text)


@given(text=any_text)
@example("9999-12-31T23:59:59-23:59")
@example("0001-01-01 00:00")
@example("9999-12-31 23:59")
@example("99999999999999d")
def test_clock_times_stream_starts_offsets_and_titles_are_read_or_refused(text: str) -> None:
    for parse, refusal in (
        (parse_clock, ValueError),
        (lambda typed: parse_start(typed, "Europe/Berlin"), BadStartTime),
        (parse_offsets, BadOffsets),
        (check_title, BadTitle),
    ):
        with contextlib.suppress(refusal):
            parse(text)  # type: ignore[operator]


@given(text=any_text | st.from_regex(r"(?:utc|gmt)?\s?[+-]\d{1,2}(?::?\d{2})?", fullmatch=True))
def test_a_typed_time_zone_is_a_zone_or_refused(text: str) -> None:
    try:
        zone = parse_zone(text, NOW)
    except UnknownTimezone:
        return
    assert zone


@given(
    amount=any_text | st.decimals(allow_nan=True, allow_infinity=True).map(str) | st.sampled_from(["1e999999", "1E-9"]),
    currency=any_text | st.sampled_from(["EUR", "JPY", "KWD", "eur", " usd ", "XAU", "ǅǅǅ", "ＥＵＲ"]),
    locale=st.sampled_from(LANGUAGES),
)
@example("1e999999", "EUR", "en")
@example("-1e30", "JPY", "ja")
def test_a_typed_amount_is_money_in_minor_units_or_refused(amount: str, currency: str, locale: str) -> None:
    try:
        money = Money.from_major(amount, currency)
    except (InvalidAmount, UnknownCurrency):
        return
    assert abs(money.amount_minor) <= MAX_MINOR_UNITS
    assert money.format(locale)


@given(text=any_text, locale=st.sampled_from(LANGUAGES))
def test_countries_are_found_in_any_text(text: str, locale: str) -> None:
    country_code_from(text, locale)
    countries_named_in(text, [locale])


@given(
    country=st.sampled_from(["DE", "US", "BR", "JP", "de", "XK", "ZZ", ""]) | tricky_text,
    name=any_text,
    address=any_text,
    phone=any_text | st.from_regex(r"\+?[0-9 ()-]{0,20}", fullmatch=True),
)
def test_shipping_details_are_taken_or_one_field_is_named(country: str, name: str, address: str, phone: str) -> None:
    try:
        ShippingDetails(country, name, address, phone)
    except InvalidDetails as refused:
        assert refused.field in {"country", "name", "address", "phone"}
    with contextlib.suppress(InvalidPhone):
        phone_in_e164(phone, country)


@given(text=any_text)
@example("²")
@example("99999999999999999999999")
def test_roles_and_people_named_in_commands_are_read_or_refused(text: str) -> None:
    for parse, refusal in ((parse_role, NotARole), (parse_person, NotAPerson)):
        with contextlib.suppress(refusal):
            parse(text)  # type: ignore[operator]


@given(text=any_text, language=st.sampled_from([*LANGUAGES, "xx", ""]))
def test_any_question_has_an_intent(text: str, language: str) -> None:
    assert isinstance(read_intent(text, language), Intent)


@given(requested=st.none() | any_text)
def test_any_app_language_picks_a_shop_language(requested: str | None) -> None:
    assert pick_language(requested, LANGUAGES, "en") in LANGUAGES


@given(
    document=st.dictionaries(
        st.sampled_from(["base", "rates", "as_of"]) | st.text(max_size=5),
        json_values | st.dictionaries(st.sampled_from(["USD", "JPY", "xx", "EUR"]) | st.text(max_size=4), json_values),
    )
)
def test_exchange_rates_documents_are_read_or_refused(document: dict[str, object]) -> None:
    with contextlib.suppress(InvalidRates):
        parse_rates(document)
