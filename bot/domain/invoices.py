"""Telegram invoices: what an invoice charges for an attempt (its own currency, or Telegram Stars), and why a
payment about to be made is refused."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum

from bot.domain.money import Money

PROVIDER = "telegram"
STARS = "XTR"  # Telegram Stars: whole stars, no minor unit


class Refusal(StrEnum):
    """Why a pre-checkout query is answered no."""

    UNKNOWN = "unknown"  # no attempt has the invoice's payload
    CLOSED = "closed"  # the order was paid, or expired (also once its time ran out, before the sweep saw it)
    CHANGED = "changed"  # the invoice's amount or currency is not what the order now costs


@dataclass(frozen=True, slots=True)
class InvoiceCheck:
    order_id: int | None
    refusal: Refusal | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True, slots=True)
class InvoicePricing:
    """How an attempt's amount is charged: as it is (a payments provider token), or in Stars at the shop's rates
    (stars per one major unit of each currency, rounded up to a whole star)."""

    stars_per_unit: Mapping[str, Decimal] | None = None

    def charge(self, amount: Money) -> Money:
        """What the invoice asks for; ValueError when Stars have no rate for the currency."""
        if self.stars_per_unit is None:
            return amount
        rate = self.stars_per_unit.get(amount.currency)
        if rate is None:
            raise ValueError(f"no Telegram Stars rate for {amount.currency}")
        stars = (amount.to_decimal() * rate).to_integral_value(rounding=ROUND_CEILING)
        return Money(max(int(stars), 1), STARS)
