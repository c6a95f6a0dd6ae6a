"""The update-claim middleware in front of the handlers, the take-over rule, webhook settings and `run --workers`'s
refusal without a webhook."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import SendMessage
from aiogram.types import Update

from bot import cli
from bot.config import SettingsError, load_settings
from bot.domain.updates import Claim, ClaimStatus, HeldClaim, abandoned
from bot.services.updates import UpdateClaimService
from handlers import update_claims
from handlers.update_claims import BUSY, UpdateClaims

NOW = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
UPDATE = Update(update_id=42)


class FakeClaims:
    """Answers the claims in `script` in turn (the last one for ever after), and records the ends."""

    def __init__(self, *script: Claim) -> None:
        self.script = list(script)
        self.asked = 0
        self.finished: list[int] = []
        self.released: list[int] = []

    async def claim(self, update_id: int) -> Claim:
        self.asked += 1
        return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    async def finish(self, update_id: int) -> None:
        self.finished.append(update_id)

    async def release(self, update_id: int) -> None:
        self.released.append(update_id)


class Handler:
    def __init__(self, fails_with: BaseException | None = None) -> None:
        self.calls = 0
        self.fails_with = fails_with

    async def __call__(self, event: Any, data: dict[str, Any]) -> str:
        self.calls += 1
        if self.fails_with is not None:
            raise self.fails_with
        return "handled"


def middleware(claims: FakeClaims, redelivered: bool = True) -> UpdateClaims:
    return UpdateClaims(cast(UpdateClaimService, claims), redelivered=redelivered)


async def test_an_update_taken_is_handled_then_marked_done() -> None:
    claims, handler = FakeClaims(Claim.TAKEN), Handler()
    assert await middleware(claims)(handler, UPDATE, {}) == "handled"
    assert handler.calls == 1 and claims.finished == [42] and claims.released == []


async def test_an_update_done_before_is_skipped() -> None:
    claims, handler = FakeClaims(Claim.DONE), Handler()
    assert await middleware(claims)(handler, UPDATE, {}) is None
    assert handler.calls == 0 and claims.finished == []


async def test_in_webhook_mode_an_update_busy_elsewhere_is_answered_busy_and_not_handled() -> None:
    claims, handler = FakeClaims(Claim.BUSY), Handler()
    assert await middleware(claims, redelivered=True)(handler, UPDATE, {}) is BUSY
    assert handler.calls == 0 and claims.asked == 1


async def test_when_polling_an_update_busy_elsewhere_is_waited_for_until_done_or_abandoned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(update_claims, "FIRST_WAIT", 0.001)
    done_meanwhile, handler = FakeClaims(Claim.BUSY, Claim.BUSY, Claim.DONE), Handler()
    assert await middleware(done_meanwhile, redelivered=False)(handler, UPDATE, {}) is None
    assert handler.calls == 0 and done_meanwhile.asked == 3
    abandoned_meanwhile = FakeClaims(Claim.BUSY, Claim.TAKEN)
    assert await middleware(abandoned_meanwhile, redelivered=False)(handler, UPDATE, {}) == "handled"
    assert abandoned_meanwhile.finished == [42]


async def test_a_failed_update_is_released_so_its_redelivery_is_handled() -> None:
    claims = FakeClaims(Claim.TAKEN)
    with pytest.raises(RuntimeError):
        await middleware(claims)(Handler(RuntimeError("database away")), UPDATE, {})
    assert claims.released == [42] and claims.finished == []


async def test_an_update_telegram_refused_an_answer_to_is_done_not_retried() -> None:
    claims = FakeClaims(Claim.TAKEN)
    refused = TelegramForbiddenError(SendMessage(chat_id=1, text="hi"), "Forbidden: bot was blocked by the user")
    with pytest.raises(TelegramForbiddenError):
        await middleware(claims)(Handler(refused), UPDATE, {})
    assert claims.finished == [42] and claims.released == []


def test_a_claim_is_abandoned_when_its_holder_is_gone_or_it_went_stale() -> None:
    stale_after = timedelta(seconds=90)
    fresh = HeldClaim(ClaimStatus.HANDLING, "host:1:a", NOW - timedelta(seconds=10))
    old = HeldClaim(ClaimStatus.HANDLING, "host:1:a", NOW - stale_after)
    done = HeldClaim(ClaimStatus.DONE, "host:1:a", NOW - timedelta(days=1))
    assert not abandoned(fresh, NOW, stale_after, holder_gone=False)
    assert abandoned(fresh, NOW, stale_after, holder_gone=True)
    assert abandoned(old, NOW, stale_after, holder_gone=False)
    assert not abandoned(done, NOW, stale_after, holder_gone=True)


def test_webhook_mode_needs_a_secret_telegram_accepts_and_a_path_of_its_own() -> None:
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        load_settings(webhook_url="https://shop.example/telegram/x1")
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        load_settings(webhook_url="https://shop.example/telegram/x1", webhook_secret="has spaces")
    with pytest.raises(SettingsError, match="WEBHOOK_URL"):
        load_settings(webhook_url="https://shop.example/", webhook_secret="s3cret")
    settings = load_settings(webhook_url="https://shop.example/telegram/x1?a=1", webhook_secret="s3cret")
    assert settings.webhook_path == "/telegram/x1"


def test_more_than_one_worker_without_a_webhook_is_refused_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BOT_TOKEN", "123:abc")
    monkeypatch.delenv("WEBHOOK_URL", raising=False)
    monkeypatch.setattr(sys, "argv", ["livesell", "run", "--workers", "3"])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 2
    said = capsys.readouterr().err.strip()
    assert "\n" not in said and "WEBHOOK_URL" in said and "--workers 3" in said
