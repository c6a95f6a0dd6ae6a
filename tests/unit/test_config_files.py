"""Settings that name files are checked at start-up, so a broken file stops the program with one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings


def test_rates_file_that_is_not_json_is_refused_naming_the_setting(tmp_path: Path) -> None:
    rates = tmp_path / "rates.json"
    rates.write_text("not json", encoding="utf-8")

    with pytest.raises(SettingsError, match=r"^FX_RATES_FILE: .*rates\.json: Expecting value"):
        load_settings(fx_rates_file=str(rates))


def test_rates_file_without_rates_is_refused(tmp_path: Path) -> None:
    rates = tmp_path / "rates.json"
    rates.write_text('{"base": "EUR", "rates": {}}', encoding="utf-8")

    with pytest.raises(SettingsError, match=r"^FX_RATES_FILE: "):
        load_settings(fx_rates_file=str(rates))


def test_sqlite_database_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"^DATABASE_URL: the folder of the database file does not exist"):
        load_settings(database_url=f"sqlite+aiosqlite:///{tmp_path}/missing/shop.db")


def test_unreachable_postgres_stops_the_command_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        env={"DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:9/none", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2
    assert result.stderr.strip().startswith("DATABASE_URL: cannot reach the database")
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_check_across_settings_leads_with_the_setting_it_names() -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(default_language="ja", supported_languages="en,de")

    assert str(refused.value) == "DEFAULT_LANGUAGE 'ja' is not in SUPPORTED_LANGUAGES"
