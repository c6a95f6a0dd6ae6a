"""Who is talking to the shop, and in which language."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum

from bot.domain.buyer import Buyer, Role
from bot.domain.countries import check_country, language_region
from bot.domain.language import pick_language
from bot.domain.money import check_currency
from bot.domain.roles import normal_username
from bot.domain.timezones import UnknownTimezone, ZoneSetting, country_zones, is_timezone, parse_zone, zone_setting
from bot.ports import UnitOfWorkFactory


class UnsupportedLanguage(ValueError):
    """The shop does not speak that language."""


class Untold(Enum):
    """`register` was not told the person's username (only the update's sender says it): it keeps the one known."""

    USERNAME = 0


# The time zone choice that hands the zone back to the buyer's country (or the shop's).
AUTOMATIC = "auto"


@dataclass(frozen=True, slots=True)
class TimezoneOptions:
    """What /timezone shows: the zone in use and why, and the zones of the buyer's country to pick from."""

    current: ZoneSetting
    country: str | None
    zones: tuple[str, ...]


class BuyerService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        supported_languages: list[str],
        default_language: str,
        merchant_ids: list[int] | None = None,
        ops_ids: list[int] | None = None,
        shop_timezone: str = "UTC",
    ) -> None:
        self.uow = uow
        self.supported_languages = supported_languages
        self.default_language = default_language
        self.merchant_ids = frozenset(merchant_ids or ())
        self.ops_ids = frozenset(ops_ids or ())
        self.shop_timezone = shop_timezone

    def role_of(self, telegram_id: int) -> Role:
        if telegram_id in self.merchant_ids:
            return Role.MERCHANT
        if telegram_id in self.ops_ids:
            return Role.OPS
        return Role.BUYER

    def roles_of(self, telegram_id: int) -> frozenset[Role]:
        roles = {Role.BUYER}
        if telegram_id in self.merchant_ids:
            roles.add(Role.MERCHANT)
        if telegram_id in self.ops_ids:
            roles.add(Role.OPS)
        return frozenset(roles)

    async def roles_for(self, telegram_id: int) -> frozenset[Role]:
        """Everything the person may do: what MERCHANT_IDS / OPS_IDS say, and the roles granted to them (/grant,
        `livesell roles grant`), read in one query. Every privileged command and button asks this, on the server."""
        async with self.uow() as uow:
            granted = await uow.roles.granted(telegram_id)
        return self.roles_of(telegram_id) | granted

    async def language_of(self, telegram_id: int, telegram_language: str | None) -> str:
        """The remembered choice, else what Telegram says the person's app speaks, else the shop default."""
        async with self.uow() as uow:
            buyer = await uow.buyers.get(telegram_id)
        if buyer is not None:
            return buyer.language
        return pick_language(telegram_language, self.supported_languages, self.default_language)

    async def register(
        self,
        telegram_id: int,
        telegram_language: str | None,
        name: str = "",
        started: bool = True,
        username: str | Untold | None = Untold.USERNAME,
    ) -> Buyer:
        """Remember a person on first contact; later calls return them as they are (see `register_with_roles`)."""
        buyer, _ = await self.register_with_roles(telegram_id, telegram_language, name, started, username)
        return buyer

    async def register_with_roles(
        self,
        telegram_id: int,
        telegram_language: str | None,
        name: str = "",
        started: bool = True,
        username: str | Untold | None = Untold.USERNAME,
    ) -> tuple[Buyer, frozenset[Role]]:
        """Remember a person on first contact; later calls return them as they are, with their @username as Telegram
        says it now (so `/grant @name` finds them), written only when it changed. Also what `roles_for` says, read
        with the buyer in one query: every update comes this way, and privileged commands and buttons ask.

        `started=False` registers someone known only from a group comment (the bot cannot write to them yet);
        a later call with `started=True` (their /start) marks them reachable.
        """
        async with self.uow() as uow:
            buyer, granted = await uow.buyers.get_seen(telegram_id)
            if buyer is None:
                # A newcomer's burst of comments arrives at once: the database decides which insert counts.
                await uow.buyers.add_if_missing(
                    Buyer(
                        telegram_id=telegram_id,
                        language=pick_language(telegram_language, self.supported_languages, self.default_language),
                        name=name[:200],
                        started=started,
                        region=language_region(telegram_language),
                    )
                )
                buyer = await uow.buyers.get(telegram_id)
                assert buyer is not None
            elif buyer.region is None and (region := language_region(telegram_language)) is not None:
                # Known from before regions were kept, or their app now names one: prices follow it from now on.
                await uow.buyers.set_region(telegram_id, region)
                buyer = replace(buyer, region=region)
            # A newcomer too: someone else may have held the name before (Telegram hands released names on).
            if not isinstance(username, Untold) and buyer.username != (seen := normal_username(username)):
                await uow.buyers.set_username(telegram_id, seen)
                buyer = replace(buyer, username=seen)
            if started and (not buyer.started or buyer.blocked):
                # Writing to the bot again is how a person who blocked it comes back.
                await uow.buyers.set_started(telegram_id)
                await uow.buyers.set_blocked(telegram_id, False)
                buyer = replace(buyer, started=True, blocked=False)
            await uow.commit()
        return buyer, self.roles_of(telegram_id) | granted

    async def mark_blocked(self, telegram_id: int) -> None:
        """Telegram refused to deliver to this person (they blocked the bot): stop writing to them."""
        async with self.uow() as uow:
            await uow.buyers.set_blocked(telegram_id, True)
            await uow.commit()

    async def set_country(self, telegram_id: int, country: str) -> str:
        """Remember where the buyer lives (ISO alpha-2); raises UnknownCountry."""
        code = check_country(country)
        async with self.uow() as uow:
            await uow.buyers.set_country(telegram_id, code)
            await uow.commit()
        return code

    async def get(self, telegram_id: int) -> Buyer | None:
        async with self.uow() as uow:
            return await uow.buyers.get(telegram_id)

    async def set_currency(self, telegram_id: int, currency: str | None) -> str | None:
        """Show prices in `currency` (None: derive it from the country again); raises UnknownCurrency."""
        code = None if currency is None else check_currency(currency)
        async with self.uow() as uow:
            await uow.buyers.set_currency(telegram_id, code)
            await uow.commit()
        return code

    async def choose_language(self, telegram_id: int, language: str, name: str = "") -> str:
        if language not in self.supported_languages:
            raise UnsupportedLanguage(language)
        async with self.uow() as uow:
            await uow.buyers.add_if_missing(Buyer(telegram_id=telegram_id, language=language, name=name[:200]))
            await uow.buyers.set_language(telegram_id, language)
            await uow.commit()
        return language

    async def subscribe(self, telegram_id: int) -> bool:
        """Announce live streams to the buyer from now on; False when they were subscribed already (a double tap,
        an old button): the database says which of two taps changed it."""
        return await self._set_subscribed(telegram_id, True)

    async def unsubscribe(self, telegram_id: int) -> bool:
        """No more announcements; False when there was no subscription to end."""
        return await self._set_subscribed(telegram_id, False)

    async def _set_subscribed(self, telegram_id: int, subscribed: bool) -> bool:
        async with self.uow() as uow:
            changed = await uow.buyers.set_subscribed(telegram_id, subscribed)
            await uow.commit()
        return changed

    def zone_of(self, buyer: Buyer | None) -> ZoneSetting:
        """The zone a buyer's reminders show times in, and where it comes from."""
        if buyer is None:
            return zone_setting(None, None, None, self.shop_timezone)
        return zone_setting(buyer.timezone, buyer.country, buyer.region, self.shop_timezone)

    async def timezone_options(self, telegram_id: int) -> TimezoneOptions:
        buyer = await self.get(telegram_id)
        country = None if buyer is None else buyer.country or buyer.region
        return TimezoneOptions(self.zone_of(buyer), country, country_zones(country) if country else ())

    async def set_timezone(self, telegram_id: int, zone: str | None) -> ZoneSetting:
        """Show the buyer times in `zone` (an IANA name) from now on; None: in their country's again. Raises
        UnknownTimezone."""
        if zone is not None and not is_timezone(zone):
            raise UnknownTimezone(zone)
        async with self.uow() as uow:
            await uow.buyers.set_timezone(telegram_id, zone)
            buyer = await uow.buyers.get(telegram_id)
            await uow.commit()
        return self.zone_of(buyer)

    async def choose_timezone(self, telegram_id: int, text: str, now: datetime | None = None) -> ZoneSetting:
        """What a buyer typed or tapped: a zone, a city, a UTC offset (bot/domain/timezones.py parse_zone), or
        AUTOMATIC. Raises UnknownTimezone."""
        if text.strip().lower() == AUTOMATIC:
            return await self.set_timezone(telegram_id, None)
        return await self.set_timezone(telegram_id, parse_zone(text, now or datetime.now(UTC)))
