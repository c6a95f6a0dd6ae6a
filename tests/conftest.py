"""Shared test set-up: no test reads the developer's .env, database or shell settings."""

from __future__ import annotations

import os

import pytest

from tests.environment import is_setting

_shell = pytest.MonkeyPatch()


def pytest_configure(config: pytest.Config) -> None:
    # Before collection and every fixture (session-wide ones start the bot as a subprocess): no setting exported in
    # the shell (HOLD_MINUTES=1, a production DATABASE_URL...) reaches a test. TEST_POSTGRES_URL and TEST_REDIS_URL are
    # not settings, so they stay.
    for name in list(os.environ):
        if is_setting(name):
            _shell.delenv(name)


def pytest_unconfigure(config: pytest.Config) -> None:
    _shell.undo()


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    # Settings read .env from the working directory; tests run from a clean one with known defaults.
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]
    for name in list(os.environ):  # in case something before this test set one outside monkeypatch
        if is_setting(name):
            monkeypatch.delenv(name)


@pytest.fixture
def redis_url() -> str:
    """The Redis server tests may use (a database of its own: TEST_REDIS_URL); the test skips without one."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("TEST_REDIS_URL is not set")
    return url
