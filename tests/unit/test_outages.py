"""An update that meets a database or Redis outage before doing anything is handled again once it is back; one that
did something already, or outlasts the patience, is not repeated and the person is asked to send it again, in the
language of their app; a bug is not taken for an outage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import redis.exceptions
import sqlalchemy.exc
from aiogram import Bot, Router
from aiogram.types import Message
from aiogram.utils.i18n import I18n

from bot import effects
from handlers.outages import NoteTelegramCalls, OutageTolerantDispatcher, apology, is_outage
from tests.unit.telegram import Chats, make_bot

LOCALES = Path(__file__).resolve().parents[2] / "locales"


def database_gone() -> sqlalchemy.exc.OperationalError:
    return sqlalchemy.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError(111, "Connection refused"))


class Flaky:
    """A handler that meets `failures` outages, then answers; `effect` is what it does before failing."""

    def __init__(self, failures: list[Exception], effect: str | None = None) -> None:
        self.failures = failures
        self.effect = effect
        self.runs = 0

    async def handle(self, message: Message, bot: Bot) -> None:
        self.runs += 1
        if self.effect is not None:
            effects.note(self.effect)
        if self.failures:
            raise self.failures.pop(0)
        await bot.send_message(message.chat.id, "Your cart: A12 ×1")


def dispatcher(handler: Flaky, patience: float = 30.0) -> tuple[OutageTolerantDispatcher, list[float]]:
    router = Router()
    router.message.register(handler.handle)
    dispatcher = OutageTolerantDispatcher()
    dispatcher.include_router(router)
    dispatcher.outage_patience = patience
    paused: list[float] = []

    async def no_wait(seconds: float) -> None:
        paused.append(seconds)

    dispatcher.sleep = no_wait
    i18n = I18n(path=LOCALES, default_locale="en", domain="messages")
    dispatcher.apology = apology(i18n, ["en", "de", "es"], "en")
    return dispatcher, paused


def test_outages_are_told_from_bugs_through_the_cause_chain() -> None:
    assert is_outage(database_gone())
    assert is_outage(redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6390"))
    try:
        try:
            raise ConnectionResetError(104, "Connection reset by peer")
        except ConnectionResetError as reset:
            raise RuntimeError("the unit of work failed") from reset
    except RuntimeError as wrapped:
        assert is_outage(wrapped)
    assert not is_outage(ValueError("a bug"))
    assert not is_outage(sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("duplicate key")))


async def test_an_update_that_met_an_outage_before_any_effect_is_handled_again_once_and_answered() -> None:
    bot, session = make_bot()
    handler = Flaky([database_gone(), redis.exceptions.ConnectionError("refused")])
    feed, paused = dispatcher(handler)
    update = Chats().message(Chats().user(7, language_code="de"), "/cart")
    await feed.feed_update(bot, update)
    assert handler.runs == 3 and len(paused) == 2 and paused[1] > paused[0]
    assert session.texts(7) == ["Your cart: A12 ×1"]


async def test_an_update_that_did_something_before_the_outage_is_not_repeated_and_the_person_is_asked_again() -> None:
    bot, session = make_bot()
    handler = Flaky([database_gone()], effect="commit")
    feed, paused = dispatcher(handler)
    update = Chats().message(Chats().user(7, language_code="de"), "A12 Ivory x2")
    with pytest.raises(sqlalchemy.exc.OperationalError):
        await feed.feed_update(bot, update)
    assert handler.runs == 1 and paused == []
    [asked] = session.texts(7)
    assert asked.startswith("⚠️") and "Minute" in asked  # in German, the language of their app


async def test_an_outage_longer_than_the_patience_ends_in_a_request_to_send_it_again() -> None:
    bot, session = make_bot()
    handler = Flaky([database_gone() for _ in range(50)])
    feed, _paused = dispatcher(handler, patience=0.0)
    with pytest.raises(sqlalchemy.exc.OperationalError):
        await feed.feed_update(bot, Chats().message(Chats().user(8, language_code="es"), "/orders"))
    assert handler.runs == 1
    [asked] = session.texts(8)
    assert "minuto" in asked


async def test_a_bug_is_raised_at_once_without_a_second_run() -> None:
    bot, session = make_bot()
    handler = Flaky([ValueError("a bug")])
    feed, paused = dispatcher(handler)
    with pytest.raises(ValueError):
        await feed.feed_update(bot, Chats().message(Chats().user(9), "/cart"))
    assert handler.runs == 1 and paused == [] and session.texts(9) == []


async def test_a_message_sent_to_telegram_counts_as_an_effect() -> None:
    bot, _session = make_bot()
    bot.session.middleware(NoteTelegramCalls())
    with effects.tracking() as done:
        await bot.get_me()
        assert done == []
        await bot.send_message(5, "hello")
    assert done == ["SendMessage"]


async def test_what_the_error_event_does_after_the_failure_does_not_stop_a_second_run() -> None:
    bot, session = make_bot()
    handler = Flaky([database_gone()])
    feed, _paused = dispatcher(handler)

    async def registers_the_person(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        effects.note("commit")  # as the language middleware does for the error event too
        return await handler(event, data)

    feed.errors.outer_middleware(registers_the_person)
    await feed.feed_update(bot, Chats().message(Chats().user(7), "/cart"))
    assert handler.runs == 2 and session.texts(7) == ["Your cart: A12 ×1"]
