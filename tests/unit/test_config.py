"""Settings: every bad value stops the program with one line that names the setting, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings, SettingsError, load_settings
from tests.environment import without_settings


def test_defaults_describe_an_offline_euro_shop() -> None:
    settings = load_settings()
    assert settings.shop_currency == "EUR"
    assert settings.default_language in settings.supported_languages
    assert settings.database_url.startswith("sqlite+aiosqlite://")
    assert settings.bot_token is None


def test_list_settings_accept_commas_and_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERCHANT_IDS", "11, 22 33")
    monkeypatch.setenv("SUPPORTED_LANGUAGES", "EN,de")
    monkeypatch.setenv("SHOP_CURRENCY", "usd")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:8081/")
    settings = load_settings()
    assert settings.merchant_ids == [11, 22, 33]
    assert settings.supported_languages == ["en", "de"]
    assert settings.shop_currency == "USD"
    assert settings.telegram_api_url == "http://127.0.0.1:8081"


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("SHOP_CURRENCY", "EURO", "not an ISO 4217 currency code"),
        ("SHOP_CURRENCY", "ZZZ", "not an ISO 4217 currency code"),
        ("SHOP_TIMEZONE", "Mars/Olympus_Mons", "not an IANA time zone"),
        ("TELEGRAM_API_URL", "api.telegram.org", "must start with http:// or https://"),
        ("DATABASE_URL", "mysql://localhost/shop", "must start with sqlite+aiosqlite://"),
        ("SUPPORTED_LANGUAGES", "en xx", "unknown language code 'xx'"),
        ("DEFAULT_LANGUAGE", "sv", "not in SUPPORTED_LANGUAGES"),
        ("MERCHANT_IDS", "12 abc", "'abc'"),
        ("OPS_IDS", "boss", "'boss'"),
        ("CATALOG_PAGE_SIZE", "0", None),
        ("CATALOG_PAGE_SIZE", "many", None),
        ("SANDBOX_PORT", "70000", None),
        ("LOG_LEVEL", "LOUD", "not a logging level"),
        ("REMINDER_OFFSETS", "24h,soon", "not a list of reminder offsets"),
        ("REMINDER_OFFSETS", "", "not a list of reminder offsets"),
        ("ANNOUNCEMENT_GRACE_MINUTES", "-5", None),
        ("DAILY_REPORT_TIME", "8am", "not a time of day like 08:00"),
        ("DAILY_REPORT_FORMAT", "pdf", None),
        ("OPS_CHAT_ID", "ops", None),
    ],
)
def test_each_bad_setting_gives_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, reason: str | None
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    if reason is None:  # a bound or type pydantic checks: its own explanation, in its words of the day
        with pytest.raises(ValidationError) as pydantic:
            Settings(**{name.lower(): value})
        reason = str(pydantic.value.errors()[0]["msg"])
    assert "\n" not in message
    assert message.startswith(name)
    assert reason in message


def test_reminders_default_to_a_day_an_hour_and_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert [offset.total_seconds() for offset in settings.reminders] == [86400, 3600, 0]
    assert settings.announcement_grace_minutes == 30
    monkeypatch.setenv("REMINDER_OFFSETS", "0, 15m,2d")
    assert [offset.total_seconds() for offset in load_settings().reminders] == [172800, 900, 0]


def test_running_the_bot_needs_a_token() -> None:
    with pytest.raises(SettingsError, match=r"^BOT_TOKEN: required"):
        load_settings().require_token()
    with pytest.raises(SettingsError, match=r"^BOT_TOKEN: required"):
        load_settings(bot_token="").require_token()
    assert load_settings(bot_token="123:abc").require_token() == "123:abc"


def test_settings_are_read_from_a_dotenv_file_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SHOP_CURRENCY=KWD\nMERCHANT_IDS=5\n", encoding="utf-8")
    settings = load_settings()
    assert (settings.shop_currency, settings.merchant_ids) == ("KWD", [5])


def _livesell(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = without_settings(os.environ)
    env.update(settings, COLUMNS="40")  # a narrow terminal must not split the line
    return subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("settings", "name"),
    [
        ({}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "123:abc", "SHOP_CURRENCY": "EURO"}, "SHOP_CURRENCY"),
    ],
)
def test_livesell_run_with_a_bad_setting_exits_2_with_one_line_and_no_traceback(
    tmp_path: Path, settings: dict[str, str], name: str
) -> None:
    result = _livesell(tmp_path, "run", **settings)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{name}: ")
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "livesell.db").exists()


def test_payments_default_to_the_sandbox_on_loopback_with_a_30_minute_timeout() -> None:
    settings = load_settings()
    assert settings.payment_provider == "sandbox"
    assert settings.payment_timeout_minutes == 30
    assert settings.public_url == "http://127.0.0.1:8081"


def test_public_base_url_is_where_payment_links_point(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://shop.example/")
    assert load_settings().public_url == "https://shop.example"
    monkeypatch.setenv("PUBLIC_BASE_URL", "shop.example")
    with pytest.raises(SettingsError, match="PUBLIC_BASE_URL"):
        load_settings()
    monkeypatch.setenv("PUBLIC_BASE_URL", "")
    monkeypatch.setenv("PAYMENT_PROVIDER", "paypal")
    with pytest.raises(SettingsError, match="PAYMENT_PROVIDER"):
        load_settings()


def test_telegram_payments_need_a_provider_token_or_stars_rates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYMENT_PROVIDER", "telegram")
    with pytest.raises(SettingsError, match=r"^TELEGRAM_PAYMENT_PROVIDER_TOKEN: required") as caught:
        load_settings()
    assert "\n" not in str(caught.value)
    monkeypatch.setenv("TELEGRAM_PAYMENT_PROVIDER_TOKEN", "284685063:TEST:abc")
    assert load_settings().telegram_provider_token() == "284685063:TEST:abc"
    monkeypatch.setenv("TELEGRAM_PAYMENT_PROVIDER_TOKEN", "")
    monkeypatch.setenv("TELEGRAM_STARS_RATES", '{"eur": "50", "JPY": "0.3"}')
    assert load_settings().telegram_stars_rates == {"EUR": Decimal("50"), "JPY": Decimal("0.3")}
    monkeypatch.setenv("TELEGRAM_STARS_RATES", '{"EUR": "0"}')
    with pytest.raises(SettingsError, match=r"^TELEGRAM_STARS_RATES"):
        load_settings()
    monkeypatch.setenv("TELEGRAM_STARS_RATES", "[1]")
    with pytest.raises(SettingsError, match=r"^TELEGRAM_STARS_RATES"):
        load_settings()


@pytest.mark.parametrize("missing", ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"])
def test_stripe_without_its_secrets_stops_with_one_line_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    monkeypatch.setenv("PAYMENT_PROVIDER", "stripe")
    for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
        monkeypatch.setenv(name, "" if name == missing else "sk_or_whsec_given")
    with pytest.raises(SettingsError) as stopped:
        load_settings()
    assert str(stopped.value).startswith(f"{missing}: ")
    assert "\n" not in str(stopped.value)


def test_stripe_payment_methods_are_read_by_country_and_unknown_ones_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRIPE_PAYMENT_METHODS", '{"nl": ["iDEAL"], "CN": ["alipay", "wechat_pay"]}')
    assert load_settings().stripe_payment_methods == {"NL": ["ideal"], "CN": ["alipay", "wechat_pay"]}
    monkeypatch.setenv("STRIPE_PAYMENT_METHODS", '{"NL": ["ideel"]}')
    with pytest.raises(SettingsError, match=r"^STRIPE_PAYMENT_METHODS: .*ideel"):
        load_settings()


def test_the_daily_report_goes_nowhere_until_an_ops_chat_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.ops_chat_id is None and settings.daily_report_at == time(8, 0)
    assert settings.daily_report_format == "csv"
    monkeypatch.setenv("OPS_CHAT_ID", "-100123")
    monkeypatch.setenv("DAILY_REPORT_TIME", "6:30")
    settings = load_settings()
    assert settings.ops_chat_id == -100123 and settings.daily_report_at == time(6, 30)
