"""Granting and revoking the ops and merchant roles (in chat by a merchant, or in the CLI), and who holds which.

MERCHANT_IDS / OPS_IDS give roles too; those are the settings' to change, so a revoke of one says so and changes
nothing. After a change the person is told (in their language) and their command menu follows at once, when a chat
is wired (the CLI has none: the running bot's menus catch up by themselves, see `staff`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from bot.domain.buyer import Buyer, Role
from bot.domain.notices import RoleChanged
from bot.domain.roles import PersonRef, RoleChange, RoleGrant, RoleHolder, RoleOutcome
from bot.ports import CommandMenus, Notifier, UnitOfWork, UnitOfWorkFactory
from bot.services.buyers import BuyerService

# Who is told of what merchants hear about (stream totals and charts, broadcast reports): fixed ids (tests, tools), or
# the role holders asked afresh each time (`RoleService.merchants`), so a merchant granted in chat hears too.
MerchantIds = Sequence[int] | Callable[[], Awaitable[Sequence[int]]]


async def merchant_ids_of(source: MerchantIds) -> Sequence[int]:
    return await source() if callable(source) else source


class RoleService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        buyers: BuyerService,
        notifier: Notifier | None = None,
        menus: CommandMenus | None = None,
    ) -> None:
        self.uow = uow
        self.buyers = buyers
        self.notifier = notifier
        self.menus = menus

    async def grant(
        self, person: PersonRef, role: Role, granted_by: int | None = None, now: datetime | None = None
    ) -> RoleChange:
        if person.telegram_id is not None and role in self.buyers.roles_of(person.telegram_id):
            return RoleChange(RoleOutcome.ALREADY_HELD, role, person)
        async with self.uow() as uow:
            buyer = await self._find(uow, person)
            if buyer is None:
                return RoleChange(RoleOutcome.UNKNOWN_PERSON, role, person)
            if role in self.buyers.roles_of(buyer.telegram_id):
                return RoleChange(RoleOutcome.ALREADY_HELD, role, person, buyer)
            # Granted before, or by another merchant this very moment: the primary key decides.
            granted = await uow.roles.grant(buyer.telegram_id, role, granted_by, now or datetime.now(UTC))
            await uow.commit()
        return await self._changed(RoleOutcome.GRANTED if granted else RoleOutcome.ALREADY_HELD, role, person, buyer)

    async def revoke(self, person: PersonRef, role: Role) -> RoleChange:
        if person.telegram_id is not None and role in self.buyers.roles_of(person.telegram_id):
            return RoleChange(RoleOutcome.FROM_SETTINGS, role, person)
        async with self.uow() as uow:
            buyer = await self._find(uow, person)
            if buyer is None:
                return RoleChange(RoleOutcome.UNKNOWN_PERSON, role, person)
            if role in self.buyers.roles_of(buyer.telegram_id):
                return RoleChange(RoleOutcome.FROM_SETTINGS, role, person, buyer)
            revoked = await uow.roles.revoke(buyer.telegram_id, role)
            await uow.commit()
        return await self._changed(RoleOutcome.REVOKED if revoked else RoleOutcome.NOT_HELD, role, person, buyer)

    async def _changed(self, outcome: RoleOutcome, role: Role, person: PersonRef, buyer: Buyer) -> RoleChange:
        """The outcome with the person's roles as they are now; a real change is told and their menu follows."""
        change = RoleChange(outcome, role, person, buyer, await self.buyers.roles_for(buyer.telegram_id))
        if outcome in (RoleOutcome.GRANTED, RoleOutcome.REVOKED):
            await self._follow(change)
        return change

    async def merchants(self) -> list[int]:
        """Everyone who is a merchant now: MERCHANT_IDS, then those granted the role."""
        async with self.uow() as uow:
            granted = [grant.telegram_id for grant in await uow.roles.grants() if grant.role is Role.MERCHANT]
        return list(dict.fromkeys([*sorted(self.buyers.merchant_ids), *granted]))

    async def staff(self) -> list[RoleHolder]:
        """Everyone holding a role: the settings' first (merchants, then ops), then the grants, oldest first."""
        async with self.uow() as uow:
            grants = await uow.roles.grants()
            people = {
                telegram_id: await uow.buyers.get(telegram_id)
                for telegram_id in {
                    *self.buyers.merchant_ids,
                    *self.buyers.ops_ids,
                    *(grant.telegram_id for grant in grants),
                }
            }

        def holder(telegram_id: int, role: Role, grant: RoleGrant | None = None) -> RoleHolder:
            buyer = people.get(telegram_id)
            return RoleHolder(
                telegram_id,
                role,
                from_settings=grant is None,
                name=buyer.name if buyer else "",
                username=buyer.username if buyer else None,
                granted_by=grant.granted_by if grant else None,
                granted_at=grant.granted_at if grant else None,
            )

        holders = [holder(i, Role.MERCHANT) for i in sorted(self.buyers.merchant_ids)]
        holders += [holder(i, Role.OPS) for i in sorted(self.buyers.ops_ids)]
        holders += [
            holder(grant.telegram_id, grant.role, grant)
            for grant in grants
            if grant.role not in self.buyers.roles_of(grant.telegram_id)
        ]
        return holders

    async def _find(self, uow: UnitOfWork, person: PersonRef) -> Buyer | None:
        """The person, if they ever started the bot: it can neither find an @username it has never seen nor write
        to someone who never wrote to it."""
        if person.username is not None:
            buyer = await uow.buyers.by_username(person.username)
        else:
            assert person.telegram_id is not None
            buyer = await uow.buyers.get(person.telegram_id)
        return buyer if buyer is not None and buyer.started else None

    async def _follow(self, change: RoleChange) -> None:
        """Tell the person, and make their menu the one of the roles they now hold."""
        assert change.buyer is not None
        buyer = change.buyer
        if self.menus is not None:
            await self.menus.show(buyer.telegram_id, change.roles)
        if self.notifier is not None:
            notice = RoleChanged(
                buyer.telegram_id, buyer.language, change.role, granted=change.outcome is RoleOutcome.GRANTED
            )
            await self.notifier.send(notice)
