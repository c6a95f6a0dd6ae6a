"""A bad first row of a product is reported once: its later rows are judged on their own faults."""

from __future__ import annotations

import pytest

from bot.domain.catalog_file import CatalogueFileError, parse_catalogue

HEADER = "code,variant,title,description,price,currency,stock,ships_to,image_url\n"


def test_bad_price_on_a_products_first_row_does_not_blame_its_next_rows() -> None:
    text = HEADER + "A12,S,Scarf,,abc,EUR,3,DE,\nA12,M,,,19.90,EUR,3,,\n"

    with pytest.raises(CatalogueFileError) as refused:
        parse_catalogue(text)

    assert [(p.line, p.reason) for p in refused.value.problems] == [(2, "price: 'abc' is not a number")]


def test_bad_country_on_a_products_first_row_is_reported_once() -> None:
    text = HEADER + "A12,S,Scarf,,19.90,EUR,3,XX,\nA12,M,,,19.90,EUR,3,,\nA12,L,,,19.90,EUR,3,DE,\n"

    with pytest.raises(CatalogueFileError) as refused:
        parse_catalogue(text)

    assert [p.line for p in refused.value.problems] == [2]
    assert "XX" in refused.value.problems[0].reason
