"""The languages a /newstream preview is shown in, from the in-memory shop the unit tests run on: reachable
subscribers' languages, most spoken first (tests/integration/test_stream_audience_languages.py on real databases)."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.buyer import Buyer
from bot.services.pricing import Pricing
from bot.services.streams import StreamService
from tests.unit.chat import StaticRates
from tests.unit.fakes import FakeShop


async def test_audience_languages_count_subscribed_buyers_most_spoken_first() -> None:
    core = FakeShop()
    for telegram_id, language, subscribed in [(1, "fr", True), (2, "fr", True), (3, "de", True), (4, "it", False)]:
        core.data.buyers[telegram_id] = Buyer(telegram_id, language, subscribed=subscribed)
    service = StreamService(
        core,
        Pricing(StaticRates(), "EUR"),
        notifier=None,  # type: ignore[arg-type]
        opener=None,
        offsets=(),
        grace=timedelta(minutes=30),
        shop_timezone="UTC",
        merchant_ids=[],
        staff_language="en",
    )
    assert list(await service.audience_languages()) == ["fr", "de"]
