"""One outbound queue for the whole process: every send to a chat waits here for its turn (bot/domain/outbound.py
decides whose), and a 429 pauses what it refused and sends again, never dropping the send. What a send's priority is
comes from where it is made: `sending_as(Priority.CONFIRMATION)` around it, else the `current_priority` of the task
(REPLY while an update is handled, NOTICE otherwise). See docs/outbound.md."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from bot.domain.outbound import OutboundLimits, OutboundPolicy, Priority, Scope, Send

log = logging.getLogger(__name__)
T = TypeVar("T")

current_priority: ContextVar[Priority] = ContextVar("outbound_priority", default=Priority.NOTICE)


@contextmanager
def sending_as(priority: Priority) -> Iterator[None]:
    """The sends made in this block (in this task) wait with `priority`."""
    token = current_priority.set(priority)
    try:
        yield
    finally:
        current_priority.reset(token)


class RetryAfter(Exception):
    """Raised by a send's call when Telegram answered 429: wait `seconds`, then send again."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds} s")
        self.seconds = seconds


class NotSent(asyncio.CancelledError):
    """The task was cancelled while its send still waited for its turn: nothing left (a broadcast gives the
    delivery back to pending). Still a cancellation to asyncio."""


def _retry_after(error: Exception) -> float | None:
    return error.seconds if isinstance(error, RetryAfter) else None


class OutboundQueue:
    """Implements the turn-taking for every sender of the process (the bot's session middleware, the broadcast
    sender). `sent` and `refused` count what Telegram answered, by priority and in all."""

    def __init__(self, limits: OutboundLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = OutboundPolicy(limits)
        self.clock = clock
        self._turns: dict[Send, asyncio.Future[None]] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = float("inf")
        self.sent: Counter[Priority] = Counter()
        self.refused = 0
        self.paused: Counter[Scope] = Counter()

    @property
    def limits(self) -> OutboundLimits:
        return self.policy.limits

    async def send(
        self,
        call: Callable[[], Awaitable[T]],
        *,
        chat_id: int,
        private: bool,
        priority: Priority | None = None,
        paid: bool = False,
        retry_after: Callable[[Exception], float | None] = _retry_after,
    ) -> T:
        """`call()` once the chat's turn comes; after a 429 (`retry_after(error)` says how long), again at the next.
        Any other error is the caller's."""
        item = Send(current_priority.get() if priority is None else priority, chat_id, private, paid)
        self.policy.add(item, self.clock())
        while True:
            await self._turn(item)
            try:
                result = await call()
            except Exception as error:
                seconds = retry_after(error)
                if seconds is None:
                    self._done(item)
                    raise
                self.refused += 1
                scope = self.policy.refused(item, self.clock(), seconds)
                self.paused[scope] += 1
                log.info("429 on a send to %s: %s paused %s s, sending it again", chat_id, scope.value, seconds)
                continue  # `_turn` hands out what the 429 freed
            except BaseException:
                self._done(item)
                raise
            self.sent[item.priority] += 1
            self._done(item)
            return result

    def waiting(self) -> int:
        return self.policy.waiting

    # Inside

    async def _turn(self, item: Send) -> None:
        turn = asyncio.get_running_loop().create_future()
        self._turns[item] = turn
        self._pump()
        try:
            await turn
        except asyncio.CancelledError as cancelled:
            self._turns.pop(item, None)
            if item.state == "waiting":
                self.policy.cancel(item)
                raise NotSent(*cancelled.args) from None
            self._done(item)
            raise

    def _done(self, item: Send) -> None:
        self.policy.answered(item, self.clock())
        self._pump()

    def _pump(self) -> None:
        """Hand out every turn due now, and wake up when the next one may be."""
        now = self.clock()
        for item in self.policy.take(now):
            turn = self._turns.pop(item, None)
            if turn is None or turn.done():  # its task is gone: the turn is not used
                self.policy.answered(item, now)
                continue
            turn.set_result(None)
        wait = self.policy.next_wakeup(now)
        if wait is None:
            return
        at = now + wait
        if self._timer is not None and self._timer_at <= at and self._timer_at > now:
            return
        if self._timer is not None:
            self._timer.cancel()
        loop = asyncio.get_running_loop()
        self._timer_at = at
        self._timer = loop.call_later(max(wait, 0.0005), self._wake)

    def _wake(self) -> None:
        self._timer = None
        self._timer_at = float("inf")
        self._pump()
