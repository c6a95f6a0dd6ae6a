"""The merchant's preview of a plan not saved yet: the first announcement it would send, in the languages of the
subscribers an announcement would reach (most spoken first), over SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot.domain.buyer import Buyer
from bot.domain.streams import AnnouncementKind, UnknownProducts
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.orders_support import START, open_shop
from tests.integration.test_streams import make_streams, plan


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


async def test_a_preview_is_the_first_reminder_of_a_plan_not_saved(uow_factory: SqlUnitOfWorkFactory) -> None:
    await open_shop(uow_factory)
    streams = make_streams(uow_factory)
    view = await streams.preview(plan(codes=("b7", "A12"), titles={"de": "Herbstschals"}), START)
    assert view.stream.stream_id == 0 and view.stream.title_in("de") == "Herbstschals"
    assert view.announcement.kind is AnnouncementKind.REMINDER and view.announcement.offset_seconds == 24 * 3600
    assert [product.code for product in view.products] == ["B7", "A12"]
    assert all(product.price is not None for product in view.products)
    assert await streams.upcoming(START) == []  # nothing saved
    with pytest.raises(UnknownProducts):
        await streams.preview(plan(codes=("Z9",)), START)
