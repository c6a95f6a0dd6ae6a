"""bot.ports.Metrics on prometheus_client, and the /metrics page: counters and histograms the bot updates as it works,
plus gauges read from the database when scraped (orders by status, broadcast sends waiting), cached for a few
seconds. With PROMETHEUS_MULTIPROC_DIR set (`livesell run --workers N`), each worker writes its counts there and any
worker's page shows the sum over all of them (docs/observability.md)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from bot.domain.orders import OrderStatus
from bot.ports import ShopGauges

log = logging.getLogger(__name__)
# Seconds an update may take, in buckets: a reply within 50 ms is the norm, a model answer takes seconds.
UPDATE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Handler names are the code's own, so few; past this many, a new one counts as "other" (a bug, not a flood of
# series in Prometheus).
MOST_HANDLERS = 300
OTHER = "other"


@dataclass
class Snapshot:
    """The database's gauges as last read."""

    orders: Mapping[str, int] = field(default_factory=dict)
    pending_sends: int = 0
    read_at: float | None = None


class ShopCollector(Collector):
    """Yields the last snapshot as gauges; PrometheusMetrics refreshes it before each page, off this sync call."""

    def __init__(self) -> None:
        self.snapshot = Snapshot()

    def describe(self) -> list[Metric]:
        return []  # registered without being collected at once: the first snapshot is read on the first scrape

    def collect(self) -> Iterator[Metric]:
        if self.snapshot.read_at is None:
            return
        orders = GaugeMetricFamily(
            "livesell_orders", "Orders in each status, read from the database.", labels=["status"]
        )
        for status in OrderStatus:
            orders.add_metric([status.value], self.snapshot.orders.get(status.value, 0))
        yield orders
        yield GaugeMetricFamily(
            "livesell_broadcast_pending_sends",
            "Broadcast messages waiting to be sent, over every running broadcast.",
            value=self.snapshot.pending_sends,
        )


class PrometheusMetrics:
    """bot.ports.Metrics, and the /metrics page (`exposition`)."""

    def __init__(
        self,
        gauges: ShopGauges | None = None,
        multiprocess_dir: str | None = None,
        cache_seconds: float = 5.0,
        read_timeout: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.gauges = gauges
        self.multiprocess_dir = multiprocess_dir
        self.cache_seconds = cache_seconds
        self.read_timeout = read_timeout
        self.clock = clock
        self.shop = ShopCollector()
        self._reading = asyncio.Lock()
        self._handlers: set[str] = set()
        if multiprocess_dir:
            # prometheus_client picks where values live when it is first imported; a worker that imported it before
            # its parent set the directory would keep its counts to itself. Choose again now the directory is known.
            if values.ValueClass is values.MutexValue:
                values.ValueClass = values.get_value_class()
            registry: CollectorRegistry | None = None  # the worker's values go to files; the page reads them all
            self.registry = None
        else:
            registry = self.registry = CollectorRegistry()
            ProcessCollector(registry=registry)
            registry.register(self.shop)
        self.updates = Counter(
            "livesell_updates",
            "Telegram updates handled, by handler and outcome.",
            ["handler", "outcome"],
            registry=registry,
        )
        self.update_seconds = Histogram(
            "livesell_update_seconds",
            "Seconds from an update's arrival to its handler's end, by handler.",
            ["handler"],
            buckets=UPDATE_BUCKETS,
            registry=registry,
        )
        self.flood = Counter(
            "livesell_flood_skipped", "Messages and button taps skipped by flood control.", registry=registry
        )
        self.webhooks = Counter(
            "livesell_payment_webhooks",
            "Payment provider webhooks answered, by provider and outcome.",
            ["provider", "outcome"],
            registry=registry,
        )
        self.model_requests = Counter(
            "livesell_llm_requests",
            "Requests sent to the language model, by purpose.",
            ["purpose"],
            registry=registry,
        )
        self.model_fallbacks = Counter(
            "livesell_llm_fallbacks",
            "Model replies not used (the deterministic answer went out), by purpose and reason.",
            ["purpose", "reason"],
            registry=registry,
        )
        self.broadcast_sends = Counter(
            "livesell_broadcast_sends",
            "Broadcast sends settled, by outcome; its rate is the broadcast rate.",
            ["outcome"],
            registry=registry,
        )

    # bot.ports.Metrics

    def update_handled(self, handler: str, outcome: str, seconds: float) -> None:
        if handler not in self._handlers:
            if len(self._handlers) >= MOST_HANDLERS:
                handler = OTHER
            else:
                self._handlers.add(handler)
        self.updates.labels(handler, outcome).inc()
        self.update_seconds.labels(handler).observe(seconds)

    def flood_skipped(self) -> None:
        self.flood.inc()

    def payment_webhook(self, provider: str, outcome: str) -> None:
        self.webhooks.labels(provider, outcome).inc()

    def model_request(self, purpose: str) -> None:
        self.model_requests.labels(purpose).inc()

    def model_fallback(self, purpose: str, reason: str) -> None:
        self.model_fallbacks.labels(purpose, reason).inc()

    def broadcast_sent(self, outcome: str) -> None:
        self.broadcast_sends.labels(outcome).inc()

    # The page

    async def exposition(self) -> tuple[bytes, str]:
        """The /metrics page and its content type, the database's gauges at most `cache_seconds` old."""
        await self._refresh()
        if self.multiprocess_dir:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=self.multiprocess_dir)
            registry.register(self.shop)
        else:
            assert self.registry is not None
            registry = self.registry
        return generate_latest(registry), CONTENT_TYPE_LATEST

    async def _refresh(self) -> None:
        if self.gauges is None:
            return
        async with self._reading:  # scrapes at once read the database once
            last = self.shop.snapshot.read_at
            if last is not None and self.clock() - last < self.cache_seconds:
                return
            try:
                orders, pending = await asyncio.wait_for(
                    asyncio.gather(self.gauges.orders_by_status(), self.gauges.pending_sends()), self.read_timeout
                )
            except Exception as failure:  # the page goes out with the last values; /healthz tells what is down
                log.warning("metrics: the database's gauges were not read: %r", failure)
                return
            self.shop.snapshot = Snapshot(orders, pending, self.clock())
