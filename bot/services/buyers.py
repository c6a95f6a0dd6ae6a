"""Who is talking to the shop, and in which language."""

from __future__ import annotations

from bot.domain.buyer import Buyer, Role
from bot.domain.language import pick_language
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

    async def register(self, telegram_id: int, telegram_language: str | None, name: str = "") -> Buyer:
        """Remember a person on first contact; later calls return them as they are."""
        async with self.uow() as uow:
            buyer = await uow.buyers.get(telegram_id)
            if buyer is None:
                buyer = Buyer(
                    telegram_id=telegram_id,
                    language=pick_language(telegram_language, self.supported_languages, self.default_language),
                    name=name[:200],
                )
                await uow.buyers.add(buyer)
                await uow.commit()
        return buyer

    async def choose_language(self, telegram_id: int, language: str, name: str = "") -> str:
        if language not in self.supported_languages:
            raise UnsupportedLanguage(language)
        async with self.uow() as uow:
            if await uow.buyers.get(telegram_id) is None:
                await uow.buyers.add(Buyer(telegram_id=telegram_id, language=language, name=name[:200]))
            else:
                await uow.buyers.set_language(telegram_id, language)
            await uow.commit()
        return language
