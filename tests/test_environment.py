"""Settings exported in the developer's shell never reach a test, whichever setting and however it is spelt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import AliasChoices, AliasPath, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config import Settings, load_settings
from tests.environment import is_setting, setting_variables, without_settings

ROOT = Path(__file__).resolve().parent.parent
SHELL = {
    "HOLD_MINUTES": "1",
    "SHOP_CURRENCY": "JPY",
    "shop_timezone": "Asia/Tokyo",  # pydantic-settings ignores the case of a name
    "Catalog_Page_Size": "3",
    "DATABASE_URL": "postgresql+asyncpg://production.invalid/shop",
}


@pytest.fixture(scope="session")
def settings_at_session_start() -> Settings:
    return load_settings()


def test_no_setting_from_the_shell_reaches_this_test(settings_at_session_start: Settings) -> None:
    # Run alone by the test below with SHELL exported; in the whole suite it holds just the same.
    for settings in (settings_at_session_start, load_settings()):
        assert (settings.hold_minutes, settings.shop_currency) == (15, "EUR")
        assert (settings.shop_timezone, settings.catalog_page_size) == ("UTC", 8)
        assert settings.database_url.startswith("sqlite")
    assert [name for name in os.environ if is_setting(name)] == []


def test_settings_exported_in_the_shell_are_cleared_for_the_tests() -> None:
    probe = f"{Path(__file__).relative_to(ROOT)}::test_no_setting_from_the_shell_reaches_this_test"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", probe],
        cwd=ROOT,
        env={**os.environ, **SHELL},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_every_field_of_the_settings_is_a_variable_to_clear_and_the_test_databases_are_not() -> None:
    for name in Settings.model_fields:
        assert is_setting(name.upper()) and is_setting(name)
    assert not is_setting("TEST_POSTGRES_URL") and not is_setting("TEST_REDIS_URL") and not is_setting("PATH")
    assert without_settings({"PATH": "/bin", "Redis_Url": "redis://x", "TEST_REDIS_URL": "redis://y"}) == {
        "PATH": "/bin",
        "TEST_REDIS_URL": "redis://y",
    }


class PrefixedSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOP_", env_nested_delimiter="__")

    currency: str = "EUR"
    token: str = Field(default="", validation_alias=AliasChoices("BOT_TOKEN", AliasPath("SECRETS", "token")))


def test_the_variables_follow_the_prefix_the_aliases_and_nesting_of_a_settings_model() -> None:
    assert setting_variables(PrefixedSettings) >= {"SHOP_currency", "BOT_TOKEN", "SECRETS"}
    assert is_setting("SHOP_CURRENCY", PrefixedSettings) and is_setting("bot_token", PrefixedSettings)
    assert is_setting("SHOP_CURRENCY__CODE", PrefixedSettings)
    assert not is_setting("CURRENCY", PrefixedSettings)
