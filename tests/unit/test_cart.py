from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bot.domain.cart import HeldItem, build_cart
from bot.domain.fx import Rates
from bot.domain.money import Money

RATES = Rates(base="EUR", rates={"USD": Decimal("1.0850"), "JPY": Decimal("161.25"), "KWD": Decimal("0.3331")})
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def item(line_id: int, price: Money, quantity: int, expires_minute: int | None = 15) -> HeldItem:
    return HeldItem(
        line_id=line_id,
        sku_id=line_id * 10,
        product_id=line_id,
        code=f"A{line_id}",
        title="Thing",
        variant="",
        quantity=quantity,
        price=price,
        ships_to=frozenset({"*"}),
        hold_expires_at=None if expires_minute is None else NOON.replace(minute=expires_minute),
    )


def test_totals_add_up_line_by_line_in_the_shop_currency() -> None:
    cart = build_cart(7, 1, [item(1, Money(1990, "EUR"), 2), item(2, Money(500, "EUR"), 1)], RATES, "EUR", "EUR")
    assert [line.line_total for line in cart.lines] == [Money(3980, "EUR"), Money(500, "EUR")]
    assert cart.subtotal == Money(4480, "EUR")
    assert not cart.is_empty


def test_the_subtotal_is_the_sum_of_converted_unit_prices_times_quantity() -> None:
    # The buyer sees 3209 yen each; three cost 9627, not 3 x 19.90 EUR converted once (9626.6).
    cart = build_cart(7, 1, [item(1, Money(1990, "EUR"), 3)], RATES, "EUR", "JPY")
    assert cart.lines[0].unit_price == Money(3209, "JPY")
    assert cart.subtotal == Money(9627, "JPY")


def test_kwd_lines_keep_three_decimals() -> None:
    cart = build_cart(7, 1, [item(1, Money(1990, "EUR"), 2)], RATES, "EUR", "KWD")
    assert cart.subtotal == Money(13258, "KWD")  # 2 x 6.629


def test_a_sku_priced_in_another_currency_goes_through_the_shop_currency() -> None:
    cart = build_cart(7, 1, [item(1, Money(3000, "JPY"), 1)], RATES, "EUR", "USD")
    assert cart.lines[0].unit_price == Money(2018, "USD")  # 18.60 EUR x 1.085 = 20.181


def test_a_locked_rate_replaces_todays() -> None:
    cart = build_cart(7, 1, [item(1, Money(1000, "EUR"), 1)], RATES, "EUR", "USD", rate=Decimal("1.2"))
    assert cart.subtotal == Money(1200, "USD")


def test_the_hold_shown_is_the_first_to_end() -> None:
    cart = build_cart(7, 1, [item(1, Money(100, "EUR"), 1, 20), item(2, Money(100, "EUR"), 1, 9)], RATES, "EUR", "EUR")
    assert cart.hold_expires_at == NOON.replace(minute=9)


def test_an_empty_cart_costs_nothing() -> None:
    cart = build_cart(None, 1, [], RATES, "EUR", "JPY")
    assert cart.is_empty
    assert cart.subtotal == Money(0, "JPY")
    assert cart.hold_expires_at is None
