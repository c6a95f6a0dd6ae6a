from __future__ import annotations

from bot.domain.money import Money
from bot.domain.shipping import EU_COUNTRIES, ShippingTable, cart_destinations

FEES = ShippingTable(
    fees={"DE": Money(490, "EUR"), "EU": Money(790, "EUR"), "NORDIC": Money(1290, "EUR"), "*": Money(1990, "EUR")},
    zones={"EU": EU_COUNTRIES, "NORDIC": frozenset({"NO", "IS", "SE"})},
)


def test_a_country_entry_wins_over_its_zone() -> None:
    assert FEES.fee_for("DE") == Money(490, "EUR")
    assert FEES.fee_for("de") == Money(490, "EUR")


def test_a_zone_wins_over_everywhere() -> None:
    assert FEES.fee_for("FR") == Money(790, "EUR")
    assert FEES.fee_for("NO") == Money(1290, "EUR")


def test_a_country_in_two_zones_always_gets_the_same_one() -> None:
    assert FEES.fee_for("SE") == Money(790, "EUR")  # "EU" sorts before "NORDIC"


def test_everywhere_else_pays_the_star_fee() -> None:
    assert FEES.fee_for("US") == Money(1990, "EUR")


def test_without_a_star_fee_the_shop_does_not_ship_elsewhere() -> None:
    table = ShippingTable(fees={"EU": Money(500, "EUR")}, zones={"EU": EU_COUNTRIES})
    assert table.fee_for("IT") == Money(500, "EUR")
    assert table.fee_for("US") is None


def test_a_zone_without_a_fee_falls_through() -> None:
    table = ShippingTable(fees={"*": Money(100, "EUR")}, zones={"EU": EU_COUNTRIES})
    assert table.fee_for("IT") == Money(100, "EUR")


# --- where a whole cart can go -------------------------------------------------------------------------------------

WIDE = ShippingTable(fees={"DE": Money(490, "EUR"), "*": Money(1990, "EUR")})


def test_a_cart_goes_only_where_every_line_ships() -> None:
    destinations = cart_destinations([("A12", frozenset("*")), ("UK1", frozenset({"GB", "IE", "US"}))], WIDE, ["US"])
    assert destinations.countries == {"GB", "IE", "US"}
    assert destinations.offered == ("US", "GB", "IE")


def test_a_country_without_a_fee_is_never_offered() -> None:
    table = ShippingTable(fees={"DE": Money(490, "EUR"), "FR": Money(590, "EUR")})
    destinations = cart_destinations([("A12", frozenset("*"))], table, ["GB"])
    assert destinations.countries == {"DE", "FR"}
    assert destinations.offered == ("DE", "FR")


def test_a_wide_choice_offers_the_preferred_first_then_the_usual_ones() -> None:
    destinations = cart_destinations([("A12", frozenset("*"))], WIDE, ["BR", None, "XX", "BR"], limit=3)
    assert destinations.offered == ("BR", "DE")  # DE: named by the fee table; the rest can be typed
    assert destinations.more_than_offered and "JP" in destinations.countries


def test_lines_with_no_common_country_go_nowhere_and_say_where_each_goes() -> None:
    destinations = cart_destinations([("US1", frozenset({"US"})), ("EU1", frozenset({"DE", "FR"}))], WIDE)
    assert destinations.nowhere and destinations.offered == ()
    assert dict(destinations.ships_to) == {"US1": {"US"}, "EU1": {"DE", "FR"}}
