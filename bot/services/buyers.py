"""Who is talking to the shop, and in which language."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.buyer import Buyer, Role
from bot.domain.countries import check_country, language_region
from bot.domain.language import pick_language
from bot.domain.money import check_currency
from bot.ports import UnitOfWorkFactory


class UnsupportedLanguage(ValueError):
    """The shop does not speak that language."""


class BuyerService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        supported_languages: list[str],
        default_language: str,
        merchant_ids: list[int] | None = None,
        ops_ids: list[int] | None = None,
    ) -> None:
        self.uow = uow
        self.supported_languages = supported_languages
        self.default_language = default_language
        self.merchant_ids = frozenset(merchant_ids or ())
        self.ops_ids = frozenset(ops_ids or ())

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

    async def language_of(self, telegram_id: int, telegram_language: str | None) -> str:
        """The remembered choice, else what Telegram says the person's app speaks, else the shop default."""
        async with self.uow() as uow:
            buyer = await uow.buyers.get(telegram_id)
        if buyer is not None:
            return buyer.language
        return pick_language(telegram_language, self.supported_languages, self.default_language)

    async def register(
        self, telegram_id: int, telegram_language: str | None, name: str = "", started: bool = True
    ) -> Buyer:
        """Remember a person on first contact; later calls return them as they are.

        `started=False` registers someone known only from a group comment (the bot cannot write to them yet);
        a later call with `started=True` (their /start) marks them reachable.
        """
        async with self.uow() as uow:
            buyer = await uow.buyers.get(telegram_id)
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
            if started and (not buyer.started or buyer.blocked):
                # Writing to the bot again is how a person who blocked it comes back.
                await uow.buyers.set_started(telegram_id)
                await uow.buyers.set_blocked(telegram_id, False)
                buyer = replace(buyer, started=True, blocked=False)
            await uow.commit()
        return buyer

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
