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
    """A grantable role's name, shown in quotes: the sentences around it never bend it."""
    return _("merchant") if role is Role.MERCHANT else _("ops")


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
            text = "✅ " + _(
                "{person} now has the role “{role}”. I told them, and their command menu shows its commands."
            )
        case RoleOutcome.ALREADY_HELD:
            text = _("{person} has the role “{role}” already.")
        case RoleOutcome.REVOKED:
            text = "✅ " + _("{person} no longer has the role “{role}”. I told them, and their command menu changed.")
        case RoleOutcome.NOT_HELD:
            text = _("{person} does not have the role “{role}”: nothing to take back.")
        case RoleOutcome.FROM_SETTINGS:
            text = _(
                "{person} has the role “{role}” from the shop's settings (MERCHANT_IDS or OPS_IDS), so I cannot take "
                "it back here: remove them there and restart the bot."
            )
        case RoleOutcome.UNKNOWN_PERSON:
            text = _("I do not know {person} yet. Ask them to open a chat with me and send /start, then try again.")
    return text.format(person=who, role=role)


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
            "You now have the role “{role}” in this shop. Your command menu shows its commands; /help lists them."
        ).format(role=role)
    return _("You no longer have the role “{role}” in this shop. /help lists what you can do.").format(role=role)
