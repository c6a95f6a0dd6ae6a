"""Use cases: each opens one unit of work, applies the domain's rules and returns plain data.

`HandlerServices` is the one typed list of what handlers may ask for by name (aiogram's dependency injection):
bot/app.py builds it once and hands its fields to the Dispatcher; tests/unit/test_handler_parameters.py fails when a
handler asks for a name that nothing provides.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.ports import OrderAnswers
    from bot.services.buyers import BuyerService
    from bot.services.cart import CartService
    from bot.services.catalog import CatalogueService
    from bot.services.checkout import CheckoutService
    from bot.services.currency import CurrencyService
    from bot.services.export import ExportService
    from bot.services.handoff import HandOffService
    from bot.services.invoices import InvoiceService
    from bot.services.keywords import KeywordService
    from bot.services.orders import OrderService
    from bot.services.payments import PaymentService
    from bot.services.pricing import Pricing
    from bot.services.questions import QuestionService
    from bot.services.roles import RoleService
    from bot.services.say import SayService
    from bot.services.stream_reports import StreamReportService
    from bot.services.streams import StreamService
    from bot.services.waitlist import WaitlistService


@dataclass(frozen=True, slots=True, kw_only=True)
class HandlerServices:
    """The services handlers receive, and the few settings they read, each under the parameter name a handler uses."""

    buyers: BuyerService
    catalogue: CatalogueService
    cart: CartService
    keywords: KeywordService
    waitlist: WaitlistService
    pricing: Pricing
    currencies: CurrencyService
    checkout: CheckoutService
    orders: OrderService
    payments: PaymentService
    invoices: InvoiceService
    shop_currency: str
    max_quantity: int
    keyword_group_ids: Collection[int]
    streams: StreamService
    shop_timezone: str
    hand_offs: HandOffService
    say: SayService
    questions: QuestionService
    stream_reports: StreamReportService
    export: ExportService
    roles: RoleService
    # Keyword orders' answers, sent without holding up the next orders, and in stream groups batched under the
    # group's 20 messages a minute (handlers/outbound.py).
    order_answers: OrderAnswers

    @classmethod
    def names(cls) -> frozenset[str]:
        return frozenset(field.name for field in fields(cls))

    def by_name(self) -> dict[str, object]:
        """Keyword dependencies for the Dispatcher."""
        return {field.name: getattr(self, field.name) for field in fields(self)}
