"""Every name a handler or filter asks for is provided: a misspelt parameter fails here, not on a buyer's update.

aiogram passes a handler only the keyword arguments whose names it declares; a name nothing provides makes the call
fail (or, with a default, silently use the default) only when that handler first runs."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

from aiogram import F, Router
from aiogram.dispatcher.event.handler import CallableObject
from aiogram.filters import Command
from aiogram.types import Message

from bot.app import BuyerLocaleMiddleware
from bot.services import HandlerServices
from bot.services.cart import CartService
from handlers import get_routers
from handlers.keyword import KEYWORD_ORDER

# What aiogram puts in the data of an update (Dispatcher, UserContextMiddleware, FSMContextMiddleware, Router).
AIOGRAM_PROVIDES = frozenset(
    {
        "bot",
        "bots",
        "dispatcher",
        "event_update",
        "event_router",
        "event_context",
        "event_from_user",
        "event_chat",
        "event_thread_id",
        "event_business_connection_id",
        "handler",
        "state",
        "raw_state",
        "fsm_storage",
    }
)
# What filters add when they pass: aiogram's CallbackData.filter() and Command(), and handlers/keyword.py's
# IsKeywordOrder.
FILTERS_PROVIDE = frozenset({"callback_data", "command", KEYWORD_ORDER})
PROVIDED = HandlerServices.names() | set(BuyerLocaleMiddleware.PROVIDES) | AIOGRAM_PROVIDES | FILTERS_PROVIDE


def callables(router: Router) -> Iterator[tuple[str, CallableObject]]:
    """Every handler and filter of a router tree, named for the failure message."""
    for event, observer in router.observers.items():
        for handler in (observer._handler, *observer.handlers):
            where = f"{router.name}.{event}"
            if handler.callback is not observer._handler.callback:
                where += f" {getattr(handler.callback, '__name__', handler.callback)}"
                yield where, handler
            for event_filter in handler.filters or ():
                yield f"{where} filter {event_filter.callback!r}", event_filter
    for child in router.sub_routers:
        yield from callables(child)


def asked_names(callback: CallableObject) -> list[str]:
    """The names a callback takes by keyword: all its parameters but the first, which receives the event."""
    parameters = inspect.signature(inspect.unwrap(callback.callback)).parameters.values()
    named = [p for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return [p.name for p in named[1:]]


def unprovided(routers: list[Router]) -> list[str]:
    return [
        f"{where}: {name}"
        for router in routers
        for where, callback in callables(router)
        for name in asked_names(callback)
        if name not in PROVIDED
    ]


def test_every_handler_and_filter_asks_only_for_what_is_provided() -> None:
    routers = get_routers()
    assert sum(1 for router in routers for _ in callables(router)) > 40  # the walk does reach the handlers
    assert unprovided(routers) == []


async def misspelt(message: Message, carts: CartService, locale: str) -> None: ...


async def misspelt_with_default(message: Message, max_quantities: int = 10) -> None: ...


class AsksForShopCurrency:
    async def __call__(self, message: Message, shop_currency: str, currency_list: list[str]) -> bool:
        return True


def test_a_misspelt_parameter_of_a_handler_or_a_filter_is_caught() -> None:
    router = Router(name="typos")
    router.message.filter(F.text)
    router.message.register(misspelt, Command("cart"))
    router.message.register(misspelt_with_default, AsksForShopCurrency())

    problems = unprovided([router])

    assert [problem.rsplit(": ", 1)[1] for problem in problems] == ["carts", "max_quantities", "currency_list"]
    assert "typos.message misspelt" in problems[0]


def test_no_two_providers_share_a_name() -> None:
    """The middleware writes its names over the services' in the same dict: one name, one meaning."""
    providers = [HandlerServices.names(), set(BuyerLocaleMiddleware.PROVIDES), AIOGRAM_PROVIDES, FILTERS_PROVIDE]
    assert sum(len(names) for names in providers) == len(PROVIDED)
