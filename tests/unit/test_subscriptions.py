"""Subscribing to live streams and choosing the time zone reminders use: BuyerService over fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.timezones import UnknownTimezone, ZoneSetting, ZoneSource
from bot.services.buyers import AUTOMATIC, BuyerService
from tests.unit.fakes import FakeShop

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)


@pytest.fixture
def shop() -> FakeShop:
    return FakeShop()


@pytest.fixture
def buyers(shop: FakeShop) -> BuyerService:
    return BuyerService(shop, ["en", "de"], "en", shop_timezone="Europe/Paris")


async def test_a_new_buyer_is_not_subscribed_until_they_ask(buyers: BuyerService) -> None:
    buyer = await buyers.register(1, "de-DE", "Hanna")
    assert not buyer.subscribed


async def test_subscribing_says_whether_it_changed_anything(buyers: BuyerService, shop: FakeShop) -> None:
    await buyers.register(1, "en", "Anna")
    assert await buyers.subscribe(1) is True
    assert await buyers.subscribe(1) is False
    assert shop.data.buyers[1].subscribed
    assert await buyers.unsubscribe(1) is True
    assert await buyers.unsubscribe(1) is False
    assert not shop.data.buyers[1].subscribed


async def test_an_unknown_person_cannot_be_subscribed(buyers: BuyerService, shop: FakeShop) -> None:
    assert await buyers.subscribe(404) is False
    assert 404 not in shop.data.buyers


async def test_a_subscriber_who_blocked_the_bot_is_reachable_again_once_they_write(
    buyers: BuyerService, shop: FakeShop
) -> None:
    await buyers.register(1, "en", "Anna")
    await buyers.subscribe(1)
    await buyers.mark_blocked(1)
    assert shop.data.buyers[1].blocked

    back = await buyers.register(1, "en", "Anna")  # writes in private again (or unblocks the bot)

    assert (back.blocked, back.started, back.subscribed) == (False, True, True)
    assert shop.data.buyers[1] == back


async def test_a_group_comment_does_not_make_a_blocked_buyer_reachable(buyers: BuyerService, shop: FakeShop) -> None:
    await buyers.register(1, "en", "Anna")
    await buyers.mark_blocked(1)
    await buyers.register(1, "en", "Anna", started=False)
    assert shop.data.buyers[1].blocked


async def test_the_zone_comes_from_the_choice_then_the_country_then_the_shop(buyers: BuyerService) -> None:
    await buyers.register(1, "en", "Anna")  # "en" names no country
    assert (await buyers.timezone_options(1)).current == ZoneSetting("Europe/Paris", ZoneSource.SHOP)

    await buyers.set_country(1, "BR")
    assert (await buyers.timezone_options(1)).current == ZoneSetting("America/Sao_Paulo", ZoneSource.COUNTRY)

    assert await buyers.choose_timezone(1, "Tokyo", NOW) == ZoneSetting("Asia/Tokyo", ZoneSource.CHOSEN)
    assert (await buyers.get(1)).timezone == "Asia/Tokyo"  # type: ignore[union-attr]

    assert await buyers.choose_timezone(1, AUTOMATIC, NOW) == ZoneSetting("America/Sao_Paulo", ZoneSource.COUNTRY)
    assert (await buyers.get(1)).timezone is None  # type: ignore[union-attr]


async def test_the_options_are_the_zones_of_the_buyers_country(buyers: BuyerService) -> None:
    await buyers.register(1, "pt-BR", "João")  # the app's language names Brazil until they give a country
    options = await buyers.timezone_options(1)
    assert options.country == "BR"
    assert options.zones[0] == "America/Sao_Paulo" and "America/Manaus" in options.zones


async def test_a_buyer_of_no_known_country_gets_no_zones_to_tap(buyers: BuyerService) -> None:
    await buyers.register(1, "en", "Anna")
    assert (await buyers.timezone_options(1)).zones == ()


async def test_an_offset_is_stored_as_a_zone_that_keeps_it(buyers: BuyerService) -> None:
    await buyers.register(1, "en", "Anna")
    setting = await buyers.choose_timezone(1, "UTC+3", NOW)
    assert NOW.astimezone(ZoneInfo(setting.zone)).utcoffset() == timedelta(hours=3)


async def test_a_zone_that_does_not_exist_is_refused_and_nothing_changes(buyers: BuyerService, shop: FakeShop) -> None:
    await buyers.register(1, "en", "Anna")
    await buyers.choose_timezone(1, "Berlin", NOW)
    with pytest.raises(UnknownTimezone):
        await buyers.choose_timezone(1, "Atlantis", NOW)
    with pytest.raises(UnknownTimezone):
        await buyers.set_timezone(1, "Mars/Olympus")
    assert shop.data.buyers[1].timezone == "Europe/Berlin"
