"""A language model's answer to a question: exactly one request, bounded by the timeout, and sent only when it holds
up against the facts (bot/domain/answer_check.py). Otherwise the caller sends the deterministic answer, which is the
retry (docs/llm.md)."""

from __future__ import annotations

import asyncio
import logging

from bot.domain.answer_check import Detect, acceptable
from bot.domain.questions import Facts, ModelUnavailable
from bot.ports import LanguageModel, Metrics, NoMetrics

log = logging.getLogger(__name__)
PURPOSE = "question"


class ModelAnswers:
    """Counts what it asked and what it threw away, for the shop's metrics."""

    def __init__(
        self, model: LanguageModel, timeout: float, detect: Detect | None = None, metrics: Metrics | None = None
    ) -> None:
        self.model = model
        self.metrics = metrics or NoMetrics()
        self.timeout = timeout
        self.detect = detect
        self.requests = 0
        # Requests whose reply was not sent: timeouts, errors, and replies that failed the check.
        self.fallbacks = 0
        self.refused = 0

    async def reply(self, facts: Facts) -> str | None:
        """The model's reply in `facts.language`, or None: the deterministic answer goes out instead."""
        self.requests += 1
        self.metrics.model_request(PURPOSE)
        try:
            # The adapter's own timeout ends the request; this one bounds the buyer's wait whatever the adapter does.
            text = await asyncio.wait_for(self.model.answer(facts, facts.language), self.timeout)
        except (ModelUnavailable, TimeoutError) as failure:
            self.fallbacks += 1
            self.metrics.model_fallback(PURPOSE, "timeout" if isinstance(failure, TimeoutError) else "unavailable")
            log.warning("language model unavailable, answering from the rules: %s", failure or type(failure).__name__)
            return None
        if not acceptable(text, facts, self.detect):
            self.fallbacks += 1
            self.refused += 1
            self.metrics.model_fallback(PURPOSE, "refused")
            log.warning("language model reply refused (a figure or the language is wrong): %r", text[:200])
            return None
        return text
