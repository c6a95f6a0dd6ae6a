"""The sandbox Bot API server, driven by aiogram's real Bot over HTTP and by the control API client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import FSInputFile, InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters

from sandbox.client import SandboxClient, SandboxError
from sandbox.server import DEFAULT_TOKEN, RateLimits, Sandbox, SandboxServer
from tests.e2e.pictures import png


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sandbox(clock: FakeClock) -> Sandbox:
    return Sandbox(clock=clock)


@pytest.fixture
async def server(sandbox: Sandbox) -> AsyncIterator[SandboxServer]:
    server = await SandboxServer(sandbox).start()
    yield server
    await server.stop()


def make_bot(server: SandboxServer, token: str = DEFAULT_TOKEN) -> Bot:
    return Bot(token=token, session=AiohttpSession(api=TelegramAPIServer.from_base(server.url)))


@pytest.fixture
async def bot(server: SandboxServer) -> AsyncIterator[Bot]:
    bot = make_bot(server)
    yield bot
    await bot.session.close()


@pytest.fixture
async def client(server: SandboxServer) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(server.url) as client:
        yield client


async def test_get_me_names_the_sandbox_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.id == 123456789 and me.username == "livesell_sandbox_bot"


async def test_unknown_token_is_unauthorized(server: SandboxServer) -> None:
    stranger = make_bot(server, token="42:not-the-sandbox-token")
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await stranger.get_me()
    finally:
        await stranger.session.close()


async def test_unknown_method_is_not_found(server: SandboxServer, client: SandboxClient) -> None:
    assert client._session is not None
    async with client._session.post(f"{server.url}/bot{DEFAULT_TOKEN}/sendTelepathy", json={}) as response:
        assert response.status == 404
        assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


async def test_bad_requests_have_telegrams_shape(bot: Bot, client: SandboxClient) -> None:
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(999, "hello")
    anna = await client.persona("Anna")
    await anna.send("/start")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
        await bot.send_message(anna.id, "")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(anna.id, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(anna.id, "3.50 EUR", parse_mode="MarkdownV2")
    assert client._session is not None
    url = f"{client.base_url}/bot{DEFAULT_TOKEN}/sendMessage"
    async with client._session.post(url, json={"chat_id": 999, "text": "x"}) as response:
        assert response.status == 400
        assert await response.json() == {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}


async def test_bot_cannot_write_first_or_to_a_persona_who_blocked_it(bot: Bot, client: SandboxClient) -> None:
    bruno = await client.persona("Bruno", language_code="it", country="IT")
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation with a user"):
        await bot.send_message(bruno.id, "Buongiorno")
    await bruno.send("/start")
    await bot.send_message(bruno.id, "Buongiorno")
    await bruno.block()
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(bruno.id, "Are you there?")
    await bruno.unblock()
    sent = await bot.send_message(bruno.id, "Welcome back")
    assert sent.chat.id == bruno.id
    texts = [message.text for message in await bruno.transcript()]
    assert texts == ["/start", "Buongiorno", "Welcome back"]


async def test_send_and_edit_keep_markup_and_count_versions(bot: Bot, client: SandboxClient) -> None:
    carla = await client.persona("Carla", language_code="es")
    await carla.send("/catalog")
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Next ▶", callback_data="cat:1")]])
    sent = await bot.send_message(carla.id, "<b>Page 1</b>", parse_mode="HTML", reply_markup=keyboard)
    # Telegram answers with plain text and entities; the transcript keeps the markup as sent.
    assert sent.text == "Page 1" and sent.html_text == "<b>Page 1</b>" and sent.from_user is not None
    assert sent.reply_markup is not None and sent.reply_markup.model_dump() == keyboard.model_dump()
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("<b>Page 1</b>", chat_id=carla.id, message_id=sent.message_id,
                                    parse_mode="HTML", reply_markup=keyboard)  # fmt: skip
    edited = await bot.edit_message_text("Page 2", chat_id=carla.id, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.edit_date is not None and edited.reply_markup is None
    first, reply = await carla.transcript()
    assert (reply.text, reply.version, reply.edited, reply.buttons) == ("Page 2", 2, True, [])
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=carla.id, message_id=99)
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=carla.id, message_id=first.message_id)
    assert await bot.delete_message(carla.id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(carla.id, sent.message_id)


async def test_get_updates_long_polls_until_a_persona_writes(bot: Bot, client: SandboxClient) -> None:
    dora = await client.persona("Dora", language_code="de", country="DE")
    assert await bot.get_updates(timeout=0) == []
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await dora.send("/start")
    (update,) = await poll
    assert update.message is not None and update.message.text == "/start"
    assert update.message.from_user is not None and update.message.from_user.language_code == "de"
    assert update.message.entities is not None and update.message.entities[0].type == "bot_command"
    # The update stays until an offset past it confirms it.
    assert [u.update_id for u in await bot.get_updates(timeout=0)] == [update.update_id]
    assert await bot.get_updates(offset=update.update_id + 1, timeout=0) == []


async def test_a_second_poller_ends_the_first_with_a_conflict(server: SandboxServer, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=20))
    await server.sandbox.polling.wait()
    second = make_bot(server)
    try:
        second_poll = asyncio.create_task(second.get_updates(timeout=1))
        with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
            await first
        assert await second_poll == []
    finally:
        await second.session.close()


async def test_allowed_updates_drop_other_kinds(bot: Bot, client: SandboxClient) -> None:
    emil = await client.persona("Emil")
    await emil.send("hi")
    await emil.block()  # a my_chat_member update, which this bot does not ask for
    updates = await bot.get_updates(timeout=0, allowed_updates=["message", "callback_query"])
    assert [u.event_type for u in updates] == ["message"]
    assert [u.event_type for u in await bot.get_updates(timeout=0, allowed_updates=[])] == ["message"]


async def test_button_press_reaches_the_bot_and_its_answer_reaches_the_persona(bot: Bot, client: SandboxClient) -> None:
    fay = await client.persona("Fay", language_code="fr")
    await fay.send("/start")
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Buy", callback_data="buy:7")]])
    await bot.send_message(fay.id, "Scarf", reply_markup=keyboard)
    card = await fay.wait_for_reply()
    with pytest.raises(SandboxError, match="no button 'Sell'"):
        await fay.press(card, "Sell")
    query_id = await fay.press(card, "Buy")
    updates = await bot.get_updates(timeout=0)
    query = updates[-1].callback_query
    assert query is not None and query.id == query_id and query.data == "buy:7"
    assert query.message is not None and query.message.message_id == card.message_id
    await bot.answer_callback_query(query.id, text="Reserved for 10 minutes", show_alert=True)
    answer = await fay.wait_for_answer(query_id)
    assert (answer.text, answer.show_alert, answer.data) == ("Reserved for 10 minutes", True, "buy:7")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id, text="again")
    forged = await fay.forge_callback("prod:999999")
    forged_query = (await bot.get_updates(timeout=0))[-1].callback_query
    assert forged_query is not None and (forged_query.id, forged_query.data) == (forged, "prod:999999")


async def test_rate_limits_answer_429_with_retry_after(server: SandboxServer, bot: Bot, clock: FakeClock) -> None:
    sandbox = server.sandbox
    sandbox.rate_limits = RateLimits(overall_per_second=3, private_per_second=1, group_per_minute=2)
    gina, hugo = sandbox.add_persona("Gina"), sandbox.add_persona("Hugo")
    for persona in (gina, hugo):
        sandbox.persona_says(persona, "/start")
    await bot.send_message(gina.id, "one")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(gina.id, "two")
    assert caught.value.retry_after == 1
    await bot.send_message(hugo.id, "other chats are not held back")
    clock.now += 1.0
    await bot.send_message(gina.id, "two")
    await bot.send_message(hugo.id, "again")
    group = next(chat for chat in sandbox.chats.values() if chat.type == "supergroup")
    await bot.send_message(group.id, "one")
    with pytest.raises(TelegramRetryAfter):  # the overall limit: 3 sends within this second
        await bot.send_message(group.id, "two")
    clock.now += 1.0
    await bot.send_message(group.id, "two")
    with pytest.raises(TelegramRetryAfter) as caught:  # 2 a minute in this group
        await bot.send_message(group.id, "three")
    assert 50 <= caught.value.retry_after <= 60


async def test_uploaded_photo_and_document_can_be_downloaded(bot: Bot, client: SandboxClient, tmp_path: Path) -> None:
    ivan = await client.persona("Ivan", language_code="ru")
    await ivan.send("/start")
    image = tmp_path / "scarf.png"
    image.write_bytes(png(3, 2))
    sent = await bot.send_photo(ivan.id, FSInputFile(image), caption="<i>Scarf</i>", parse_mode="HTML")
    assert sent.photo is not None and (sent.photo[-1].width, sent.photo[-1].height) == (3, 2)
    assert sent.caption == "Scarf" and sent.caption_entities is not None
    assert [(e.type, e.offset, e.length) for e in sent.caption_entities] == [("italic", 0, 5)]
    downloaded = await bot.download(sent.photo[-1].file_id)
    assert downloaded is not None and downloaded.read() == image.read_bytes()
    again = await bot.send_photo(ivan.id, sent.photo[-1].file_id)
    assert again.photo is not None and again.photo[-1].file_id == sent.photo[-1].file_id

    invoice = tmp_path / "invoice.csv"
    invoice.write_text("order,total\n1,19.90\n")
    document = await bot.send_document(ivan.id, FSInputFile(invoice))
    assert document.document is not None and document.document.file_name == "invoice.csv"
    file = await bot.get_file(document.document.file_id)
    assert file.file_path is not None and file.file_path.endswith(".csv")
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == invoice.read_bytes()

    by_url = await bot.send_photo(ivan.id, "https://example.com/scarf.jpg", caption="from a URL")
    transcript = await ivan.transcript()
    assert transcript[-1].photo_url == "https://example.com/scarf.jpg" and by_url.photo is not None
    assert transcript[1].photo_url is not None and transcript[1].photo_url.startswith("/sandbox/api/files/")
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(ivan.id, "not-a-file-id")
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(ivan.id, FSInputFile(invoice))


async def test_group_messages_reach_the_bot_which_can_reply(bot: Bot, client: SandboxClient) -> None:
    (group,) = await client.groups()
    assert group["type"] == "supergroup" and group["title"] == "Live stream comments"
    jana = await client.persona("Jana", language_code="de")
    comment = await jana.send("Ist der Schal noch da?", chat_id=group["id"])
    (update,) = await bot.get_updates(timeout=0)
    assert update.message is not None and update.message.chat.type == "supergroup"
    reply = await bot.send_message(
        group["id"], "Ja!", reply_parameters=ReplyParameters(message_id=update.message.message_id)
    )
    assert reply.reply_to_message is not None and reply.reply_to_message.text == "Ist der Schal noch da?"
    seen = await jana.wait_for_reply(chat_id=group["id"])
    assert seen.text == "Ja!" and seen.raw["reply_to_message_id"] == comment.message_id
    member = await bot.get_chat_member(group["id"], jana.id)
    assert member.status == "member"
    me = await bot.get_chat_member(group["id"], (await bot.get_me()).id)
    assert me.status == "administrator"
    chat = await bot.get_chat(group["id"])
    assert chat.title == "Live stream comments"


async def test_commands_are_kept_per_language(bot: Bot) -> None:
    from aiogram.types import BotCommand

    await bot.set_my_commands([BotCommand(command="catalog", description="Katalog")], language_code="de")
    assert [c.command for c in await bot.get_my_commands(language_code="de")] == ["catalog"]
    assert await bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])
    assert await bot.delete_webhook()
    assert await bot.send_chat_action(await _private_chat(bot), "typing")


async def _private_chat(bot: Bot) -> int:
    # Any chat the bot may write to; the sandbox's default group will do.
    return -1001000000001


async def test_caption_limit_counts_utf16_units_as_telegram_does(bot: Bot, client: SandboxClient) -> None:
    mei = await client.persona("Mei", language_code="zh")
    await mei.send("/start")
    # 512 emoji are 512 characters but 1,024 UTF-16 units: the most a caption holds. One more is refused.
    fits = await bot.send_photo(mei.id, "https://example.com/mug.jpg", caption="🎁" * 512)
    assert fits.caption == "🎁" * 512
    with pytest.raises(TelegramBadRequest):
        await bot.send_photo(mei.id, "https://example.com/mug.jpg", caption="🎁" * 512 + "a")
    with pytest.raises(TelegramBadRequest):
        await bot.send_message(mei.id, "🎁" * 2048 + "a")
