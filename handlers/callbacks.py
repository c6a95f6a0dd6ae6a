"""Callback data shapes. Clients can send anything back, so every field is re-checked by its handler."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class CataloguePageCb(CallbackData, prefix="cat"):
    page: int


class ProductCb(CallbackData, prefix="prod"):
    product_id: int
    page: int = 0


class LanguageCb(CallbackData, prefix="lang"):
    code: str
