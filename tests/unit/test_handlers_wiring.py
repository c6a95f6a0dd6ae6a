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
    LEASE_PERIODS,
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
    jobs = {job.id: job for job in application.make_scheduler().get_jobs()}
    shop_jobs = {
        sweep_holds: (application.holds, HOLD_SWEEP_SECONDS),
        sweep_payments: (application.payments.service, PAYMENT_SWEEP_SECONDS),
        run_broadcasts: (application.broadcasts, BROADCAST_SWEEP_SECONDS),
        announce_streams: (application.streams, ANNOUNCE_SECONDS),
        report_streams: (application.stream_reports, STREAM_REPORT_SECONDS),
        send_daily_report: (application.daily_report, DAILY_REPORT_SECONDS),
    }
    for job, (service, seconds) in shop_jobs.items():
        scheduled = jobs.pop(job.__name__)
        # Run under the job's lease: one process at a time, the lease lasting a few periods.
        assert scheduled.func == application.leases.run
        name, lease, run = scheduled.args
        assert name == job.__name__ and lease.total_seconds() == seconds * LEASE_PERIODS
        assert run.func is job and run.args == (service,)
        assert scheduled.trigger.interval.total_seconds() == seconds
        assert scheduled.max_instances == 1 and scheduled.coalesce
    # Menus are each process's own: no lease.
    menus = jobs.pop("follow_roles")
    assert menus.func is follow_roles and menus.args == (application,)
    assert menus.trigger.interval.total_seconds() == MENU_SECONDS
    assert jobs == {}


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
