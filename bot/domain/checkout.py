"""Checkout: where to ship, to whom, and what it all costs."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from bot.domain.cart import Cart
from bot.domain.countries import is_country
from bot.domain.money import Money
from bot.domain.phones import InvalidPhone, phone_in_e164

NAME_LIMIT = 200
ADDRESS_MINIMUM = 5
ADDRESS_LIMIT = 500


def valid_name(text: str) -> bool:
    return 1 <= len(text.strip()) <= NAME_LIMIT


def valid_address(text: str) -> bool:
    return ADDRESS_MINIMUM <= len(text.strip()) <= ADDRESS_LIMIT


class InvalidDetails(ValueError):
    """A shipping detail the shop cannot use; `field` names it."""

    def __init__(self, field: str) -> None:
        super().__init__(f"invalid {field}")
        self.field = field


@dataclass(frozen=True, slots=True)
class ShippingDetails:
    """Where and to whom: the phone is kept in E.164, a national number read as the destination country's. Only the
    country shows in a repr: a traceback or a log line never carries who the buyer is or where they live."""

    country: str
    name: str = field(repr=False)
    address: str = field(repr=False)
    phone: str = field(repr=False)

    def __post_init__(self) -> None:
        if not is_country(self.country):
            raise InvalidDetails("country")
        if not valid_name(self.name):
            raise InvalidDetails("name")
        if not valid_address(self.address):
            raise InvalidDetails("address")
        try:
            phone = phone_in_e164(self.phone, self.country)
        except InvalidPhone:
            raise InvalidDetails("phone") from None
        object.__setattr__(self, "country", self.country.strip().upper())
        object.__setattr__(self, "name", self.name.strip())
        object.__setattr__(self, "address", self.address.strip())
        object.__setattr__(self, "phone", phone)


@dataclass(frozen=True, slots=True)
class CheckoutSummary:
    cart: Cart
    shipping_fee: Money
    total: Money
    currency: str
    rate: Decimal


@dataclass(frozen=True, slots=True)
class Quote:
    """What the last checkout summary showed: the rate it locked and the total at that rate."""

    currency: str
    rate: Decimal
    total: Money
