"""`.env.example` documents every setting, each with a one-line comment, and nothing that is not a setting."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def _documented() -> dict[str, str]:
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    documented = {}
    for number, line in enumerate(lines):
        if line and not line.startswith("#") and "=" in line:
            name = line.split("=", 1)[0]
            comment = lines[number - 1] if number else ""
            documented[name] = comment.removeprefix("#").strip() if comment.startswith("#") else ""
    return documented


def test_every_setting_is_in_env_example_with_a_comment() -> None:
    documented = _documented()
    for name in Settings.model_fields:
        assert name.upper() in documented, f"{name.upper()} is missing from .env.example"
        assert documented[name.upper()], f"{name.upper()} has no comment line above it in .env.example"


def test_env_example_names_only_real_settings() -> None:
    known = {name.upper() for name in Settings.model_fields}
    assert set(_documented()) <= known


def test_env_example_values_are_valid_settings(monkeypatch: object) -> None:
    values = {
        line.split("=", 1)[0].lower(): line.split("=", 1)[1]
        for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#") and line.split("=", 1)[1]
    }
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    assert settings.shop_currency == "EUR"
