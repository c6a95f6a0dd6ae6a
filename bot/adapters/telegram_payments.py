"""The Telegram payment provider: an invoice link per attempt (Bot API `createInvoiceLink`), paid inside Telegram
through the shop's payments provider token, or in Telegram Stars. handlers/payments.py answers the pre-checkout
query and settles the successful payment."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import LabeledPrice

from bot.domain.invoices import PROVIDER, STARS, InvoicePricing
from bot.domain.payments import PaymentAttempt, PaymentLink, PaymentRequest


class BotNotAttached(RuntimeError):
    """An invoice was asked for before the bot that sends it was made (Application.make_bot attaches it)."""


class TelegramInvoiceProvider:
    name = PROVIDER

    def __init__(self, provider_token: str | None, pricing: InvoicePricing) -> None:
        self.provider_token = provider_token
        self.pricing = pricing
        self.bot: Bot | None = None

    def attach(self, bot: Bot) -> None:
        self.bot = bot

    async def create_link(self, request: PaymentRequest) -> PaymentLink:
        """The payload is the attempt's idempotency key (order and attempt number): what the pre-checkout query and
        the payment carry back. Telegram has no idempotency key: asked again (a race), it makes a second link to the
        same attempt; once one is paid, the pre-checkout re-check refuses the other."""
        if self.bot is None:
            raise BotNotAttached("the Telegram provider has no bot")
        charge = self.pricing.charge(request.amount)
        # One price for the order's total (items and shipping, converted as the order was): prices per line would
        # have to add up to it to the minor unit, and Stars invoices take exactly one price.
        url = await self.bot.create_invoice_link(
            title=request.description[:32],
            description=request.description[:255],
            payload=request.idempotency_key,
            currency=charge.currency,
            prices=[LabeledPrice(label=request.description[:32], amount=charge.amount_minor)],
            provider_token=None if charge.currency == STARS else self.provider_token,
        )
        return PaymentLink(reference=request.idempotency_key, url=url)

    async def expire(self, attempt: PaymentAttempt) -> None:
        """Telegram cannot revoke an invoice link: the pre-checkout re-check refuses a closed or overdue order, so an
        old link takes no money."""
