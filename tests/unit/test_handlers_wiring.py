"""The wiring in bot/app.py: services injected by name, routers in an order where commands win, the hold sweeps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram.methods import SendMessage

from bot.app import (
    ANNOUNCE_SECONDS,
    BROADCAST_SWEEP_SECONDS,
    DAILY_REPORT_SECONDS,
    HOLD_SWEEP_SECONDS,
    MENU_SECONDS,
    PAYMENT_SWEEP_SECONDS,
    STREAM_REPORT_SECONDS,
    Application,
    announce_streams,
    build,
    follow_roles,
    open_core,
    report_streams,
    run_broadcasts,
    send_daily_report,
    sweep_holds,
    sweep_payments,
)
from bot.config import load_settings
from bot.services import HandlerServices
from tests.unit.chat import make_chat


@pytest.fixture
async def application(tmp_path: Path) -> AsyncIterator[Application]:
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}", supported_languages=["en"], default_language="en"
    )
    application = build(settings)
    yield application
    await application.close()


async def test_handlers_receive_the_order_services_by_name(application: Application) -> None:
    for name in HandlerServices.names():
        assert application.dispatcher[name] is not None
    assert application.dispatcher["keywords"].prefixes == ("#", "sold", "buy")
    assert application.dispatcher["keyword_group_ids"] == frozenset()
    assert application.dispatcher["max_quantity"] == 10
    assert application.dispatcher["streams"] is application.streams
    assert application.dispatcher["shop_timezone"] == "UTC"


async def test_handlers_share_the_core_every_entry_point_builds(application: Application) -> None:
    core = application.core
    assert application.dispatcher["catalogue"] is core.catalogue
    assert application.dispatcher["buyers"] is core.buyers
    assert application.dispatcher["pricing"] is core.pricing


async def test_the_core_opens_on_a_migrated_database_and_takes_a_catalogue(tmp_path: Path) -> None:
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'new.db'}", supported_languages=["en"], default_language="en"
    )
    async with open_core(settings) as core:
        await core.catalogue.import_file(
            "code,variant,title,description,price,currency,stock,ships_to,image_url\nMUG,,Mug,,9.00,EUR,3,*,\n"
        )
        page = await core.catalogue.page(0, "en")
    assert [item.code for item in page.items] == ["MUG"]


async def test_commands_come_before_checkout_answers_and_keyword_orders_and_the_fallback_is_last(
    application: Application,
) -> None:
    names = [router.name for router in application.dispatcher.sub_routers]
    assert names.index("checkout") < names.index("keyword") < names.index("fallback") == len(names) - 1
    for commands in ("start", "language", "catalog", "cart", "orders"):
        assert names.index(commands) < names.index("checkout")


async def test_two_dispatchers_in_one_process_each_answer_start() -> None:
    first, second = make_chat(), make_chat()  # both built before either answers: neither takes the other's routers
    anna, ben = first.chats.user(1, "Anna"), second.chats.user(2, "Ben")

    [to_anna] = await first.say(anna, "/start")
    [to_ben] = await second.say(ben, "/start")

    assert "Hello, Anna!" in to_anna.text and "Hello, Ben!" in to_ben.text
    assert [r.chat_id for r in first.session.requests if isinstance(r, SendMessage)] == [to_anna.chat_id]
    assert [r.chat_id for r in second.session.requests if isinstance(r, SendMessage)] == [to_ben.chat_id]
    assert not {id(router) for router in first.dispatcher.sub_routers} & {
        id(router) for router in second.dispatcher.sub_routers
    }


async def test_the_scheduler_sweeps_holds_payments_announcements_broadcasts_and_stream_reports_every_few_seconds(
    application: Application,
) -> None:
    scheduler = application.make_scheduler()
    holds, payments, broadcasts, announcements, *later = scheduler.get_jobs()
    [menus] = [job for job in later if job.func is follow_roles]
    [reports] = [job for job in later if job.func is report_streams]
    [daily_report] = [job for job in later if job.func is send_daily_report]
    assert menus.args == (application,) and menus.trigger.interval.total_seconds() == MENU_SECONDS
    assert broadcasts.func is run_broadcasts and broadcasts.args == (application.broadcasts,)
    assert broadcasts.trigger.interval.total_seconds() == BROADCAST_SWEEP_SECONDS
    assert broadcasts.max_instances == 1
    assert holds.func is sweep_holds and holds.args == (application.holds,)
    assert holds.trigger.interval.total_seconds() == HOLD_SWEEP_SECONDS
    assert payments.func is sweep_payments and payments.args == (application.payments.service,)
    assert payments.trigger.interval.total_seconds() == PAYMENT_SWEEP_SECONDS
    assert announcements.func is announce_streams and announcements.args == (application.streams,)
    assert announcements.trigger.interval.total_seconds() == ANNOUNCE_SECONDS
    assert reports.func is report_streams and reports.args == (application.stream_reports,)
    assert reports.trigger.interval.total_seconds() == STREAM_REPORT_SECONDS
    assert holds.max_instances == payments.max_instances == announcements.max_instances == reports.max_instances == 1
    assert announcements.coalesce and reports.coalesce
    assert daily_report.func is send_daily_report and daily_report.args == (application.daily_report,)
    assert daily_report.trigger.interval.total_seconds() == DAILY_REPORT_SECONDS and daily_report.max_instances == 1


class RecordingHolds:
    def __init__(self) -> None:
        self.calls: list[tuple[str, datetime]] = []

    async def remind_due(self, now: datetime) -> int:
        self.calls.append(("remind", now))
        return 0

    async def expire_due(self, now: datetime) -> int:
        self.calls.append(("expire", now))
        return 0


async def test_a_sweep_reminds_then_expires_at_one_aware_utc_instant() -> None:
    holds = RecordingHolds()
    await sweep_holds(holds)  # type: ignore[arg-type]
    (first, at), (second, again) = holds.calls
    assert (first, second) == ("remind", "expire")
    assert at is again and at.tzinfo is UTC


class FailingReminders(RecordingHolds):
    async def remind_due(self, now: datetime) -> int:
        raise ConnectionError("the database went away")


async def test_a_failed_reminder_round_still_releases_ended_holds() -> None:
    holds = FailingReminders()
    with pytest.raises(ConnectionError):
        await sweep_holds(holds)  # type: ignore[arg-type]
    assert [name for name, _ in holds.calls] == ["expire"]
