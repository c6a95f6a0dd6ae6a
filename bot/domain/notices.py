"""What the core tells a buyer outside a reply; the chat layer renders each in the buyer's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.cart import Cart, CartLine


@dataclass(frozen=True, slots=True)
class HoldEndingSoon:
    """The holds of the lines for `ending` (SKU ids) end soon; the rest of the cart may be held longer."""

    buyer_id: int
    language: str
    expires_at: datetime
    cart: Cart
    ending: frozenset[int] = frozenset()

    @property
    def ending_lines(self) -> tuple[CartLine, ...]:
        return tuple(line for line in self.cart.lines if line.sku_id in self.ending) or self.cart.lines


@dataclass(frozen=True, slots=True)
class HoldExpired:
    """These lines' holds ended and their units went back on sale."""

    buyer_id: int
    language: str
    lines: tuple[CartLine, ...]


@dataclass(frozen=True, slots=True)
class WaitlistOffer:
    """Units the buyer waited for are now in their cart, held until `expires_at`."""

    buyer_id: int
    language: str
    line: CartLine
    expires_at: datetime


Notice = HoldEndingSoon | HoldExpired | WaitlistOffer
