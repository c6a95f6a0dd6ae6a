"""Subscriptions and time zones in the database (SQLite and PostgreSQL): each change is one conditional UPDATE, so
of two taps at once exactly one changes anything, and a blocked subscriber who returns is reachable again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.services.buyers import BuyerService
from storage.uow import SqlUnitOfWorkFactory

LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "ru", "zh"]
BIG_ID = 7_123_456_789


async def test_set_subscribed_says_whether_it_changed_the_row(uow_factory: SqlUnitOfWorkFactory) -> None:
    service = BuyerService(uow_factory, LANGUAGES, "en")
    await service.register(BIG_ID, "de", "Hanna")
    async with uow_factory() as uow:
        assert await uow.buyers.set_subscribed(BIG_ID, True) is True
        assert await uow.buyers.set_subscribed(BIG_ID, True) is False
        assert await uow.buyers.set_subscribed(BIG_ID + 1, True) is False  # nobody to subscribe
        await uow.commit()
    async with uow_factory() as uow:
        buyer = await uow.buyers.get(BIG_ID)
        assert buyer is not None and buyer.subscribed
        assert await uow.buyers.set_subscribed(BIG_ID, False) is True
        assert await uow.buyers.set_subscribed(BIG_ID, False) is False
        await uow.commit()
    assert not (await service.get(BIG_ID)).subscribed  # type: ignore[union-attr]


async def test_an_uncommitted_subscription_is_not_stored(uow_factory: SqlUnitOfWorkFactory) -> None:
    service = BuyerService(uow_factory, LANGUAGES, "en")
    await service.register(1, "en", "Anna")
    async with uow_factory() as uow:
        await uow.buyers.set_subscribed(1, True)
    assert not (await service.get(1)).subscribed  # type: ignore[union-attr]


async def test_of_simultaneous_taps_exactly_one_subscribes(uow_factory: SqlUnitOfWorkFactory) -> None:
    service = BuyerService(uow_factory, LANGUAGES, "en")
    await service.register(42, "fr", "Zoé")

    changed = await asyncio.gather(*(service.subscribe(42) for _ in range(6)))

    assert changed.count(True) == 1
    assert (await service.get(42)).subscribed  # type: ignore[union-attr]


async def test_a_blocked_subscriber_who_writes_again_is_reachable(uow_factory: SqlUnitOfWorkFactory) -> None:
    service = BuyerService(uow_factory, LANGUAGES, "en")
    await service.register(5, "ru", "Olga")
    await service.subscribe(5)
    await service.mark_blocked(5)
    blocked = await service.get(5)
    assert blocked is not None and blocked.blocked and blocked.subscribed

    await service.register(5, "ru", "Olga")

    back = await service.get(5)
    assert back is not None and (back.blocked, back.started, back.subscribed) == (False, True, True)


async def test_a_chosen_zone_is_stored_and_automatic_clears_it(uow_factory: SqlUnitOfWorkFactory) -> None:
    service = BuyerService(uow_factory, LANGUAGES, "en", shop_timezone="Europe/Paris")
    await service.register(9, "pt-BR", "João")
    await service.choose_timezone(9, "UTC-5", datetime(2026, 12, 7, tzinfo=UTC))
    assert (await service.get(9)).timezone == "Etc/GMT+5"  # type: ignore[union-attr]
    await service.choose_timezone(9, "auto")
    assert (await service.get(9)).timezone is None  # type: ignore[union-attr]
    assert (await service.timezone_options(9)).current.zone == "America/Sao_Paulo"
