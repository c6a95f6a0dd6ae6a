"""Which codes are countries, and how a buyer names one: ISO 3166-1 decides, Babel only names them."""

import pytest

from bot.domain.countries import (
    COUNTRIES,
    UnknownCountry,
    check_country,
    collation_key,
    country_code_from,
    country_name,
    country_names,
    language_countries,
    language_region,
    likely_country,
    one_tap_countries,
)


@pytest.mark.parametrize("grouping", ["EU", "EA", "EZ", "UN", "QO", "ZZ", "001", "150"])
def test_regions_and_groupings_are_not_countries(grouping: str) -> None:
    assert grouping not in COUNTRIES
    with pytest.raises(UnknownCountry):
        check_country(grouping)


def test_kosovo_is_a_destination_under_its_user_assigned_code() -> None:
    assert check_country("xk") == "XK"
    assert country_code_from("Kosovo", "en") == "XK"


def test_every_country_is_an_upper_case_alpha_2_code() -> None:
    assert {"DE", "GB", "US", "BR", "AT", "JP"} <= COUNTRIES
    assert all(len(code) == 2 and code.isalpha() and code.isupper() for code in COUNTRIES)


@pytest.mark.parametrize(("typed", "country"), [("de", "DE"), (" fr ", "FR"), ("UK", "GB"), ("U.S.A.", "US")])
def test_a_country_can_be_typed_as_a_code_or_an_alias(typed: str, country: str) -> None:
    assert country_code_from(typed, "es") == country


@pytest.mark.parametrize(("code", "locale"), [("DE", "de"), ("AT", "de"), ("FR", "fr"), ("JP", "ru")])
def test_a_country_can_be_typed_by_its_name_in_the_buyers_language_or_english(code: str, locale: str) -> None:
    name = country_name(code, locale)
    assert country_code_from(name, locale) == code
    assert country_code_from(f"  {collation_key(name).upper()} ", locale) == code  # case and accents do not matter
    assert country_code_from(country_name(code, "en"), locale) == code


@pytest.mark.parametrize(
    ("typed", "locale", "country"),
    [
        ("Royaume Uni", "fr", "GB"),  # a space for the hyphen
        ("etats unis", "fr", "US"),
        ("the Netherlands", "en", "NL"),
        ("England", "en", "GB"),
        ("Great Britain", "de", "GB"),
        ("Turkey", "en", "TR"),  # the CLDR and ISO now say Türkiye
        ("Czech Republic", "en", "CZ"),  # ISO's official name (the CLDR says Czechia)
        ("Ivory Coast", "en", "CI"),
        ("Deutschland", "en", "DE"),  # the destination's own name, from a buyer writing in English
        ("España", "ru", "ES"),
        ("Schweiz", "fr", "CH"),
    ],
)
def test_a_country_can_be_typed_by_a_common_name_another_languages_name_or_without_its_hyphen(
    typed: str, locale: str, country: str
) -> None:
    assert country_code_from(typed, locale) == country


@pytest.mark.parametrize("typed", ["EU", "UN", "QO", "EA", "Atlantis", "", "  "])
def test_a_region_grouping_or_unknown_name_is_no_country(typed: str) -> None:
    assert country_code_from(typed, "de") is None


@pytest.mark.parametrize("grouping", ["EU", "UN", "QO"])
def test_a_groupings_name_is_no_country(grouping: str) -> None:
    for locale in ("de", "en"):
        assert country_code_from(country_name(grouping, locale), locale) is None


def test_country_names_follow_the_buyers_alphabet() -> None:
    codes = ("NL", "AT", "DE", "CH")
    names = country_names(codes, "de")
    assert names == sorted(names, key=collation_key)
    assert set(names) == {country_name(code, "de") for code in codes}


@pytest.mark.parametrize(
    ("language", "country"), [("pt-br", "BR"), ("de", "DE"), ("en-GB", "GB"), ("es-419", None), (None, None)]
)
def test_the_app_language_suggests_a_country(language: str | None, country: str | None) -> None:
    assert likely_country(language) == country


@pytest.mark.parametrize(
    ("previous", "language", "offered"),
    [
        ("FR", "pt-br", ["FR", "BR"]),
        ("DE", "de", ["DE", "AT", "CH", "LI", "LU"]),
        ("AT", "de", ["AT", "DE", "CH", "LI", "LU"]),
        (None, "it", ["IT", "SM", "VA"]),
        (None, "en-GB", ["GB"]),
        (None, None, []),
    ],
)
def test_checkout_offers_the_previous_country_then_the_app_languages(
    previous: str | None, language: str | None, offered: list[str]
) -> None:
    assert one_tap_countries(previous, language) == offered


@pytest.mark.parametrize("language", ["en", "es", "fr", "ar"])
def test_a_language_of_many_countries_guesses_none_of_them(language: str) -> None:
    # A buyer in London whose app says only "en" must not be offered the United States alone.
    assert language_countries(language) == []
    assert one_tap_countries(None, language) == []
    assert one_tap_countries("GB", language) == ["GB"]


@pytest.mark.parametrize(
    ("language", "region"),
    [
        ("pt-br", "BR"),
        ("en-GB", "GB"),
        ("de_CH", "CH"),
        ("de", None),
        ("es-419", None),
        ("zh-hans", None),
        (None, None),
    ],
)
def test_only_a_region_the_app_language_names_is_a_buyers_region(language: str | None, region: str | None) -> None:
    assert language_region(language) == region
