"""Roles on SQLite and PostgreSQL: a grant joins MERCHANT_IDS / OPS_IDS in `roles_for`, a revoke takes it back, two
grants at once store one, usernames find people (and move with the name); and `livesell roles grant|revoke|list`."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from bot import cli
from bot.domain.broadcasts import BroadcastKind, BroadcastReport
from bot.domain.buyer import Role
from bot.domain.roles import PersonRef, RoleOutcome
from bot.services.broadcasts import report_to_merchants
from bot.services.buyers import BuyerService
from bot.services.roles import RoleService
from storage.engine import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.test_catalog_import_cli import _livesell

MERCHANT = 900
OPS = 901
ANNA = 5_000_000_001  # beyond 32 bits, as Telegram ids are


def services(uow: SqlUnitOfWorkFactory) -> tuple[BuyerService, RoleService]:
    buyers = BuyerService(uow, ["en", "de"], "en", merchant_ids=[MERCHANT], ops_ids=[OPS])
    return buyers, RoleService(uow, buyers)


async def test_a_grant_joins_the_settings_roles_and_a_revoke_takes_it_back(uow_factory: SqlUnitOfWorkFactory) -> None:
    buyers, roles = services(uow_factory)
    await buyers.register(ANNA, "de", "Anna", username="Anna_K")
    assert await buyers.roles_for(ANNA) == {Role.BUYER}

    granted = await roles.grant(PersonRef(username="anna_k"), Role.OPS, granted_by=MERCHANT)
    assert granted.outcome is RoleOutcome.GRANTED and granted.roles == {Role.BUYER, Role.OPS}
    assert await buyers.roles_for(ANNA) == {Role.BUYER, Role.OPS}
    assert await buyers.roles_for(MERCHANT) == {Role.BUYER, Role.MERCHANT}  # settings, no row needed
    # Read with the buyer on every update's way in (one statement, the grants aggregated).
    await roles.grant(PersonRef(telegram_id=ANNA), Role.MERCHANT)
    assert (await buyers.register_with_roles(ANNA, "de", "Anna"))[1] == {Role.BUYER, Role.OPS, Role.MERCHANT}
    await roles.revoke(PersonRef(telegram_id=ANNA), Role.MERCHANT)
    [holder] = [h for h in await roles.staff() if not h.from_settings]
    assert (holder.telegram_id, holder.role, holder.granted_by, holder.username) == (ANNA, Role.OPS, MERCHANT, "anna_k")
    assert holder.granted_at is not None and holder.granted_at.tzinfo is not None

    revoked = await roles.revoke(PersonRef(telegram_id=ANNA), Role.OPS)
    assert revoked.outcome is RoleOutcome.REVOKED and await buyers.roles_for(ANNA) == {Role.BUYER}
    assert (await roles.revoke(PersonRef(telegram_id=ANNA), Role.OPS)).outcome is RoleOutcome.NOT_HELD


async def test_two_grants_at_once_store_one_and_the_other_hears_it_was_held(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    buyers, roles = services(uow_factory)
    await buyers.register(ANNA, "de", "Anna")
    changes = await asyncio.gather(*(roles.grant(PersonRef(telegram_id=ANNA), Role.MERCHANT) for _ in range(4)))
    assert sorted(change.outcome for change in changes) == [RoleOutcome.ALREADY_HELD] * 3 + [RoleOutcome.GRANTED]
    async with uow_factory() as uow:
        assert [grant.telegram_id for grant in await uow.roles.grants()] == [ANNA]


async def test_settings_roles_cannot_be_revoked_and_strangers_cannot_be_granted(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    buyers, roles = services(uow_factory)
    await buyers.register(OPS, "en", "Olga")
    await buyers.register(7, "en", "Ben", started=False, username="ben")  # seen in a group only
    assert (await roles.revoke(PersonRef(telegram_id=OPS), Role.OPS)).outcome is RoleOutcome.FROM_SETTINGS
    assert (await roles.grant(PersonRef(telegram_id=OPS), Role.OPS)).outcome is RoleOutcome.ALREADY_HELD
    await buyers.register(OPS, "en", "Olga", username="olga")
    assert (await roles.grant(PersonRef(username="olga"), Role.OPS)).outcome is RoleOutcome.ALREADY_HELD
    for stranger in (PersonRef(username="ben"), PersonRef(username="nobody"), PersonRef(telegram_id=404)):
        assert (await roles.grant(stranger, Role.OPS)).outcome is RoleOutcome.UNKNOWN_PERSON
    async with uow_factory() as uow:
        assert await uow.roles.grants() == []  # nothing stored for a settings role or a stranger
    assert await buyers.roles_for(OPS) == {Role.BUYER, Role.OPS}


async def test_a_username_moves_to_whoever_telegram_gives_it_to(uow_factory: SqlUnitOfWorkFactory) -> None:
    buyers, _ = services(uow_factory)
    await buyers.register(ANNA, "de", "Anna", username="@Shop_Helper")
    await buyers.register(ANNA, "de", "Anna", username="anna_new")
    await buyers.register(8, "en", "Carl", username="SHOP_HELPER")
    await buyers.register(ANNA, "de", "Anna")  # a caller that was not told the name keeps it
    async with uow_factory() as uow:
        carl = await uow.buyers.by_username("shop_helper")
        anna = await uow.buyers.get(ANNA)
    assert carl is not None and carl.telegram_id == 8
    assert anna is not None and anna.username == "anna_new"
    await buyers.register(9, "en", "Dora", username="anna_new")  # a newcomer takes a released name
    async with uow_factory() as uow:
        assert (await uow.buyers.get(ANNA)).username is None  # type: ignore[union-attr]
        assert (await uow.buyers.by_username("anna_new")).telegram_id == 9  # type: ignore[union-attr]


def seeded(database_url: str, *, granted: bool = False) -> None:
    """Anna has started the bot (and is ops, when `granted`)."""

    async def seed() -> None:
        engine = make_engine(database_url)
        buyers, roles = services(SqlUnitOfWorkFactory(make_sessionmaker(engine)))
        await buyers.register(ANNA, "de", "Anna", username="anna_k")
        if granted:
            await roles.grant(PersonRef(telegram_id=ANNA), Role.OPS, granted_by=MERCHANT)
        await engine.dispose()

    asyncio.run(seed())


@pytest.fixture
def roles_cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """`livesell` in this process, on the test's database, with MERCHANT_IDS set."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("MERCHANT_IDS", str(MERCHANT))
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_the_cli_grants_lists_and_revokes(database_url: str, roles_cli: CliRunner) -> None:
    seeded(database_url)
    granted = roles_cli.invoke(cli.app, ["roles", "grant", "@Anna_K", "ops"])
    assert granted.exit_code == 0 and "is now ops" in granted.output and str(ANNA) in granted.output

    listed = roles_cli.invoke(cli.app, ["roles", "list"])  # not a terminal: tab-separated, one header line
    rows = [line.split("\t") for line in listed.output.splitlines()]
    assert rows[0][:3] == ["id", "role", "from"]
    assert [row[:4] for row in rows[1:]] == [
        [str(MERCHANT), "merchant", "settings", ""],
        [str(ANNA), "ops", "grant by CLI", "@anna_k"],
    ]

    settings_role = roles_cli.invoke(cli.app, ["roles", "revoke", str(MERCHANT), "merchant"])
    assert isinstance(settings_role.exception, cli.Fatal) and "MERCHANT_IDS" in str(settings_role.exception)
    revoked = roles_cli.invoke(cli.app, ["roles", "revoke", str(ANNA), "ops"])
    assert revoked.exit_code == 0 and "no longer ops" in revoked.output
    assert "ops" not in roles_cli.invoke(cli.app, ["roles", "list"]).output.split("\n", 1)[1]


async def test_the_cli_refuses_a_stranger_with_one_line_and_exit_2(database_url: str, tmp_path: Path) -> None:
    status, out, err = await _livesell(database_url, tmp_path, "roles", "grant", "@nobody", "ops")
    assert (status, out) == (2, "") and "/start" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(("args", "needle"), [(("@anna_k", "boss"), "not a role"), (("anna k", "ops"), "neither")])
def test_the_cli_refuses_what_it_cannot_read_before_opening_the_database(
    args: tuple[str, str], needle: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(cli.Fatal, match=needle):
        cli.roles_grant(*args)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_roles_list_on_a_terminal_is_a_table(
    database_url: str, roles_cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(database_url, granted=True)
    screen = io.StringIO()
    monkeypatch.setattr(cli, "console", Console(file=screen, force_terminal=True, width=120, color_system=None))
    result = roles_cli.invoke(cli.app, ["roles", "list"])
    assert result.exit_code == 0, result.output
    table = screen.getvalue()
    assert "┃" in table or "│" in table
    assert "@anna_k" in table and f"grant by {MERCHANT}" in table and "Anna" in table


def report(broadcast_id: int) -> BroadcastReport:
    at = datetime(2026, 12, 8, 20, 0, tzinfo=UTC)
    return BroadcastReport(broadcast_id, BroadcastKind.MESSAGE, 0, 3, 0, 0, at, at + timedelta(seconds=2))


class Told:
    def __init__(self) -> None:
        self.notices: list[object] = []

    async def send(self, notice: object) -> bool:
        self.notices.append(notice)
        return True


async def test_a_merchant_granted_in_chat_hears_what_merchants_hear(uow_factory: SqlUnitOfWorkFactory) -> None:
    buyers, roles = services(uow_factory)
    await buyers.register(ANNA, "de", "Anna")
    assert await roles.merchants() == [MERCHANT]
    await roles.grant(PersonRef(telegram_id=ANNA), Role.MERCHANT)
    await roles.grant(PersonRef(telegram_id=ANNA), Role.OPS)
    assert await roles.merchants() == [MERCHANT, ANNA]  # the settings' first; ops alone hear nothing

    told = Told()
    tell = report_to_merchants(told, roles.merchants, "en")  # asked afresh at each report
    await tell(report(1))
    assert [notice.recipient_id for notice in told.notices] == [MERCHANT, ANNA]  # type: ignore[attr-defined]
    await roles.revoke(PersonRef(telegram_id=ANNA), Role.MERCHANT)
    await tell(report(2))
    assert [notice.recipient_id for notice in told.notices[2:]] == [MERCHANT]  # type: ignore[attr-defined]
