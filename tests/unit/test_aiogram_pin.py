"""The speed-ups on aiogram's internals in bot/app.py hold for one aiogram release, the locked one, and no other.

When the lock or the installed aiogram moves, these tests fail and say what to re-check; a bot that meets another
aiogram anyway skips the speed-ups with a warning and keeps answering.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from importlib.metadata import version
from pathlib import Path

import pytest

from bot import app
from bot.app import AIOGRAM_CHECKED, Application, PinnedResponseModels, build
from bot.config import load_settings
from tests.unit.chat import make_chat
from tests.unit.test_perf_wiring import filters

LOCK = Path(__file__).resolve().parents[2] / "requirements.lock"
RECHECK = (
    "bot/app.py's speed-ups use aiogram internals: filter_inline (`observer._handler`, `handler.filters`, "
    "`FilterObject.awaitable` and `.callback`) and PinnedResponseModels (`Response[method.__returning__]`). Read them "
    "against the new aiogram's source, run tests/unit/test_perf_wiring.py and `make bench`, then set AIOGRAM_CHECKED "
    "in bot/app.py to the new version."
)


def locked_aiogram() -> str:
    found = re.search(r"^aiogram==([^\s;\\]+)", LOCK.read_text(), re.MULTILINE)
    assert found, f"{LOCK.name} pins no aiogram"
    return found.group(1)


def test_the_lock_pins_the_aiogram_the_speed_ups_were_checked_against() -> None:
    locked = locked_aiogram()
    assert locked == AIOGRAM_CHECKED, (
        f"{LOCK.name} pins aiogram {locked}, AIOGRAM_CHECKED is {AIOGRAM_CHECKED}. {RECHECK}"
    )


def test_the_installed_aiogram_is_the_one_the_speed_ups_were_checked_against() -> None:
    installed = version("aiogram")
    assert installed == AIOGRAM_CHECKED, (
        f"aiogram {installed} is installed, AIOGRAM_CHECKED is {AIOGRAM_CHECKED} (not installed from the lock? "
        f"`make install`). {RECHECK}"
    )


async def test_another_aiogram_leaves_the_filters_alone_warns_and_the_bot_still_answers(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(app, "AIOGRAM_CHECKED", "3.0.0")
    with caplog.at_level(logging.WARNING, logger="bot.app"):
        chat = make_chat()

    assert any(not event_filter.awaitable for event_filter in filters(chat.dispatcher))
    [warning] = [record.getMessage() for record in caplog.records]
    assert warning.startswith("filter_inline skipped")
    assert "aiogram 3.0.0" in warning and f"aiogram {version('aiogram')} is installed" in warning
    anna = chat.chats.user(1, "Anna")
    [reply] = await chat.say(anna, "/start")
    assert "Hello, Anna!" in reply.text


@pytest.fixture
async def application(tmp_path: Path) -> AsyncIterator[Application]:
    settings = load_settings(
        bot_token="42:TEST",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}",
        supported_languages=["en"],
        default_language="en",
    )
    application = build(settings)
    yield application
    await application.close()


@pytest.mark.parametrize(("checked", "pinned"), [(version("aiogram"), 1), ("3.0.0", 0)])
async def test_the_bot_pins_response_models_only_on_the_checked_aiogram(
    application: Application, monkeypatch: pytest.MonkeyPatch, checked: str, pinned: int
) -> None:
    monkeypatch.setattr(app, "AIOGRAM_CHECKED", checked)
    bot = application.make_bot()
    try:
        middlewares = list(bot.session.middleware)
        assert len([middleware for middleware in middlewares if isinstance(middleware, PinnedResponseModels)]) == pinned
    finally:
        await bot.session.close()
