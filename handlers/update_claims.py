"""Each update handled once across bot processes: claimed before any handler runs, marked done after it ran (or
released when it failed, so Telegram's redelivery is handled). An update done before is skipped. One that another
live process is handling right now is not handled here: in webhook mode the request is answered `BUSY` (a non-2xx,
so Telegram delivers it again later); polling hands updates to one process only, so there the claim is waited for
until it is done or abandoned (its process died)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramBadRequest, TelegramEntityTooLarge, TelegramForbiddenError, TelegramNotFound
from aiogram.types import TelegramObject, Update

from bot import effects
from bot.domain.updates import Claim
from bot.services.updates import UpdateClaimService

log = logging.getLogger(__name__)


class _Busy:
    def __repr__(self) -> str:
        return "BUSY"


# What the dispatcher returns for an update another process is handling (handlers/webhook.py answers 503).
BUSY: Final = _Busy()
# Telegram's final no to a request: handling the update again would meet it again. Any other failure (the database or
# Redis away, Telegram unreachable, a bug) releases the claim, so the update is handled when it comes again.
REFUSED = (TelegramBadRequest, TelegramForbiddenError, TelegramNotFound, TelegramEntityTooLarge)
# Polling mode: how long to wait between looks at a claim held elsewhere, at first and at most.
FIRST_WAIT, LONGEST_WAIT = 0.2, 5.0


class UpdateClaims(BaseMiddleware):
    """An outer middleware on `update`, inside InFlight (so a stopping bot waits for it) and before everything else."""

    def __init__(self, claims: UpdateClaimService, redelivered: bool) -> None:
        """`redelivered`: Telegram delivers again what is not acknowledged (webhook mode), so a busy update is
        answered BUSY instead of waited for."""
        self.claims = claims
        self.redelivered = redelivered

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update):
            return await handler(event, data)
        with effects.ignored():  # bookkeeping: handling the update again after an outage is what it is for
            claim = await self._claim(event.update_id)
        if claim is Claim.DONE:
            log.info("update %s was handled before: skipped", event.update_id)
            return None
        if claim is Claim.BUSY:
            log.info("update %s is being handled by another process", event.update_id)
            return BUSY
        try:
            result = await handler(event, data)
        except REFUSED:
            # Telegram refused what the handler sent (a blocked buyer, a message gone): handled, as when polling.
            await self._finish(event.update_id)
            raise
        except BaseException:
            try:
                with effects.ignored():
                    await self.claims.release(event.update_id)
            except Exception:  # this process takes it back when it comes again; another once it goes stale
                log.warning("could not release update %s after it failed", event.update_id, exc_info=True)
            raise
        await self._finish(event.update_id)
        return result

    async def _finish(self, update_id: int) -> None:
        """Mark it done. If the database is away just then, the update was handled all the same: no error (that would
        have it handled again); its claim goes stale and is forgotten with the old ones."""
        try:
            with effects.ignored():
                await self.claims.finish(update_id)
        except Exception:
            log.warning("could not mark update %s done", update_id, exc_info=True)

    async def _claim(self, update_id: int) -> Claim:
        claim = await self.claims.claim(update_id)
        wait = FIRST_WAIT
        while claim is Claim.BUSY and not self.redelivered:
            await asyncio.sleep(wait)
            wait = min(wait * 2, LONGEST_WAIT)
            claim = await self.claims.claim(update_id)
        return claim
