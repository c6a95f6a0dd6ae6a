"""/grant and /revoke: what the merchant is told, and what the person who got or lost a role is told."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.buyer import Role
from bot.domain.notices import RoleChanged
from bot.domain.roles import RoleChange, RoleHolder, RoleOutcome
from handlers.callbacks import RoleCb
from handlers.views.common import Screen


def role_name(role: Role) -> str:
    if role is Role.MERCHANT:
        return _("merchant")
    if role is Role.OPS:
        return _("ops")
    return _("buyer")


def grant_usage_text() -> str:
    return "\n".join(
        [
            _("Give someone a role: /grant @name ops or /grant @name merchant (a Telegram id works too)."),
            _("Or reply to the person's message with /grant ops."),
            _("Take it back the same way with /revoke."),
        ]
    )


def who_text(change: RoleChange) -> str:
    """The person as the merchant named them, with their name when the bot knows it."""
    named = str(change.person)
    if change.buyer is not None and change.buyer.name:
        named = f"{change.buyer.name} ({named})"
    return f"<b>{html.escape(named)}</b>"


def role_change_text(change: RoleChange) -> str:
    """The answer to /grant or /revoke, in the merchant's language."""
    who, role = who_text(change), role_name(change.role)
    match change.outcome:
        case RoleOutcome.GRANTED:
            return "✅ " + _(
                "{person} is now {role}. I told them, and their command menu has the new commands."
            ).format(person=who, role=role)
        case RoleOutcome.ALREADY_HELD:
            return _("{person} is {role} already.").format(person=who, role=role)
        case RoleOutcome.REVOKED:
            return "✅ " + _(
                "{person} is no longer {role}. I told them, and their command menu is back to normal."
            ).format(person=who, role=role)
        case RoleOutcome.NOT_HELD:
            return _("{person} is not {role}: nothing to take back.").format(person=who, role=role)
        case RoleOutcome.FROM_SETTINGS:
            return _(
                "{person} is {role} by the shop's settings (MERCHANT_IDS or OPS_IDS), so I cannot take it back here: "
                "remove them there and restart the bot."
            ).format(person=who, role=role)
        case RoleOutcome.UNKNOWN_PERSON:
            return _(
                "I do not know {person} yet. Ask them to open a chat with me and send /start, then try again."
            ).format(person=who)


def not_a_role_text(text: str) -> str:
    return _("“{text}” is not a role: use ops or merchant.").format(text=html.escape(text))


def not_a_person_text(text: str) -> str:
    return _("“{text}” is neither an @username nor a Telegram id.").format(text=html.escape(text))


def revoke_screen(holders: list[RoleHolder]) -> Screen:
    """/revoke without a name: who holds a granted role, each with a button that takes it back."""
    granted = [holder for holder in holders if not holder.from_settings]
    if not granted:
        return Screen(_("Nobody holds a granted role.") + "\n\n" + grant_usage_text(), None)
    builder = InlineKeyboardBuilder()
    for holder in granted:
        label = holder.name or (f"@{holder.username}" if holder.username else str(holder.telegram_id))
        builder.button(
            text="✖ " + _("{person}: {role}").format(person=label, role=role_name(holder.role)),
            callback_data=RoleCb(telegram_id=holder.telegram_id, role=holder.role.value),
        )
    builder.adjust(1)
    markup: InlineKeyboardMarkup = builder.as_markup()
    return Screen(_("Tap a role to take it back:"), markup)


def role_changed_text(notice: RoleChanged) -> str:
    """For the person, in their language."""
    role = role_name(notice.role)
    if notice.granted:
        return "🔑 " + _(
            "You are now {role} of this shop. Your command menu has the new commands; /help lists them."
        ).format(role=role)
    return _("You are no longer {role} of this shop. /help lists what you can do.").format(role=role)
