"""Webhooks: N signed sandbox-provider webhooks, a third of them replays, forgeries or stale, posted concurrently over
HTTP to the bot's real web app (build()'s wiring, /webhooks/sandbox) against orders awaiting payment, on SQLite and
on PostgreSQL.

About two thirds of the webhooks are genuine, one per order: most pay it, every tenth declines it. The rest are
replays of genuine ones (the same signed bytes again), forgeries (another secret, a body changed after signing, no
signature) and a few stale ones (rightly signed, timestamp outside the 300 s tolerance); forgeries and stale events
claim payment for the declined orders, so one applied would show. Everything is shuffled and posted at once (at most
--concurrency in flight) from this process.

Prints events/s next to a baseline measured in the same run (the same web app paying orders one webhook at a time),
and wrong transitions, which must be 0: a paid order not paid, a declined one not expired, a receipt missing or sent
twice, a forged or stale event answered 2xx, or an event recorded that should not have been.

    .venv/bin/python bench/webhooks.py [--webhooks 1000] [--postgres-url postgresql+asyncpg://...]

Exit status 1 when any transition was wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import ClientSession, ClientTimeout
from databases import fresh_database
from sqlalchemy import text

from bot.adapters.sandbox_payments import event_body
from bot.adapters.signatures import signature_header
from bot.adapters.web import SIGNATURE_HEADER
from bot.app import open_application
from bot.config import load_settings
from bot.domain.buyer import Buyer
from bot.domain.checkout import ShippingDetails
from bot.domain.notices import Notice, PaymentReceived
from bot.services.cart import CartService
from bot.services.checkout import CheckoutService

BASELINE_ORDERS = 50
STALE_SECONDS = 600  # well past the 300 s tolerance
CATALOGUE = """code,variant,title,description,price,currency,stock,ships_to,image_url
PAY1,,Paid scarf,Bought once per order.,9.90,EUR,1000000,*,
"""
TO_BERLIN = ShippingDetails(
    country="DE", name="Rosa Luxemburg", address="Unter den Linden 1, Berlin", phone="+49 30 1234567"
)


@dataclass
class CountingNotifier:
    """Stands in for Telegram: counts the receipts each order's buyer got."""

    receipts: Counter[int] = field(default_factory=Counter)

    async def send(self, notice: Notice) -> bool:
        if isinstance(notice, PaymentReceived):
            self.receipts[notice.receipt.order_id] += 1
        return True


@dataclass
class Webhook:
    body: bytes
    headers: dict[str, str]
    kind: str  # genuine, replay, forged, stale


@dataclass
class Outcome:
    backend: str
    webhooks: int
    kinds: Counter[str]
    seconds: float
    baseline_rate: float
    wrong: list[str]

    @property
    def rate(self) -> float:
        return self.webhooks / self.seconds

    def report(self) -> str:
        mix = ", ".join(f"{kind} {count}" for kind, count in sorted(self.kinds.items()))
        lines = [
            f"[{self.backend}] {self.webhooks} webhooks ({mix}) in {self.seconds:.2f} s",
            f"  {self.rate:.0f} events/s concurrently; one at a time {self.baseline_rate:.0f} events/s; "
            f"ratio {self.rate / self.baseline_rate:.2f}",
            f"  wrong transitions: {len(self.wrong)} (must be 0)",
        ]
        return "\n".join(lines + [f"    {line}" for line in self.wrong[:20]])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def place_orders(cart: CartService, checkout: CheckoutService, sku_id: int, buyers: range) -> list[int]:
    """One order awaiting payment per buyer, through the cart and checkout a buyer goes through."""
    orders = []
    for buyer in buyers:
        await cart.add(buyer, sku_id, 1, "en")
        await checkout.begin(buyer, "en")
        await checkout.summary(buyer, TO_BERLIN, "en")
        orders.append((await checkout.confirm(buyer, TO_BERLIN, "en")).order_id)
    return orders


def signed(secret: str, body: bytes, at: float, kind: str) -> Webhook:
    return Webhook(
        body, {SIGNATURE_HEADER: signature_header(secret, body, int(at)), "Content-Type": "application/json"}, kind
    )


def mixture(
    secret: str, tokens: dict[int, tuple[str, object]], declined: set[int], webhooks: int, rng: random.Random
) -> list[Webhook]:
    """The genuine event of every order, then replays, forgeries and stale events up to `webhooks`, shuffled."""
    now = time.time()
    genuine = {
        order: signed(secret, event_body(token, order not in declined, amount), now, "genuine")  # type: ignore[arg-type]
        for order, (token, amount) in tokens.items()
    }
    sent = list(genuine.values())
    targets = sorted(declined)
    extra = webhooks - len(sent)
    for number in range(extra):
        kind = ("replay", "forged")[number % 2] if number % 25 else "stale"
        if kind == "replay":
            original = genuine[rng.choice(list(genuine))]
            sent.append(Webhook(original.body, original.headers, "replay"))
            continue
        token, amount = tokens[targets[number % len(targets)]]
        paying = event_body(token, True, amount)  # type: ignore[arg-type]
        if kind == "stale":
            sent.append(signed(secret, paying, now - STALE_SECONDS, "stale"))
        elif number % 3 == 0:
            sent.append(signed("not-the-secret", paying, now, "forged"))
        elif number % 3 == 1:
            honest = signed(secret, event_body(token, False, amount), now, "forged")  # type: ignore[arg-type]
            sent.append(Webhook(paying, honest.headers, "forged"))  # the body changed after signing
        else:
            sent.append(Webhook(paying, {"Content-Type": "application/json"}, "forged"))
    rng.shuffle(sent)
    return sent


async def post_all(url: str, webhooks: list[Webhook], concurrency: int) -> list[int]:
    gate = asyncio.Semaphore(concurrency)
    async with ClientSession(timeout=ClientTimeout(total=120)) as session:

        async def post(webhook: Webhook) -> int:
            async with gate, session.post(url, data=webhook.body, headers=webhook.headers) as response:
                await response.read()
                return response.status

        return list(await asyncio.gather(*(post(webhook) for webhook in webhooks)))


async def run_webhooks(database_url: str, webhooks: int, concurrency: int = 50, backend: str = "sqlite") -> Outcome:
    """The bench's core: prepare orders, pay a baseline one at a time, then post the mixture at once and check."""
    port = free_port()
    settings = load_settings(
        database_url=database_url,
        redis_url=None,
        web_port=port,
        payment_provider="sandbox",
        supported_languages=["en"],
        default_language="en",
    )
    orders_count = max(6, webhooks * 2 // 3)
    rng = random.Random(8)
    notifier = CountingNotifier()
    async with open_application(settings) as application:
        core = application.core
        application.payments.service.notifier = notifier
        await core.catalogue.import_file(CATALOGUE)
        async with core.uow() as unit:
            for buyer in range(1, orders_count + BASELINE_ORDERS + 1):
                await unit.buyers.add(Buyer(telegram_id=buyer, language="en", country="DE", currency="EUR"))
            product = await unit.catalogue.get_by_code("PAY1")
            assert product is not None
            sku_id = product.skus[0].id
            await unit.commit()
        cart = CartService(core.uow, core.pricing)
        checkout = CheckoutService(core.uow, core.pricing, shipping=settings.shipping_table())
        baseline_orders = await place_orders(cart, checkout, sku_id, range(1, BASELINE_ORDERS + 1))
        orders = await place_orders(
            cart, checkout, sku_id, range(BASELINE_ORDERS + 1, BASELINE_ORDERS + orders_count + 1)
        )
        tokens: dict[int, tuple[str, object]] = {}
        for order_id in baseline_orders + orders:
            attempt = await application.payments.service.link_for(order_id)
            assert attempt.reference is not None
            tokens[order_id] = (attempt.reference, attempt.amount)
        declined = set(orders[::10])
        secret = application.payments.sandbox_secret
        url = f"http://127.0.0.1:{port}/webhooks/sandbox"
        async with application.serve_web():
            solo = [
                signed(secret, event_body(tokens[o][0], True, tokens[o][1]), time.time(), "genuine")  # type: ignore[arg-type]
                for o in baseline_orders
            ]
            started = time.perf_counter()
            solo_status = [status for webhook in solo for status in await post_all(url, [webhook], 1)]
            baseline_rate = len(solo) / (time.perf_counter() - started)
            mix = mixture(secret, {o: tokens[o] for o in orders}, declined, webhooks, rng)
            started = time.perf_counter()
            statuses = await post_all(url, mix, concurrency)
            seconds = time.perf_counter() - started
        wrong = [f"baseline webhook answered {status}" for status in solo_status if status != 200]
        for webhook, status in zip(mix, statuses, strict=True):
            refused = webhook.kind in ("forged", "stale")
            if refused != (status >= 400) or status >= 500:
                wrong.append(f"{webhook.kind} webhook answered {status}: {webhook.body.decode()[:80]}")
        async with core.engine.connect() as connection:
            rows = await connection.execute(text("SELECT id, status FROM orders WHERE status != 'cart'"))
            statuses_by_order = {row.id: row.status for row in rows}
            events = int((await connection.execute(text("SELECT count(*) FROM payment_event"))).scalar_one())
    for order_id in baseline_orders + orders:
        expected = "expired" if order_id in declined else "paid"
        if statuses_by_order.get(order_id) != expected:
            wrong.append(f"order {order_id} is {statuses_by_order.get(order_id)}, not {expected}")
        receipts = 0 if order_id in declined else 1
        if notifier.receipts[order_id] != receipts:
            wrong.append(f"order {order_id}: {notifier.receipts[order_id]} receipts, not {receipts}")
    if events != len(tokens):
        wrong.append(f"{events} payment events recorded for {len(tokens)} genuine ones")
    return Outcome(backend, len(mix), Counter(webhook.kind for webhook in mix), seconds, baseline_rate, wrong)


async def main(arguments: argparse.Namespace) -> int:
    failed = False
    for backend, url in (("sqlite", None), ("postgresql", arguments.postgres_url)):
        if backend == "postgresql" and not url:
            print("[postgresql] skipped: set TEST_POSTGRES_URL or pass --postgres-url", flush=True)
            continue
        async with fresh_database(url, "webhooks") as database_url:
            outcome = await run_webhooks(database_url, arguments.webhooks, arguments.concurrency, backend)
        print(outcome.report(), flush=True)
        failed |= bool(outcome.wrong)
    return 1 if failed else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--webhooks", type=int, default=1000, help="webhooks posted at once (default 1000)")
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight at most (default 50)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL"),
        help="postgresql+asyncpg:// URL of a server where a scratch database may be made (default TEST_POSTGRES_URL)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bot.adapters.web").setLevel(logging.ERROR)  # the forged and stale ones are refused on purpose
    sys.exit(asyncio.run(main(parse_args())))
