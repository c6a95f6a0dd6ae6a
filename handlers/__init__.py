"""The Telegram layer: one Router per feature, composed in `get_routers()`."""

from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    """New routers on every call: aiogram attaches a router to one parent, so each Dispatcher needs its own."""
    from handlers import (
        cart,
        catalog,
        checkout,
        errors,
        export,
        fallback,
        groups,
        handoff,
        keyword,
        language,
        membership,
        merchants,
        newstream,
        orders,
        payments,
        questions,
        reports,
        roles,
        say,
        start,
        streams,
        subscriptions,
        timezones,
    )

    # Errors first (error events look for a handler in this order too); then payments (Telegram's pre-checkout
    # queries and successful payments, which no other router claims); then staff replies to handed-off questions
    # (in the support group or a merchant's chat; any other reply is passed on); then what groups may not do (buyer
    # commands and buttons belong to the private chat); then commands (/timezone's typed answer and its /cancel before
    # checkout's /cancel); among them the merchants' conversations, which let only merchants in (the merchants router
    # after them refuses everyone else) and come before the buyers' because a merchant's answers (product codes) look
    # like keyword orders; then checkout, whose steps take the buyer's typed answers; then keyword orders, which take
    # any other text that parses as one; then product questions, which take any other private text and the group
    # messages asking about a product; the fallback router goes last: it answers whatever no feature claimed.
    return [
        errors.make_router(),
        membership.make_router(),
        payments.make_router(),
        handoff.make_router(),
        groups.make_router(),
        start.make_router(),
        newstream.make_router(),
        streams.make_router(),
        say.make_router(),
        reports.make_router(),
        roles.make_router(),
        export.make_router(),
        merchants.make_router(),
        language.make_router(),
        catalog.make_router(),
        cart.make_router(),
        orders.make_router(),
        subscriptions.make_router(),
        timezones.make_router(),
        checkout.make_router(),
        keyword.make_router(),
        questions.make_router(),
        fallback.make_router(),
    ]
