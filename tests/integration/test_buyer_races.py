"""A newcomer's burst of messages arrives at once: every one of them is answered, none fails on the buyer's row."""

from __future__ import annotations

import asyncio

from bot.services.buyers import BuyerService
from storage.uow import SqlUnitOfWorkFactory

LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "ru", "zh"]


async def test_simultaneous_first_messages_register_the_buyer_once(uow_factory: SqlUnitOfWorkFactory) -> None:
    service = BuyerService(uow_factory, LANGUAGES, "en")

    buyers = await asyncio.gather(*(service.register(42, "de", "Lena", started=False) for _ in range(8)))

    assert {(b.telegram_id, b.language, b.started) for b in buyers} == {(42, "de", False)}
    async with uow_factory() as uow:
        assert (await uow.buyers.get(42)) == buyers[0]


async def test_start_during_a_burst_of_group_comments_marks_the_buyer_started(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    service = BuyerService(uow_factory, LANGUAGES, "en")

    await asyncio.gather(
        *(service.register(42, "fr", "Zoé", started=False) for _ in range(4)),
        service.register(42, "fr", "Zoé", started=True),
    )

    async with uow_factory() as uow:
        buyer = await uow.buyers.get(42)
    assert buyer is not None and buyer.started and buyer.language == "fr"


async def test_simultaneous_language_choices_leave_one_of_them(uow_factory: SqlUnitOfWorkFactory) -> None:
    service = BuyerService(uow_factory, LANGUAGES, "en")

    await asyncio.gather(service.choose_language(7, "de"), service.choose_language(7, "it"))

    async with uow_factory() as uow:
        buyer = await uow.buyers.get(7)
    assert buyer is not None and buyer.language in {"de", "it"}
