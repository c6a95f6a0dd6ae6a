"""The real dispatcher, as bot/app.py builds it on a SQLite database, takes any message and any button data from
buyers, ops and merchants: no handler raises, and every private message and every tap is answered.

The dispatcher is built once for the module (a whole application per example would cost seconds); examples share its
database and conversation state, so a random /newstream or checkout step is followed by more random input, as in a
real chat. The bot's requests go to a recording session (tests/unit/telegram.py) that refuses what Telegram refuses
(invalid HTML, an alert over 200 characters, a caption too long, an edit that changes nothing), without the
outbound queue's pacing (docs/outbound.md), which only decides when a message leaves; keyword orders' answers, sent
in tasks of their own, are drained after each update.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import pytest
import pytest_asyncio
from aiogram import Bot
from aiogram.methods import AnswerCallbackQuery, SendMessage, TelegramMethod
from aiogram.types import Chat, Contact, Document, Location, PhotoSize, Sticker, Update, User
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from bot.app import Application, build
from bot.config import load_settings
from storage.migrate import ensure_schema
from tests.integration.conftest import _pg_execute
from tests.property.strategies import any_text, costly, word_salad
from tests.unit.telegram import Chats, RecordingSession, button_data, make_bot

pytestmark = pytest.mark.asyncio(loop_scope="module")

LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "pt-br", "ru", "zh-hans", "ja", "ko", "tr", "ar", "he", None]
MERCHANT, OPS, GROUP = 7001, 7002, -100500
CATALOGUE = """code,variant,title,description,price,currency,stock,ships_to,image_url,title.de,variant.de
MUG,,Mug,A mug,9.00,EUR,50,*,,Becher,
DRESS-RED,S,Red dress,Cotton,49.00,EUR,20,*,,Rotes Kleid,Klein
DRESS-RED,M,,,49.00,EUR,20,,,,Mittel
SCARF-SILK,Ivory,Silk scarf,Silk,39.00,EUR,10,DE FR,,Seidentuch,Elfenbein
A12,dark blue,Beanie,<b>wool</b> & co,15.50,EUR,5,*,,Mütze,Dunkelblau
"""


class Failures(logging.Handler):
    """Log records of errors: a handler that catches an exception and logs it has still met one."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Shop:
    application: Application
    bot: Bot
    session: RecordingSession
    failures: Failures
    chats: Chats = field(default_factory=Chats)

    async def feed(self, update: Update) -> list[TelegramMethod[object]]:
        """The requests the update caused; fails on any exception a handler raised or logged."""
        self.session.requests.clear()  # thousands of examples in a thorough run: keep only this update's
        self.failures.records.clear()
        await self.application.dispatcher.feed_update(self.bot, update)
        if self.application.order_answers is not None:  # a keyword order's answer goes out in a task of its own
            await self.application.order_answers.drain()
        assert [record.getMessage() for record in self.failures.records] == []
        return list(self.session.requests)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """SQLite in a temporary folder; a fresh PostgreSQL database with PROPERTY_DATABASE=postgresql (and
    TEST_POSTGRES_URL), for a thorough run against what production uses."""
    admin_url = os.environ.get("TEST_POSTGRES_URL")
    if os.environ.get("PROPERTY_DATABASE") != "postgresql":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('shop') / 'shop.db'}"
        return
    if not admin_url:
        pytest.skip("PROPERTY_DATABASE=postgresql needs TEST_POSTGRES_URL")
    name = f"livesell_props_{uuid.uuid4().hex[:10]}"
    await _pg_execute(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        await _pg_execute(admin_url, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shop(database_url: str) -> AsyncIterator[Shop]:
    settings = load_settings(
        database_url=database_url,
        merchant_ids=[MERCHANT],
        ops_ids=[OPS],
        keyword_group_ids=[GROUP],
        flood_rate=0,  # examples come faster than any person types: flood control would rightly skip them
        outbound_group_batch_seconds=0,  # a group's order confirmations at once, not gathered for seconds
    )
    await ensure_schema(settings.database_url)
    application = build(settings)
    await application.core.catalogue.import_file(CATALOGUE)
    bot, session = make_bot()
    for part in (application.notifier, application.menus, application.daily_report_sender):
        part.attach(bot)
    application.broadcast_sender.attach(bot)
    if application.order_answers is not None:
        application.order_answers.attach(bot)
    failures = Failures()
    logging.getLogger().addHandler(failures)
    try:
        yield Shop(application, bot, session, failures)
    finally:
        logging.getLogger().removeHandler(failures)
        await application.close()


@pytest.fixture(autouse=True)
def _stay_in_the_shop_folder() -> Iterator[None]:
    yield  # the module's database is opened by path: the per-test working directory does not matter


MERCHANT_USER = User(id=MERCHANT, is_bot=False, first_name="Merchant", language_code="de")
BUYER = User(id=3, is_bot=False, first_name="Ann", language_code="en")
senders = st.one_of(
    st.builds(
        lambda user_id, language: User(id=user_id, is_bot=False, first_name="B\u202eyer", language_code=language),
        st.integers(1, 40),
        st.sampled_from(LANGUAGES),
    ),
    st.sampled_from(
        [
            User(id=MERCHANT, is_bot=False, first_name="Merchant", language_code="de"),
            User(id=OPS, is_bot=False, first_name="Ops", username="ops_person", language_code="ar"),
        ]
    ),
)
commands = st.builds(
    lambda command, argument: f"{command} {argument}".strip(),
    st.sampled_from(
        [
            "/start",
            "/help",
            "/catalog",
            "/cart",
            "/orders",
            "/language",
            "/currency",
            "/timezone",
            "/cancel",
            "/subscribe",
            "/stop",
            "/export",
            "/newstream",
            "/streams",
            "/say",
            "/broadcast",
            "/grant",
            "/revoke",
            "/report",
            "/codes",
            "/live",
            "/end",
            "/stats",
            "/start@livesell_test_bot",
            "/unknown",
        ]
    ),
    st.one_of(
        st.just(""),
        word_salad,
        any_text,
        st.sampled_from(["ops @ops_person", "merchant 7001", "2026-01-01", "²", "99999999999999999999999", "p_²"]),
        st.sampled_from(["ops", "merchant"]).map(lambda role: f"{role} 99999999999999999999999"),
    ),
)
messages = st.one_of(any_text, word_salad, commands)


@given(sender=senders, text=messages)
@example(User(id=3, is_bot=False, first_name="Ann", language_code="en"), "MUG x999999999999999999999")
@example(User(id=3, is_bot=False, first_name="Ann", language_code="en"), "<b>" + "é" * 5000)
@example(User(id=MERCHANT, is_bot=False, first_name="M", language_code="de"), "/newstream")
@example(MERCHANT_USER, "/live ²")
@example(MERCHANT_USER, "/live 99999999999999999999999")
@example(MERCHANT_USER, "/end ²")
@example(MERCHANT_USER, "/stats 99999999999999999999999")
@example(MERCHANT_USER, "/report ²")
@example(MERCHANT_USER, "/report 99999999999999999999999")
@example(MERCHANT_USER, "/grant ops ²")
@example(MERCHANT_USER, "/grant ops 99999999999999999999999")
@example(MERCHANT_USER, "/revoke merchant 99999999999999999999999")
@example(BUYER, "/start p_99999999999999999999")
@example(BUYER, "/start p_²")
@example(User(id=MERCHANT, is_bot=False, first_name="M", language_code="de"), "Summer\x00 sale")  # its title
@example(User(id=3, is_bot=False, first_name="Ann", language_code="en"), "does the MUG ship to\x00 Germany?")
async def test_every_private_message_is_answered_and_none_raises(shop: Shop, sender: User, text: str) -> None:
    sent = await shop.feed(shop.chats.message(sender, text))
    assert sent, f"no answer to {text!r}"


@given(sender=senders, text=messages)
async def test_no_group_message_raises(shop: Shop, sender: User, text: str) -> None:
    await shop.feed(shop.chats.message(sender, text, Chat(id=GROUP, type="supergroup", title="Live")))


PREFIXES = [
    "cat",
    "prod",
    "prod1",
    "lang",
    "var",
    "add",
    "cart",
    "wait",
    "co",
    "cur",
    "kw",
    "sub",
    "st",
    "ns",
    "tz",
    "ask",
    "role",
    "export",
]
numbers = st.one_of(
    st.integers(-3, 12),
    st.integers(),
    st.sampled_from([2**63, -(2**63) - 1, 10**30]),
).map(str)
callback_data = st.one_of(
    st.text(max_size=64),
    st.builds(
        lambda prefix, parts: ":".join([prefix, *parts])[:64],
        st.sampled_from(PREFIXES),
        st.lists(
            numbers | word_salad | st.sampled_from(["", "show", "set", "checkout", "confirm", "on", "auto"]), max_size=4
        ),
    ),
)


@given(sender=senders, data=callback_data, private=st.booleans())
@example(User(id=5, is_bot=False, first_name="Ann", language_code="en"), "prod:99999999999999999999999:0", True)
@example(User(id=5, is_bot=False, first_name="Ann", language_code="en"), "add:1:-5:1:0", True)
@example(User(id=5, is_bot=False, first_name="Ann", language_code="en"), "cat:-1", True)
async def test_every_tap_on_any_button_data_is_answered_and_none_raises(
    shop: Shop, sender: User, data: str, private: bool
) -> None:
    chat = None if private else Chat(id=GROUP, type="supergroup", title="Live")
    sent = await shop.feed(shop.chats.tap(sender, data, chat=chat))
    assert any(isinstance(request, AnswerCallbackQuery) for request in sent), f"tap on {data!r} left unanswered"


_buyers = iter(range(100_000, 10**9))
country_answers = st.sampled_from(["Germany", "DE", "deutschland", "США", "日本", "UK"]) | any_text
phone_answers = st.sampled_from(["+49 30 1234567", "030 1234567", "+1 202 555 0143"]) | any_text


@given(
    country=country_answers, name=any_text, address=any_text, phone=phone_answers, language=st.sampled_from(LANGUAGES)
)
@example("DE", "<b>Anna</b> & Co", "Hauptstr. 1 <i>", "+49 30 1234567", "de")
@example("DE", "A" * 4096, "B" * 4096, "+49 30 1234567", "ar")
async def test_any_checkout_answers_get_a_reply_and_none_raises(
    shop: Shop, country: str, name: str, address: str, phone: str, language: str | None
) -> None:
    """A buyer with a mug in the cart answers checkout's questions with anything: each answer is replied to (the next
    question, or why it is refused), and a summary that comes is confirmed."""
    buyer = User(id=next(_buyers), is_bot=False, first_name="Ann", language_code=language)
    for text in ("MUG", "/checkout", country, name, address, phone):
        sent = await shop.feed(shop.chats.message(buyer, text))
        assert sent, f"no answer to {text!r}"
    summary = [request for request in sent if isinstance(request, SendMessage)][-1]
    confirm = [data for _, data in button_data(summary.reply_markup)] if summary.reply_markup else []
    for data in confirm:
        if data.startswith("co:confirm"):
            sent = await shop.feed(shop.chats.tap(buyer, data))
            assert any(isinstance(request, AnswerCallbackQuery) for request in sent)


OPENINGS = {
    "buyer": [
        "/start",
        "/catalog",
        "/cart",
        "/language",
        "/currency",
        "/orders",
        "/subscribe",
        "/timezone",
        "MUG",
        "DRESS-RED",
        "a12",
        "/checkout",
    ],
    "merchant": [
        "/newstream",
        "/export",
        "/streams",
        "/say",
        "/broadcast",
        "/grant",
        "/revoke",
        "/codes",
        "/report",
        "/timezone",
    ],
}
steps = st.lists(st.integers(0, 7) | any_text | word_salad, min_size=1, max_size=6)


@costly(15)
@given(role=st.sampled_from(sorted(OPENINGS)), opening=st.integers(0, 20), steps=steps)
@example("merchant", 0, ["Summer sale", 1, "2030-01-10 18:00", "90m", "MUG A12", 0, 0, 0])
@example("merchant", 1, [0, 0, 0, 0, "2026-01-01 – 2026-12-31", 0, 0, 0])
async def test_any_conversation_of_typed_answers_and_taps_is_answered_and_none_raises(
    shop: Shop, role: str, opening: int, steps: list[int | str]
) -> None:
    """A conversation opened by a command (or an order), then random answers and taps on the buttons the bot last
    showed (a number picks one): each message is replied to and each tap answered."""
    person = (
        User(id=MERCHANT, is_bot=False, first_name="M", language_code="de")
        if role == "merchant"
        else User(id=next(_buyers), is_bot=False, first_name="Ann", language_code="fr")
    )
    choices = OPENINGS[role]
    await shop.feed(shop.chats.message(person, "/cancel"))
    markup = None  # the keyboard of the last message the bot sent this person
    for step in [choices[opening % len(choices)], *steps]:
        if isinstance(step, str):
            sent = await shop.feed(shop.chats.message(person, step))
            assert sent, f"no answer to {step!r}"
        else:
            tappable = [data for _, data in button_data(markup) if ":" in data] if markup is not None else []
            if not tappable:
                continue
            sent = await shop.feed(shop.chats.tap(person, tappable[step % len(tappable)], markup=markup))
            assert any(isinstance(request, AnswerCallbackQuery) for request in sent), "a tap left unanswered"
        shown = [r for r in sent if isinstance(r, SendMessage) and r.chat_id == person.id and r.reply_markup]
        markup = shown[-1].reply_markup if shown else markup


def media_message(chats: Chats, user: User, kind: str, text: str) -> Update:
    """A message that is not text: a photo or document with a caption, a sticker, a location, a shared contact."""
    update = chats.message(user, "")
    assert update.message is not None
    fields: dict[str, object] = {"text": None}
    if kind == "photo":
        fields |= {"photo": [PhotoSize(file_id="p", file_unique_id="p", width=90, height=90)], "caption": text}
    elif kind == "document":
        fields |= {
            "document": Document(file_id="d", file_unique_id="d", file_name=text[:200] or None, mime_type="text/csv"),
            "caption": text,
        }
    elif kind == "sticker":
        fields |= {
            "sticker": Sticker(
                file_id="s", file_unique_id="s", type="regular", width=1, height=1, is_animated=False, is_video=False
            )
        }
    elif kind == "location":
        fields |= {"location": Location(latitude=52.5, longitude=13.4)}
    else:
        fields |= {"contact": Contact(phone_number=text[:64], first_name="Ann", user_id=user.id)}
    return update.model_copy(update={"message": update.message.model_copy(update=fields)})


@given(
    sender=senders,
    kind=st.sampled_from(["photo", "document", "sticker", "location", "contact"]),
    text=any_text | st.sampled_from(["+49 30 1234567", "MUG"]),
)
async def test_every_private_message_without_text_is_answered_and_none_raises(
    shop: Shop, sender: User, kind: str, text: str
) -> None:
    assert await shop.feed(media_message(shop.chats, sender, kind, text)), f"no answer to a {kind}"
