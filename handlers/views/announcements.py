"""A stream announcement as each subscriber reads it: the title in their language, the start in their time zone, the
featured products at prices in their currency, a button per product and one to unsubscribe.

A broadcast draws the same announcement for thousands of people who share a language, a zone and a currency: each
combination is drawn once, and the stream is read from the database once per announcement (briefly cached).
"""

from __future__ import annotations

import html
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.domain.broadcasts import Recipient
from bot.domain.cart import display_price
from bot.domain.fx import Rates, UnknownRate
from bot.domain.money import Money
from bot.domain.streams import AnnouncementKind, AnnouncementView, FeaturedProduct, StreamStatus
from bot.services.pricing import Pricing
from bot.services.streams import StreamService
from handlers.views.broadcasts import Rendered, Renderer
from handlers.views.subscriptions import unsubscribe_button
from handlers.views.when import duration, local_time

# How long a stream read for an announcement is reused: a broadcast to 20,000 people reads it a few times, not
# 20,000, and an edit or a cancellation shows within this time.
VIEW_SECONDS = 30.0
# Drawn messages kept (one per announcement, language, zone, currency and kind of chat); beyond, the oldest go.
DRAWN_LIMIT = 4096
# Product buttons under one announcement; the text lists every product anyway.
MAX_PRODUCT_BUTTONS = 8
PRODUCT_START = "p_"  # t.me/<bot>?start=p_<id> opens the product card in a private chat with the bot


def announcement_text(view: AnnouncementView, recipient: Recipient, timezone: str, prices: dict[int, Money]) -> str:
    """The announcement in the current locale (the sender sets it to the recipient's language)."""
    language = recipient.language
    stream, announcement = view.stream, view.announcement
    title = "<b>" + html.escape(stream.title_in(language)) + "</b>"
    if announcement.kind is AnnouncementKind.LIVE:
        heading = "🔴 " + _("Live now: {title}").format(title=title)
    elif announcement.offset_seconds <= 0:
        heading = "🔴 " + _("Starting now: {title}").format(title=title)
    else:
        wait = duration(timedelta(seconds=announcement.offset_seconds), language)
        heading = "🔔 " + _("Live stream in {time}: {title}").format(time=wait, title=title)
    rows = [heading]
    if announcement.kind is AnnouncementKind.REMINDER and announcement.offset_seconds > 0:
        rows.append(_("Starts {time}").format(time=local_time(stream.starts_at, timezone, language)))
    if stream.link:
        rows.append(_("Watch: {link}").format(link=html.escape(stream.link)))
    if view.products:
        rows += ["", _("Featured:")]
        rows += [_product_line(product, prices.get(product.product_id), language) for product in view.products]
        rows += ["", _("Send a product's code to order it during the stream.")]
    return "\n".join(rows)


def _product_line(product: FeaturedProduct, price: Money | None, language: str) -> str:
    line = f"• <b>{html.escape(product.code)}</b> {html.escape(product.title_in(language))}"
    if price is not None:
        line += f" — {price.format(language)}"
    if not product.in_stock:
        line += " (" + _("sold out") + ")"
    return line


def announcement_keyboard(
    view: AnnouncementView, recipient: Recipient, bot_username: str
) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    link = view.stream.link
    if link and link.startswith(("https://", "http://")):
        rows.append([InlineKeyboardButton(text="▶️ " + _("Watch the stream"), url=link)])
    if bot_username:
        for product in view.products[:MAX_PRODUCT_BUTTONS]:
            label = f"{product.code} · {product.title_in(recipient.language)}"
            url = f"https://t.me/{bot_username}?start={PRODUCT_START}{product.product_id}"
            rows.append([InlineKeyboardButton(text=label[:64], url=url)])
    if recipient.private:
        rows.append([unsubscribe_button()])
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def prices_in(view: AnnouncementView, rates: Rates, shop_currency: str, currency: str) -> dict[int, Money]:
    """Each featured product's lowest price, in `currency` the way its card and the cart show it."""
    prices = {}
    for product in view.products:
        if product.price is None:
            continue
        try:
            prices[product.product_id] = display_price(product.price, rates, shop_currency, currency)
        except UnknownRate:
            prices[product.product_id] = product.price  # priced in a currency the rates lack: as the catalogue has it
    return prices


class AnnouncementRenderer:
    """The Renderer of BroadcastKind.ANNOUNCEMENT broadcasts (see handlers/views/broadcasts.py)."""

    def __init__(
        self,
        streams: StreamService,
        pricing: Pricing,
        bot_username: Callable[[], Awaitable[str]] | str,
        shop_timezone: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.streams = streams
        self.pricing = pricing
        self.bot_username = bot_username
        self.shop_timezone = shop_timezone
        self.clock = clock
        self._views: dict[int, tuple[float, AnnouncementView | None]] = {}
        self._drawn: dict[tuple[object, ...], Rendered | None] = {}

    async def __call__(self, reference: int, recipient: Recipient) -> Rendered | None:
        view = await self._view(reference)
        timezone = recipient.timezone or self.shop_timezone
        currency = recipient.currency or self.pricing.shop_currency
        key = (reference, recipient.language, timezone, currency, recipient.private)
        if key in self._drawn:
            return self._drawn[key]
        drawn = await self._draw(view, recipient, timezone, currency)
        if len(self._drawn) >= DRAWN_LIMIT:
            self._drawn.pop(next(iter(self._drawn)))
        self._drawn[key] = drawn
        return drawn

    async def _view(self, reference: int) -> AnnouncementView | None:
        cached = self._views.get(reference)
        if cached is not None and cached[0] > self.clock():
            return cached[1]
        view = await self.streams.announcement_view(reference)
        self._views[reference] = (self.clock() + VIEW_SECONDS, view)
        # Drawn from the old view: drawn again from this one.
        self._drawn = {key: drawn for key, drawn in self._drawn.items() if key[0] != reference}
        return view

    async def _draw(
        self, view: AnnouncementView | None, recipient: Recipient, timezone: str, currency: str
    ) -> Rendered | None:
        if view is None or view.stream.status in (StreamStatus.CANCELLED, StreamStatus.ENDED):
            return None  # gone, or no longer worth announcing
        if view.announcement.kind is AnnouncementKind.REMINDER and view.stream.status is StreamStatus.LIVE:
            return None  # a reminder caught up by the stream going live: the live-now announcement says it all
        prices = prices_in(view, await self.pricing.rates(), self.pricing.shop_currency, currency)
        username = self.bot_username if isinstance(self.bot_username, str) else await self.bot_username()
        return Rendered(
            announcement_text(view, recipient, timezone, prices),
            announcement_keyboard(view, recipient, username),
        )


def announcement_renderer(
    streams: StreamService,
    pricing: Pricing,
    bot_username: Callable[[], Awaitable[str]] | str,
    shop_timezone: str,
) -> Renderer:
    """Draw stream announcements for a broadcast (BroadcastKind.ANNOUNCEMENT; the reference is the announcement)."""
    return AnnouncementRenderer(streams, pricing, bot_username, shop_timezone)
