"""The languages a stream's preview is shown in: those of the subscribers an announcement would reach, most spoken
first, over SQLite and PostgreSQL."""

from __future__ import annotations

from bot.domain.buyer import Buyer
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.test_streams import make_streams


async def test_audience_languages_count_reachable_subscribers_only(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        for telegram_id, language, subscribed, blocked, started in [
            (1, "de", True, False, True),
            (2, "de", True, False, True),
            (3, "fr", True, False, True),
            (4, "en", True, False, True),
            (5, "en", True, False, True),
            (6, "en", True, False, True),
            (7, "it", False, False, True),  # not subscribed
            (8, "it", True, True, True),  # blocked the bot
            (9, "it", True, False, False),  # never started it
            (10, "it", False, False, True),
        ]:
            await uow.buyers.add(Buyer(telegram_id, language, subscribed=subscribed, blocked=blocked, started=started))
        await uow.commit()

    assert list(await make_streams(uow_factory).audience_languages()) == ["en", "de", "fr"]
