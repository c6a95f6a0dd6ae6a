"""Settings from the environment (and `.env`), validated once at start-up by pydantic-settings."""

from __future__ import annotations

import json
import logging
import re
from datetime import time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.countries import COUNTRIES
from bot.domain.language import canonical_language
from bot.domain.money import InvalidAmount, Money, UnknownCurrency, check_currency
from bot.domain.periods import parse_clock
from bot.domain.shipping import EU_COUNTRIES, ShippingTable
from bot.domain.streams import DEFAULT_REMINDER_OFFSETS, StreamError, parse_offsets
from bot.domain.stripe import CARD, METHOD_CURRENCIES

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
        default_factory=lambda: ["en", "de", "fr", "es", "it", "pt", "pt_BR", "ru", "zh", "ja", "ko", "tr", "ar"]
    )
    shop_currency: str = "EUR"
    shop_name: str = Field(default="livesell demo shop", min_length=1, max_length=100)
    shop_timezone: str = "UTC"
    catalog_page_size: int = Field(default=8, ge=1, le=50)
    sandbox_port: int = Field(default=8080, ge=1, le=65535)
    log_level: str = "INFO"
    # text: one readable line each; json: one JSON object per line, for a log collector (docs/observability.md).
    log_format: Literal["text", "json"] = "text"
    hold_minutes: int = Field(default=15, ge=1, le=1440)
    hold_reminder_minutes: int = Field(default=5, ge=0, le=1440)
    max_quantity: int = Field(default=10, ge=1, le=999)
    keyword_prefixes: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["#", "sold", "buy"])
    keyword_group_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # Fees in major units of the shop currency, by country code, zone name or "*".
    shipping_fees: Annotated[dict[str, str], NoDecode] = Field(default_factory=lambda: {"*": "9.90"})
    shipping_zones: Annotated[dict[str, list[str]], NoDecode] = Field(
        default_factory=lambda: {"EU": sorted(EU_COUNTRIES)}
    )
    # Streams (docs/streams.md): when reminders go out before a start, and how late a missed one may still go.
    reminder_offsets: str = DEFAULT_REMINDER_OFFSETS
    announcement_grace_minutes: int = Field(default=30, ge=0, le=1440)
    fx_rates_file: Path | None = None
    fx_rates_url: str | None = None
    # Product questions (docs/questions.md): how sure the language detector must be to answer a question in another
    # language than the buyer's own (0-1; it must also be twice as sure of it as of the buyer's language).
    question_confidence: float = Field(default=0.3, ge=0, le=1)
    # Flood control (handlers/flood.py): messages and taps a second one person may send, sustained (0: no limit), and
    # at once. Beyond them a person's messages are skipped for a moment and they are told once.
    flood_rate: float = Field(default=5.0, ge=0, le=1000)
    flood_burst: int = Field(default=20, ge=1, le=10000)
    # On SIGTERM the bot takes no new update and finishes those in hand for up to this long before it exits.
    shutdown_grace_seconds: float = Field(default=9, ge=0, le=600)
    # Payments (docs/payments.md).
    payment_provider: Literal["sandbox", "stripe", "telegram"] = "sandbox"
    payment_timeout_minutes: int = Field(default=30, ge=1, le=1440)
    # A payment replayed this long after it was first received, whose receipt was never marked sent, sends it: the
    # process that applied it died before telling the buyer. Sooner, the first process may still be sending it.
    payment_receipt_retry_seconds: float = Field(default=60, ge=0.5, le=3600)
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8081, ge=1, le=65535)
    # Webhook mode (docs/scale-out.md): Telegram POSTs updates to WEBHOOK_URL (the web app serves its path) with
    # WEBHOOK_SECRET in a header; empty: long polling. WORKERS processes share WEB_HOST:WEB_PORT (webhook mode only).
    webhook_url: str = ""
    webhook_secret: SecretStr | None = None
    workers: int = Field(default=1, ge=1, le=64)
    public_base_url: str | None = None
    # Signs the sandbox's webhooks; empty: a new random secret each start (the sandbox only talks to itself).
    sandbox_payment_secret: SecretStr | None = None
    # Telegram Payments: the token @BotFather gives for a payments provider; without one, Telegram Stars when
    # TELEGRAM_STARS_RATES prices them (stars per one major unit of each currency buyers pay in).
    telegram_payment_provider_token: SecretStr | None = None
    telegram_stars_rates: Annotated[dict[str, Decimal], NoDecode] = Field(default_factory=dict)
    # Stripe Checkout (PAYMENT_PROVIDER=stripe): both secrets are required then.
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str = "https://api.stripe.com"
    stripe_payment_methods: Annotated[dict[str, list[str]], NoDecode] = Field(default_factory=dict)
    # Broadcasts (docs/broadcasts.md): messages a second to all chats together. Telegram allows about 30; beyond,
    # up to 1,000 with PAID_BROADCAST (each message over 30 a second costs Telegram Stars: allow_paid_broadcast).
    broadcast_rate: float = Field(default=25, gt=0, le=30)
    paid_broadcast: bool = False
    paid_broadcast_rate: float = Field(default=1000, gt=0, le=1000)
    # The outbound queue (docs/outbound.md): every message the process sends waits its turn under these. Messages a
    # second to all chats (Telegram: about 30; paid broadcasts count apart when PAID_BROADCAST allows them), messages
    # a private chat may get at once before one a second applies, messages a minute to a group, and how often the
    # keyword orders of a group are confirmed there in one message.
    outbound_rate: float = Field(default=30, gt=0, le=30)
    outbound_private_burst: int = Field(default=20, ge=1, le=20)
    outbound_group_per_minute: int = Field(default=20, ge=1, le=20)
    outbound_group_batch_seconds: float = Field(default=4, ge=0, le=60)
    # A language model for questions and translations (docs/llm.md): any OpenAI-compatible chat API. No key, no model:
    # questions get the deterministic answers and texts are shown as the catalogue has them.
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    llm_model: str = Field(default="gpt-4o-mini", min_length=1, max_length=200)
    llm_timeout_seconds: float = Field(default=8, gt=0, le=120)
    # Where questions nobody could answer go (a group of the shop's staff); unset: each merchant's private chat.
    support_chat_id: int | None = None
    # The daily report (docs/export-chat.md): yesterday's orders to OPS_CHAT_ID once the shop's clock passes
    # DAILY_REPORT_TIME ("HH:MM" in SHOP_TIMEZONE); no chat, no report.
    ops_chat_id: int | None = None
    daily_report_time: str = "08:00"
    daily_report_format: Literal["csv", "xlsx"] = "csv"

    @field_validator("openai_base_url")
    @classmethod
    def _openai_base_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("support_chat_id", "ops_chat_id", mode="before")
    @classmethod
    def _no_support_chat(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("daily_report_time")
    @classmethod
    def _report_time(cls, value: str) -> str:
        try:
            parse_clock(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a time of day like 08:00") from None
        return value

    @property
    def daily_report_at(self) -> time:
        return parse_clock(self.daily_report_time)

    def openai_key(self) -> str | None:
        """The model's API key; None (no model) when unset or empty."""
        key = self.openai_api_key
        return key.get_secret_value() if key and key.get_secret_value() else None

    @field_validator("stripe_payment_methods", mode="before")
    @classmethod
    def _stripe_methods(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else {}
            except ValueError as exc:
                raise ValueError(f"not valid JSON ({exc.msg} at character {exc.pos})") from None
        if not isinstance(value, dict) or not all(isinstance(methods, list) for methods in value.values()):
            raise ValueError('must be a JSON object of country codes to lists of methods, like {"NL": ["ideal"]}')
        methods = {
            str(country).upper(): [str(method).lower() for method in listed] for country, listed in value.items()
        }
        for country, listed in methods.items():
            if country not in COUNTRIES:
                raise ValueError(f"{country!r} is not a country code")
            unknown = [method for method in listed if method != CARD and method not in METHOD_CURRENCIES]
            if unknown:
                raise ValueError(
                    f"{country}: unknown payment methods {', '.join(unknown)} (known: card, "
                    f"{', '.join(sorted(METHOD_CURRENCIES))})"
                )
        return methods

    @field_validator("stripe_api_base")
    @classmethod
    def _stripe_api_base(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _stripe_secrets(self) -> Settings:
        if self.payment_provider == "stripe":
            for name in ("stripe_secret_key", "stripe_webhook_secret"):
                secret = getattr(self, name)
                if secret is None or not secret.get_secret_value():
                    raise ValueError(f"{name.upper()}: required when PAYMENT_PROVIDER is stripe")
        return self

    @field_validator("merchant_ids", "ops_ids", "supported_languages", "keyword_group_ids", mode="before")
    @classmethod
    def _lists(cls, value: object) -> object:
        return _split_list(value)

    @field_validator("keyword_prefixes", mode="before")
    @classmethod
    def _prefixes(cls, value: object) -> object:
        # Only spaces separate prefixes: "," could itself be one.
        return value.split() if isinstance(value, str) else value

    @field_validator("telegram_stars_rates", mode="before")
    @classmethod
    def _stars_rates(cls, value: object) -> object:
        # Empty: no Stars.
        return {} if isinstance(value, str) and not value.strip() else cls._json(value)

    @field_validator("shipping_fees", "shipping_zones", mode="before")
    @classmethod
    def _json(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise ValueError(f"not valid JSON ({exc.msg} at character {exc.pos})") from None
        if isinstance(value, dict):
            return {str(key).upper(): (item if isinstance(item, list) else str(item)) for key, item in value.items()}
        raise ValueError("must be a JSON object")

    @field_validator("shipping_zones")
    @classmethod
    def _zones(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, countries in value.items():
            if name == "*":
                raise ValueError('"*" cannot name a zone')
            bad = [country for country in countries if country.upper() not in COUNTRIES]
            if bad:
                raise ValueError(f"zone {name} has unknown country codes: {', '.join(bad)}")
        return {name: [country.upper() for country in countries] for name, countries in value.items()}

    @field_validator("fx_rates_url")
    @classmethod
    def _rates_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("fx_rates_file", mode="before")
    @classmethod
    def _no_rates_file(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("fx_rates_file")
    @classmethod
    def _rates_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        if value is not None:
            # Read it now: a broken file must stop the start with one line, not the first price shown.
            from bot.adapters.rates import InvalidRates, load_rates_file

            try:
                load_rates_file(value)
            except InvalidRates as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("supported_languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        out = [canonical_language(code) for code in value]
        if not out:
            raise ValueError("needs at least one language")
        return out

    @field_validator("default_language")
    @classmethod
    def _default_language(cls, value: str) -> str:
        return canonical_language(value)

    @field_validator("shop_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        try:
            return check_currency(value)
        except UnknownCurrency:
            raise ValueError(f"{value!r} is not an ISO 4217 currency code") from None

    @field_validator("shop_timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA time zone") from exc
        return value

    @field_validator("reminder_offsets")
    @classmethod
    def _offsets(cls, value: str) -> str:
        try:
            parse_offsets(value)
        except StreamError as exc:
            raise ValueError(str(exc)) from None
        return value

    @property
    def reminders(self) -> tuple[timedelta, ...]:
        """REMINDER_OFFSETS as durations before a start, longest first."""
        return parse_offsets(self.reminder_offsets)

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in logging.getLevelNamesMapping():
            raise ValueError(f"{value!r} is not a logging level (DEBUG, INFO, WARNING, ERROR)")
        return value.upper()

    @field_validator("public_base_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        if not value:
            return ""
        parsed = urlsplit(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("must be an https:// address (http:// only for a sandbox on loopback)")
        if parsed.path.strip("/") == "":
            raise ValueError("needs a path of its own, such as https://shop.example/telegram/<random>")
        return value

    @model_validator(mode="after")
    def _webhook_secret(self) -> Settings:
        if not self.webhook_url:
            return self
        secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise ValueError(
                "WEBHOOK_SECRET: required with WEBHOOK_URL, 1-256 characters of A-Z, a-z, 0-9, _ and - "
                "(Telegram sends it with every update; `openssl rand -hex 32` makes one)"
            )
        return self

    @property
    def webhook_path(self) -> str:
        """Where the web app takes Telegram's updates: the path of WEBHOOK_URL."""
        return urlsplit(self.webhook_url).path

    @property
    def public_url(self) -> str:
        """Where the outside world reaches the web app: PUBLIC_BASE_URL, else the address it listens on."""
        return self.public_base_url or f"http://{self.web_host}:{self.web_port}"

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
        path = value.removeprefix("sqlite+aiosqlite:///").split("?", 1)[0]
        if value.startswith("sqlite") and path and path != ":memory:" and not Path(path).parent.is_dir():
            raise ValueError(f"the folder of the database file does not exist: {Path(path).parent}")
        return value

    @model_validator(mode="after")
    def _default_is_supported(self) -> Settings:
        if self.default_language not in self.supported_languages:
            raise ValueError(f"DEFAULT_LANGUAGE {self.default_language!r} is not in SUPPORTED_LANGUAGES")
        return self

    @model_validator(mode="after")
    def _reminder_before_end(self) -> Settings:
        if self.hold_reminder_minutes >= self.hold_minutes:
            raise ValueError(
                f"HOLD_REMINDER_MINUTES ({self.hold_reminder_minutes}) must be less than HOLD_MINUTES "
                f"({self.hold_minutes})"
            )
        return self

    @model_validator(mode="after")
    def _fees_are_money(self) -> Settings:
        self.shipping_table()
        return self

    def shipping_table(self) -> ShippingTable:
        """The fee table in shop currency; ValueError (naming SHIPPING_FEES) when an entry is unusable."""
        fees: dict[str, Money] = {}
        for key, amount in self.shipping_fees.items():
            if key != "*" and key not in self.shipping_zones and key not in COUNTRIES:
                raise ValueError(f"SHIPPING_FEES: {key!r} is neither a country code, a zone in SHIPPING_ZONES nor '*'")
            try:
                fees[key] = Money.from_major(amount, self.shop_currency)
            except InvalidAmount as exc:
                raise ValueError(f"SHIPPING_FEES: {key}: {exc}") from None
            if fees[key].amount_minor < 0:
                raise ValueError(f"SHIPPING_FEES: {key}: a fee cannot be negative")
        zones = {name: frozenset(countries) for name, countries in self.shipping_zones.items()}
        return ShippingTable(fees=fees, zones=zones)

    @model_validator(mode="after")
    def _telegram_payments(self) -> Settings:
        if self.payment_provider != "telegram":
            return self
        if any(rate <= 0 for rate in self.telegram_stars_rates.values()):
            raise ValueError("TELEGRAM_STARS_RATES: every rate must be more than 0 stars")
        if not self.telegram_provider_token() and not self.telegram_stars_rates:
            raise ValueError(
                "TELEGRAM_PAYMENT_PROVIDER_TOKEN: required with PAYMENT_PROVIDER=telegram, unless "
                "TELEGRAM_STARS_RATES allows Telegram Stars"
            )
        return self

    @property
    def broadcast_messages_per_second(self) -> float:
        """The rate broadcasts go at: PAID_BROADCAST_RATE when paid broadcasts are on, else BROADCAST_RATE."""
        return self.paid_broadcast_rate if self.paid_broadcast else self.broadcast_rate

    def telegram_provider_token(self) -> str | None:
        token = self.telegram_payment_provider_token
        return token.get_secret_value() if token and token.get_secret_value() else None

    def secret_values(self) -> list[str]:
        """Every secret set (tokens, keys, signing secrets, a password in a URL's place), for the logs to leave out."""
        found = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                found.append(value.get_secret_value())
            elif isinstance(value, str) and name.endswith(("_secret", "_token", "_key")):
                found.append(value)
        return [value for value in found if value]

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
        message = str(first["msg"]).removeprefix("Value error, ")
        if not first["loc"]:  # a check across settings names them itself ("SHIPPING_FEES: ...")
            raise SettingsError(message) from None
        if len(first["loc"]) > 1:  # one item of a list setting, such as MERCHANT_IDS
            message += f" (got {first['input']!r})"
        raise SettingsError(f"{str(first['loc'][0]).upper()}: {message}") from None
