"""Callback data shapes. Clients can send anything back, so every field is re-checked by its handler."""

from __future__ import annotations

from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

# Numbers are bounded, so forged data fails to unpack (the fallback answers "this button is no longer valid") rather
# than reaching the database as an integer no 64-bit column holds, or a page far past the catalogue's end. Quantities
# a button could carry (0, -1, 11) still reach their handler, which says what is wrong with them.
RowId = Annotated[int, Field(ge=0, le=2**63 - 1)]
Page = Annotated[int, Field(ge=0, le=100_000)]
Quantity = Annotated[int, Field(ge=-1_000_000, le=1_000_000)]


class CataloguePageCb(CallbackData, prefix="cat"):
    page: Page


class ProductCb(CallbackData, prefix="prod"):
    """A product on a catalogue page. A tap that opens its card turns the button into a ProductTappedCb (and back),
    so each tap changes the page's keyboard and the second of a double tap asks for the change the first made
    (handlers/catalog.py). Another prefix rather than another field: buttons sent before still unpack."""

    product_id: RowId
    page: Page = 0


class ProductTappedCb(CallbackData, prefix="prod1"):
    """A catalogue product whose card the last tap opened; the same as ProductCb to the buyer."""

    product_id: RowId
    page: Page = 0


class LanguageCb(CallbackData, prefix="lang"):
    code: str


class VariantCb(CallbackData, prefix="var"):
    """A variant chosen on a product card: show the quantity picker (sku_id 0: back to the variants)."""

    product_id: RowId
    sku_id: RowId = 0
    quantity: Quantity = 1
    page: Page = 0  # the catalogue page the card was opened from, for its Back button


class AddToCartCb(CallbackData, prefix="add"):
    """A quantity tapped on a product card; the product and page redraw the card after the add."""

    sku_id: RowId
    quantity: Quantity
    product_id: RowId = 0
    page: Page = 0


class CartCb(CallbackData, prefix="cart"):
    """An action on the buyer's cart: show, set (a line's quantity; 0 removes it), drop, empty, checkout."""

    action: str
    sku_id: RowId = 0
    quantity: Quantity = 0


class WaitlistCb(CallbackData, prefix="wait"):
    action: str  # join | leave
    sku_id: RowId


class CheckoutCb(CallbackData, prefix="co"):
    action: str  # country | confirm | change (value: the detail) | cancel
    value: str = ""


class CurrencyCb(CallbackData, prefix="cur"):
    code: str  # an ISO 4217 code, or "auto"


class KeywordCb(CallbackData, prefix="kw"):
    """A button under a keyword refusal: order `sku_id` (0: the product's variants to choose from, or its only one)."""

    product_id: RowId
    sku_id: RowId = 0
    quantity: Quantity = 1


class SubscriptionCb(CallbackData, prefix="sub"):
    """Subscribe to live-stream announcements (on), or stop them (off: the button under every announcement)."""

    action: str  # on | off


class StreamCb(CallbackData, prefix="st"):
    """A merchant's button on a planned stream: edit | field (value: which) | reschedule | cancel | cancel_yes |
    keep | live | end. Merchant-only: handlers/merchants.py refuses it to anyone else."""

    action: str
    stream_id: RowId
    value: str = ""


class NewStreamCb(CallbackData, prefix="ns"):
    """A button of the /newstream conversation: title (value: a language) | titles_done | zone | skip | save |
    cancel."""

    action: str
    value: str = ""


class TimezoneCb(CallbackData, prefix="tz"):
    """A zone tapped under /timezone: an IANA name (at most 32 characters), or "auto" (the buyer's country's)."""

    zone: str


class QuestionCb(CallbackData, prefix="ask"):
    """A product tapped under "which one do you mean?": the question is the message that answer replies to."""

    product_id: RowId


class RoleCb(CallbackData, prefix="role"):
    """Revoke a granted role from the list /revoke shows (merchants only, checked again on the server)."""

    telegram_id: RowId
    role: str


class ExportCb(CallbackData, prefix="export"):
    """A button of the /export conversation: period (value: a preset or "custom") | status | stream (value: an id or
    "all") | format | cancel."""

    action: str
    value: str = ""
