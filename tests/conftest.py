"""Shared test set-up: no test reads the developer's .env or database."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    # Settings read .env from the working directory; tests run from a clean one with known defaults.
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]
    for name in list(os.environ):
        if name in {
            "BOT_TOKEN",
            "TELEGRAM_API_URL",
            "DATABASE_URL",
            "REDIS_URL",
            "MERCHANT_IDS",
            "OPS_IDS",
            "DEFAULT_LANGUAGE",
            "SUPPORTED_LANGUAGES",
            "SHOP_CURRENCY",
            "SHOP_TIMEZONE",
        }:
            monkeypatch.delenv(name)
