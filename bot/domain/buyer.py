"""A buyer: one Telegram user, with the language, country and currency the shop speaks to them in."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    BUYER = "buyer"
    MERCHANT = "merchant"
    OPS = "ops"


@dataclass(frozen=True, slots=True)
class Buyer:
    telegram_id: int
    language: str
    country: str | None = None
    currency: str | None = None
    subscribed: bool = False
    blocked: bool = False
    name: str = ""
    started: bool = True
    # The country the person's Telegram app language names (pt-BR -> BR): their currency until they choose one.
    region: str | None = None
    # The IANA zone the person chose with /timezone; None: their country's (bot/domain/timezones.py).
    timezone: str | None = None
    # The Telegram @username without "@", in lower case, as last seen; None for someone without one.
    username: str | None = None
