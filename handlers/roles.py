"""/grant and /revoke: a merchant gives someone the ops or merchant role, or takes it back (handlers/access.py lets
only merchants in; the refusal router answers everyone else). The person is named by @username or Telegram id, or
is the author of the message the command replies to."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, MessageOriginUser, User

from bot.domain.buyer import Role
from bot.domain.roles import NotAPerson, NotARole, PersonRef, parse_person, parse_role
from bot.services.roles import RoleService
from handlers.access import HasRole
from handlers.callbacks import RoleCb
from handlers.views.roles import (
    grant_usage_text,
    not_a_person_text,
    not_a_role_text,
    revoke_screen,
    role_change_text,
)


def make_router() -> Router:
    router = Router(name="roles")
    router.message.register(grant, Command("grant"), HasRole(Role.MERCHANT))
    router.message.register(revoke, Command("revoke"), HasRole(Role.MERCHANT))
    router.callback_query.register(revoke_button, RoleCb.filter(), HasRole(Role.MERCHANT))
    return router


def replied_author(message: Message) -> User | None:
    """Whom a reply points at: the author of the replied-to message (or of the message it forwards)."""
    replied = message.reply_to_message
    if replied is None:
        return None
    if isinstance(replied.forward_origin, MessageOriginUser):
        return replied.forward_origin.sender_user
    return replied.from_user


def read_command(message: Message, command: CommandObject) -> tuple[PersonRef, Role]:
    """`@name ROLE`, `ID ROLE`, or `ROLE` in a reply; raises NotAPerson, NotARole, or ValueError (usage)."""
    words = (command.args or "").split()
    author = replied_author(message)
    if len(words) == 1 and author is not None and not author.is_bot:
        return PersonRef(telegram_id=author.id), parse_role(words[0])
    if len(words) != 2:
        raise ValueError("usage")
    return parse_person(words[0]), parse_role(words[1])


async def grant(message: Message, command: CommandObject, roles: RoleService) -> None:
    await change_role(message, command, roles, granting=True)


async def revoke(message: Message, command: CommandObject, roles: RoleService) -> None:
    if not (command.args or "").strip() and message.reply_to_message is None:
        screen = revoke_screen(await roles.staff())
        await message.answer(screen.text, reply_markup=screen.keyboard)
        return
    await change_role(message, command, roles, granting=False)


async def change_role(message: Message, command: CommandObject, roles: RoleService, granting: bool) -> None:
    assert message.from_user is not None
    try:
        person, role = read_command(message, command)
    except NotAPerson as exc:
        await message.answer(not_a_person_text(str(exc)))
        return
    except NotARole as exc:
        await message.answer(not_a_role_text(str(exc)))
        return
    except ValueError:
        await message.answer(grant_usage_text())
        return
    if granting:
        change = await roles.grant(person, role, granted_by=message.from_user.id)
    else:
        change = await roles.revoke(person, role)
    await message.answer(role_change_text(change))


async def revoke_button(query: CallbackQuery, callback_data: RoleCb, roles: RoleService) -> None:
    try:
        role = parse_role(callback_data.role)
    except NotARole:
        await query.answer()
        return
    change = await roles.revoke(PersonRef(telegram_id=callback_data.telegram_id), role)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.answer(role_change_text(change))
