from __future__ import annotations

import pytest

from bot.domain.checkout import InvalidDetails, ShippingDetails
from bot.domain.countries import UnknownCountry, check_country


def test_details_are_tidied() -> None:
    details = ShippingDetails(country=" de ", name=" Ada ", address=" Unter den Linden 1 ", phone=" +49 30 123456 ")
    assert (details.country, details.name, details.address, details.phone) == (
        "DE",
        "Ada",
        "Unter den Linden 1",
        "+4930123456",  # the phone in E.164
    )


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("country", {"country": "XQ"}),
        ("name", {"name": "  "}),
        ("address", {"address": "x"}),
        ("phone", {"phone": "call me"}),
        ("phone", {"phone": "+1 2"}),
    ],
)
def test_unusable_details_name_the_field(field: str, values: dict[str, str]) -> None:
    fields = {"country": "DE", "name": "Ada", "address": "Unter den Linden 1", "phone": "+49 30 123456"} | values
    with pytest.raises(InvalidDetails) as refused:
        ShippingDetails(**fields)
    assert refused.value.field == field


def test_country_codes_are_checked() -> None:
    assert check_country("fr") == "FR"
    with pytest.raises(UnknownCountry):
        check_country("France")
