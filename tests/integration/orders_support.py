"""Shared set-up for the ordering tests: a small shop, buyers, fakes for the outside world, a clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain.buyer import Buyer
from bot.domain.cart import AddedToCart
from bot.domain.fx import Rates
from bot.domain.money import Money
from bot.domain.notices import Notice, recipient_of
from bot.domain.payments import PaymentAttempt, PaymentLink, PaymentRequest
from bot.domain.shipping import EU_COUNTRIES, ShippingTable
from bot.services.cart import CartService
from bot.services.catalog import CatalogueService
from bot.services.checkout import CheckoutService
from bot.services.holds import HoldService
from bot.services.keywords import KeywordService
from bot.services.orders import OrderService
from bot.services.payments import PaymentService
from bot.services.pricing import Pricing
from bot.services.waitlist import WaitlistService
from storage.uow import SqlUnitOfWorkFactory

CATALOGUE = """code,variant,title,description,price,currency,stock,ships_to,image_url,title.de
A12,S,Silk scarf,Soft,19.90,EUR,3,*,,Seidenschal
A12,M,,,19.90,EUR,2,,,
A12,L,,,19.90,EUR,0,,,
B7,,Leather belt,Brown,25.00,EUR,5,DE FR,,Ledergürtel
C3,,Tea set,Porcelain,3000,JPY,4,*,,
"""

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
RATES = Rates(
    base="EUR",
    rates={
        "USD": Decimal("1.0850"),
        "JPY": Decimal("161.25"),
        "KWD": Decimal("0.3331"),
        "GBP": Decimal("0.8420"),
        "BRL": Decimal("5.8640"),
        "CHF": Decimal("0.9460"),
    },
)
SHIPPING = ShippingTable(
    fees={"DE": Money(490, "EUR"), "EU": Money(790, "EUR"), "*": Money(1990, "EUR")},
    zones={"EU": EU_COUNTRIES},
)


class StaticRates:
    def __init__(self, rates: Rates = RATES) -> None:
        self.rates = rates

    async def latest(self) -> Rates:
        return self.rates


@dataclass
class RecordingNotifier:
    sent: list[Notice] = field(default_factory=list)
    unreachable: set[int] = field(default_factory=set)  # people whose notices Telegram refuses (blocked the bot)

    async def send(self, notice: Notice) -> bool:
        if recipient_of(notice) in self.unreachable:
            return False
        self.sent.append(notice)
        return True


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: float) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


@dataclass
class Shop:
    uow: SqlUnitOfWorkFactory
    clock: Clock
    notifier: RecordingNotifier
    cart: CartService
    waitlist: WaitlistService
    holds: HoldService
    checkout: CheckoutService
    orders: OrderService
    keywords: KeywordService
    skus: dict[str, int]

    async def order_by_keyword(self, buyer_id: int, text: str, language: str = "en") -> AddedToCart:
        """A keyword order typed in a private chat: read as the chat layer reads it, then added."""
        order = await self.keywords.read(text, private=True)
        assert order is not None, f"{text!r} is not a keyword order"
        return await self.cart.add_by_keyword(buyer_id, order, language)


def make_shop(uow: SqlUnitOfWorkFactory, skus: dict[str, int] | None = None, max_quantity: int = 10) -> Shop:
    clock = Clock()
    notifier = RecordingNotifier()
    pricing = Pricing(StaticRates(), "EUR")
    waitlist = WaitlistService(uow, pricing, notifier, hold_minutes=15, max_quantity=max_quantity, clock=clock)
    return Shop(
        uow=uow,
        clock=clock,
        notifier=notifier,
        cart=CartService(uow, pricing, hold_minutes=15, max_quantity=max_quantity, clock=clock),
        waitlist=waitlist,
        holds=HoldService(uow, pricing, notifier, waitlist, reminder_minutes=5),
        checkout=CheckoutService(uow, pricing, SHIPPING, clock=clock),
        orders=OrderService(uow, pricing),
        keywords=KeywordService(uow),
        skus=skus or {},
    )


async def open_shop(uow: SqlUnitOfWorkFactory, buyers: int = 5, **kwargs: int) -> Shop:
    """Import the catalogue and register buyers 1..`buyers` (buyer 2 lives in Japan, buyer 3 chose USD)."""
    await CatalogueService(uow).import_file(CATALOGUE)
    async with uow() as unit:
        for telegram_id in range(1, buyers + 1):
            country = {2: "JP"}.get(telegram_id)
            currency = {3: "USD"}.get(telegram_id)
            await unit.buyers.add(Buyer(telegram_id=telegram_id, language="en", country=country, currency=currency))
        await unit.commit()
    skus: dict[str, int] = {}
    async with uow() as unit:
        for code in ("A12", "B7", "C3"):
            product = await unit.catalogue.get_by_code(code)
            assert product is not None
            for sku in product.skus:
                skus[f"{code} {sku.variant}".strip()] = sku.id
    return make_shop(uow, skus, **kwargs)


async def stock_of(engine: AsyncEngine, sku_id: int) -> int:
    async with engine.connect() as connection:
        return int(
            (await connection.execute(sa.text("SELECT stock FROM sku WHERE id = :id"), {"id": sku_id})).scalar_one()
        )


async def scalar(engine: AsyncEngine, sql: str, **params: object) -> object:
    async with engine.connect() as connection:
        return (await connection.execute(sa.text(sql), params)).scalar_one()


@dataclass
class RecordingProvider:
    """A payment provider that opens one session per idempotency key, as real providers do, and remembers."""

    name: str = "sandbox"
    created: dict[str, PaymentLink] = field(default_factory=dict)
    requests: list[PaymentRequest] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)

    async def create_link(self, request: PaymentRequest) -> PaymentLink:
        self.requests.append(request)
        reference = f"ps_{request.idempotency_key}"
        return self.created.setdefault(
            request.idempotency_key, PaymentLink(reference, f"https://pay.example/{reference}")
        )

    async def expire(self, attempt: PaymentAttempt) -> None:
        if attempt.reference is not None:
            self.expired.append(attempt.reference)


def make_payments(
    shop: Shop,
    provider: RecordingProvider | None = None,
    timeout_minutes: int = 30,
    staff_ids: Sequence[int] = (),
) -> PaymentService:
    return PaymentService(
        shop.uow,
        provider or RecordingProvider(),
        shop.notifier,
        shop.waitlist,
        timeout_minutes=timeout_minutes,
        clock=shop.clock,
        shop_name="livesell test shop",
        staff_ids=staff_ids,
    )
