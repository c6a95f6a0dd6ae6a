"""Settings from the environment (and `.env`), validated once at start-up by pydantic-settings."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

OFFICIAL_BOT_API = "https://api.telegram.org"


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_url: str = OFFICIAL_BOT_API
    database_url: str = "sqlite+aiosqlite:///./livesell.db"
    redis_url: str | None = None
    merchant_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    ops_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_language: str = "en"
    supported_languages: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["en", "de", "fr", "es", "it", "pt", "ru", "zh"]
    )
    shop_currency: str = "EUR"
    shop_timezone: str = "UTC"
    catalog_page_size: int = Field(default=8, ge=1, le=50)
    sandbox_port: int = Field(default=8080, ge=1, le=65535)
    log_level: str = "INFO"

    @field_validator("merchant_ids", "ops_ids", "supported_languages", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("supported_languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        out = []
        for code in value:
            try:
                Locale.parse(code)
            except (ValueError, UnknownLocaleError) as exc:
                raise ValueError(f"unknown language code {code!r}") from exc
            out.append(code.lower())
        if not out:
            raise ValueError("needs at least one language")
        return out

    @field_validator("default_language")
    @classmethod
    def _default_language(cls, value: str) -> str:
        return value.lower()

    @field_validator("shop_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        code = value.upper()
        if len(code) != 3 or get_currency_name(code, locale="en") == code:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code")
        return code

    @field_validator("shop_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA time zone") from exc
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @model_validator(mode="after")
    def _default_is_supported(self) -> Settings:
        if self.default_language not in self.supported_languages:
            raise ValueError(f"DEFAULT_LANGUAGE {self.default_language!r} is not in SUPPORTED_LANGUAGES")
        return self

    def require_token(self) -> str:
        if self.bot_token is None or not self.bot_token.get_secret_value():
            raise SettingsError("BOT_TOKEN: required to run the bot (get one from @BotFather)")
        return self.bot_token.get_secret_value()


class SettingsError(Exception):
    """A setting is missing or invalid; the message names it in one line."""


def load_settings(**overrides: object) -> Settings:
    """Build the settings, turning pydantic's report into one line that names the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "_".join(str(part) for part in first["loc"]).upper() or "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{name}: {message}") from None
