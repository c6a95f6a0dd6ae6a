"""Who may do what beyond buying: the roles a merchant grants (ops, merchant), how a person is named in a grant
(@username or Telegram id), and what a grant or revoke came to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.buyer import Buyer, Role
from bot.domain.numbers import typed_id

# The roles /grant and `livesell roles grant` hand out; everyone is a buyer anyway.
GRANTABLE = (Role.OPS, Role.MERCHANT)
# Telegram usernames: 5 to 32 letters, digits and underscores (older ones may be shorter), case-insensitive.
USERNAME = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{2,31})")


class NotARole(ValueError):
    """Not one of the grantable roles (ops, merchant)."""


class NotAPerson(ValueError):
    """Neither an @username nor a Telegram id."""


def parse_role(text: str) -> Role:
    try:
        role = Role(text.strip().lower())
    except ValueError:
        raise NotARole(text) from None
    if role not in GRANTABLE:
        raise NotARole(text)
    return role


def normal_username(username: str | None) -> str | None:
    """A username as the buyer table keeps it: lower case, without "@"; None for none."""
    if not username:
        return None
    return username.strip().removeprefix("@").lower() or None


@dataclass(frozen=True, slots=True)
class PersonRef:
    """Whom a grant names: a Telegram id, or an @username the bot has seen."""

    telegram_id: int | None = None
    username: str | None = None

    def __str__(self) -> str:
        return f"@{self.username}" if self.username else str(self.telegram_id)


def parse_person(text: str) -> PersonRef:
    """`@name` or `name` (a username), or a Telegram id; raises NotAPerson."""
    text = text.strip()
    if (telegram_id := typed_id(text)) is not None:
        return PersonRef(telegram_id=telegram_id)
    match = USERNAME.fullmatch(text)
    if match is None:
        raise NotAPerson(text)
    return PersonRef(username=normal_username(match.group(1)))


class RoleOutcome(StrEnum):
    GRANTED = "granted"
    ALREADY_HELD = "already_held"
    REVOKED = "revoked"
    NOT_HELD = "not_held"
    # MERCHANT_IDS / OPS_IDS give the role: only a change of the settings takes it away.
    FROM_SETTINGS = "from_settings"
    # The bot has never talked to the person (no /start): it cannot find an @username nor write to them.
    UNKNOWN_PERSON = "unknown_person"


@dataclass(frozen=True, slots=True)
class RoleChange:
    """What a grant or revoke came to; `roles`: the person's roles after it (empty for an unknown person)."""

    outcome: RoleOutcome
    role: Role
    person: PersonRef
    buyer: Buyer | None = None
    roles: frozenset[Role] = frozenset()

    @property
    def changed(self) -> bool:
        return self.outcome in (RoleOutcome.GRANTED, RoleOutcome.REVOKED)


@dataclass(frozen=True, slots=True)
class RoleGrant:
    """A role stored in the database (granted in chat or the CLI)."""

    telegram_id: int
    role: Role
    granted_by: int | None
    granted_at: datetime


@dataclass(frozen=True, slots=True)
class RoleHolder:
    """One person holding one role, and where it comes from (the settings, or a grant)."""

    telegram_id: int
    role: Role
    from_settings: bool
    name: str = ""
    username: str | None = None
    granted_by: int | None = None
    granted_at: datetime | None = None


def staff_roles(holders: list[RoleHolder]) -> dict[int, frozenset[Role]]:
    """Each merchant's or ops person's roles (a buyer's included), from the list of holders."""
    roles: dict[int, set[Role]] = {}
    for holder in holders:
        roles.setdefault(holder.telegram_id, {Role.BUYER}).add(holder.role)
    return {telegram_id: frozenset(held) for telegram_id, held in roles.items()}
