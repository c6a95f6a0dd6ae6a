"""Roles through the real dispatcher: every privileged command and button (handlers/access.py's registry, so new ones
are covered as they are added) refused to a buyer, typed or forged, with nothing changed, and the merchant-only ones
to ops; /grant and /revoke by @username, id or reply, the person told in their language and their menu changed at
once; /help showing each role its own commands."""

from __future__ import annotations

import pytest
from aiogram.methods import AnswerCallbackQuery, DeleteMyCommands, SendMessage, SetMyCommands
from aiogram.types import Chat, User
from aiogram.utils.i18n import I18n

from bot.app import LOCALES
from bot.domain.buyer import Role
from bot.domain.notices import RoleChanged
from bot.domain.roles import PersonRef, RoleChange, RoleOutcome
from handlers.access import PRIVILEGED_CALLBACKS, PRIVILEGED_COMMANDS
from handlers.views.roles import role_change_text, role_changed_text
from handlers.views.start import privileged_command_descriptions
from tests.unit.chat import ChatHarness, make_chat

MERCHANT = 900
OPS = 901
ANNA = 5
BUYER = 6
GROUP = Chat(id=-100777, type="supergroup", title="Live room")
MERCHANT_ONLY = [name for name, roles in PRIVILEGED_COMMANDS.items() if Role.OPS not in roles]
# Forged button data for a prefix: well-formed for this prefix's buttons or not at all.
FORGED = ("{prefix}:1:merchant", "{prefix}:save", "{prefix}:", "{prefix}:live:not-a-number")


@pytest.fixture
def chat() -> ChatHarness:
    chat = make_chat(merchant_ids=(MERCHANT,), ops_ids=(OPS,))
    chat.add_product("MUG", {"": 20})
    return chat


@pytest.fixture
def merchant(chat: ChatHarness) -> User:
    return chat.chats.user(MERCHANT, "Mia", language_code="fr")


@pytest.fixture
async def anna(chat: ChatHarness) -> User:
    """A buyer who started the bot; her app speaks German, her username is Anna_K."""
    anna = User(id=ANNA, is_bot=False, first_name="Anna", language_code="de", username="Anna_K")
    await chat.say(anna, "/start")
    return anna


def in_language(language: str, render: object) -> str:
    i18n = I18n(path=LOCALES, default_locale="en", domain="messages")
    with i18n.context(), i18n.use_locale(language):
        return render()  # type: ignore[operator, no-any-return]


async def merchant_says(chat: ChatHarness, merchant: User, text: str) -> SendMessage:
    """The bot's one answer to the merchant (others may be told things meanwhile)."""
    [answer] = [r for r in await chat.say(merchant, text) if r.chat_id == merchant.id]
    return answer


def unchanged(chat: ChatHarness) -> bool:
    return chat.core.data.grants == {} and chat.streams.calls == [] and not chat.session.sent(SetMyCommands)


# --- refused: every privileged command and button, typed or forged ------------------------------------------------


@pytest.mark.parametrize("args", ["", " 1", " @anna_k merchant"])
@pytest.mark.parametrize("command", PRIVILEGED_COMMANDS)
async def test_a_buyer_typing_any_privileged_command_is_refused_and_nothing_changes(
    chat: ChatHarness, anna: User, command: str, args: str
) -> None:
    buyer = chat.chats.user(BUYER, language_code="fr")
    before = len(chat.session.requests)
    [reply] = await chat.say(buyer, f"/{command}{args}")
    assert reply.chat_id == BUYER and reply.text.startswith("🔒")
    assert len(chat.session.requests) == before + 1  # the refusal, nothing else
    assert unchanged(chat) and await chat.buyers.roles_for(BUYER) == {Role.BUYER}


@pytest.mark.parametrize("forged", FORGED)
@pytest.mark.parametrize("prefix", PRIVILEGED_CALLBACKS)
async def test_a_buyer_forging_any_privileged_button_is_refused_and_nothing_changes(
    chat: ChatHarness, anna: User, prefix: str, forged: str
) -> None:
    requests = await chat.tap_data(chat.chats.user(BUYER), forged.format(prefix=prefix))
    [alert] = requests
    assert isinstance(alert, AnswerCallbackQuery) and alert.show_alert and (alert.text or "").startswith("🔒")
    assert unchanged(chat)


@pytest.mark.parametrize("command", MERCHANT_ONLY)
async def test_ops_are_refused_the_merchant_only_commands(chat: ChatHarness, anna: User, command: str) -> None:
    [reply] = await chat.say(chat.chats.user(OPS), f"/{command} @anna_k ops")
    assert reply.text.startswith("🔒") and "merchants" in reply.text
    assert unchanged(chat)


@pytest.mark.parametrize("prefix", [p for p, roles in PRIVILEGED_CALLBACKS.items() if Role.OPS not in roles])
async def test_ops_are_refused_the_merchant_only_buttons(chat: ChatHarness, anna: User, prefix: str) -> None:
    [alert] = await chat.tap_data(chat.chats.user(OPS), f"{prefix}:{ANNA}:ops")
    assert isinstance(alert, AnswerCallbackQuery) and (alert.text or "").startswith("🔒")
    assert unchanged(chat)


def test_every_privileged_command_has_a_menu_description() -> None:
    every = frozenset(Role)
    assert list(in_language("de", lambda: privileged_command_descriptions(every))) == list(PRIVILEGED_COMMANDS)


# --- /grant and /revoke -------------------------------------------------------------------------------------------


async def test_a_merchant_grants_ops_by_username_and_anna_is_told_in_german_with_her_menu_changed(
    chat: ChatHarness, merchant: User, anna: User
) -> None:
    told = await merchant_says(chat, merchant, "/grant @ANNA_K ops")

    buyer = await chat.buyers.get(ANNA)
    change = RoleChange(
        RoleOutcome.GRANTED, Role.OPS, PersonRef(username="anna_k"), buyer, frozenset({Role.BUYER, Role.OPS})
    )
    assert told.text == in_language("fr", lambda: role_change_text(change))
    assert await chat.buyers.roles_for(ANNA) == {Role.BUYER, Role.OPS}
    [notice] = chat.session.sent(SendMessage, chat_id=ANNA)[1:]  # after her /start greeting
    assert notice.text == in_language("de", lambda: role_changed_text(RoleChanged(ANNA, "de", Role.OPS, True)))
    menus = [m for m in chat.session.sent(SetMyCommands) if m.scope and m.scope.chat_id == ANNA]
    assert menus and all([c.command for c in m.commands][:2] == ["export", "report"] for m in menus)
    assert "grant" not in {c.command for m in menus for c in m.commands}
    # What ops may do is hers now: /export is not refused, /help lists it.
    assert not any(r.text.startswith("🔒") for r in await chat.say(anna, "/export"))
    [helped] = await chat.say(anna, "/help")
    assert "/export" in helped.text and "/grant" not in helped.text and "/newstream" not in helped.text


async def test_a_grant_by_id_or_by_reply_in_the_group_and_a_second_grant_says_already(
    chat: ChatHarness, merchant: User, anna: User
) -> None:
    said = chat.chats.message(anna, "Schöner Schal!", GROUP)
    await chat.dispatcher.feed_update(chat.bot, said)
    assert said.message is not None
    update = chat.chats.message(merchant, "/grant merchant", GROUP, reply_to=said.message)
    before = len(chat.session.requests)
    await chat.dispatcher.feed_update(chat.bot, update)
    [told] = [r for r in chat.session.requests[before:] if isinstance(r, SendMessage) and r.chat_id == GROUP.id]
    assert told.text.startswith("✅") and await chat.buyers.roles_for(ANNA) >= {Role.MERCHANT}
    again = await merchant_says(chat, merchant, f"/grant {ANNA} merchant")
    assert not again.text.startswith("✅") and chat.core.data.grants.keys() == {(ANNA, Role.MERCHANT)}


async def test_an_unknown_username_is_told_to_start_the_bot_first_in_the_merchants_language(
    chat: ChatHarness, merchant: User
) -> None:
    told = await merchant_says(chat, merchant, "/grant @nobody_here ops")
    change = RoleChange(RoleOutcome.UNKNOWN_PERSON, Role.OPS, PersonRef(username="nobody_here"))
    assert told.text == in_language("fr", lambda: role_change_text(change)) and "/start" in told.text
    assert unchanged(chat)


@pytest.mark.parametrize("text", ["/grant", "/grant ops", "/grant @anna_k boss", "/grant @ x ops", "/grant 5 buyer"])
async def test_a_grant_the_bot_cannot_read_is_explained_and_changes_nothing(
    chat: ChatHarness, merchant: User, anna: User, text: str
) -> None:
    told = await merchant_says(chat, merchant, text)
    assert not told.text.startswith("✅")
    assert unchanged(chat)


async def test_revoke_lists_the_grants_as_buttons_and_a_tap_takes_one_back(
    chat: ChatHarness, merchant: User, anna: User
) -> None:
    await chat.say(merchant, "/grant @anna_k ops")
    listed = await merchant_says(chat, merchant, "/revoke")
    requests = await chat.tap(merchant, listed.reply_markup, "Anna")
    assert any(isinstance(r, SendMessage) and r.chat_id == MERCHANT and r.text.startswith("✅") for r in requests)
    assert await chat.buyers.roles_for(ANNA) == {Role.BUYER}
    deleted = [m for m in chat.session.sent(DeleteMyCommands) if m.scope and m.scope.chat_id == ANNA]
    assert deleted  # her own menu is gone: the buyer's shows again
    assert len(chat.session.sent(SendMessage, chat_id=ANNA)) == 3  # greeting, granted, revoked


async def test_a_role_from_the_settings_cannot_be_revoked_in_chat(chat: ChatHarness, merchant: User) -> None:
    await chat.say(chat.chats.user(OPS, "Olga"), "/start")
    told = await merchant_says(chat, merchant, f"/revoke {OPS} ops")
    assert "OPS_IDS" in told.text and await chat.buyers.roles_for(OPS) == {Role.BUYER, Role.OPS}
    assert unchanged(chat)


async def test_help_shows_each_role_its_own_commands(chat: ChatHarness, merchant: User) -> None:
    [buyers] = await chat.say(chat.chats.user(BUYER), "/help")
    [ops] = await chat.say(chat.chats.user(OPS), "/help")
    [merchants] = await chat.say(chat.chats.user(MERCHANT), "/help")
    assert not any(f"/{name} " in buyers.text for name in PRIVILEGED_COMMANDS)
    assert "/export" in ops.text and "/report" in ops.text and "/grant" not in ops.text
    assert all(f"/{name} " in merchants.text for name in PRIVILEGED_COMMANDS)


async def test_usernames_follow_what_telegram_says(chat: ChatHarness, anna: User) -> None:
    assert (await chat.buyers.get(ANNA)).username == "anna_k"  # type: ignore[union-attr]
    renamed = User(id=ANNA, is_bot=False, first_name="Anna", language_code="de", username="AnnaNew")
    await chat.say(renamed, "hallo")
    # Someone else takes her old name: only they hold it now.
    await chat.say(User(id=7, is_bot=False, first_name="Ben", username="anna_k"), "/start")
    assert (await chat.buyers.get(ANNA)).username == "annanew"  # type: ignore[union-attr]
    assert (await chat.buyers.get(7)).username == "anna_k"  # type: ignore[union-attr]
    commits = chat.core.commits
    await chat.say(renamed, "/help")
    assert chat.core.commits == commits + 1 and (await chat.buyers.get(ANNA)).username == "annanew"  # type: ignore[union-attr]
