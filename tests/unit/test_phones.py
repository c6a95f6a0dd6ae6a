"""Phone numbers for the courier: read for the destination country, kept in E.164."""

from __future__ import annotations

import pytest

from bot.domain.checkout import InvalidDetails, ShippingDetails
from bot.domain.phones import InvalidPhone, example_phone, phone_in_e164


@pytest.mark.parametrize(
    ("typed", "country", "e164"),
    [
        ("030 1234567", "DE", "+49301234567"),
        ("+49 30 1234567", "FR", "+49301234567"),  # an international number says its own country
        ("0049 30 1234567", "DE", "+49301234567"),
        ("06 12 34 56 78", "FR", "+33612345678"),
    ],
)
def test_a_number_is_read_for_the_destination_and_kept_in_e164(typed: str, country: str, e164: str) -> None:
    assert phone_in_e164(typed, country) == e164


@pytest.mark.parametrize(
    ("typed", "country"), [("12345", "GB"), ("call me", "DE"), ("0151 23456789", "FR"), ("", "DE")]
)
def test_what_cannot_be_dialled_there_is_refused(typed: str, country: str) -> None:
    with pytest.raises(InvalidPhone):
        phone_in_e164(typed, country)


@pytest.mark.parametrize("country", ["GB", "BR", "DE", "JP"])
def test_the_example_for_a_country_is_a_number_valid_there(country: str) -> None:
    example = example_phone(country)
    assert example is not None
    assert phone_in_e164(example, country).startswith("+")


def test_shipping_details_refuse_a_phone_invalid_for_the_country_and_keep_e164() -> None:
    with pytest.raises(InvalidDetails) as refused:
        ShippingDetails(country="GB", name="Ann", address="1 High Street, Leeds", phone="12345")
    assert refused.value.field == "phone"
    details = ShippingDetails(country="de", name="Ann", address="Hauptstraße 5, Berlin", phone="030 1234567")
    assert details.phone == "+49301234567"
