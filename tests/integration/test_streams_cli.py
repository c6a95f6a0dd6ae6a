"""`livesell streams`: a merchant plans, lists, takes live and ends streams from the terminal; a bad time, an unknown
code or a start in the past is refused with one line (exit 2) and stores nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.streams import AnnouncementKind, AnnouncementStatus, StreamStatus
from bot.services.catalog import CatalogueService
from storage.uow import SqlUnitOfWorkFactory
from tests.integration.test_catalog_import_cli import HEADER, _livesell

CATALOGUE = f"{HEADER}\nA12,,Silk scarf,,19.90,EUR,3,*,\nB7,,Leather belt,,25.00,EUR,5,*,\n"


async def _stream_ids(uow: SqlUnitOfWorkFactory) -> list[int]:
    async with uow() as unit:
        return [stream.stream_id for stream in await unit.streams.listed(list(StreamStatus))]


async def test_a_stream_planned_taken_live_and_ended_from_the_terminal(
    database_url: str, uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    await CatalogueService(uow_factory).import_file(CATALOGUE)
    start = (datetime.now(UTC) + timedelta(days=3)).astimezone().replace(second=0, microsecond=0)
    status, out, err = await _livesell(
        database_url,
        tmp_path,
        "streams",
        "add",
        "--title",
        "Autumn scarves",
        "--start",
        start.isoformat(),
        "--duration",
        "60",
        "--products",
        "a12,B7",
        "--title-lang",
        "de=Herbstschals",
        "--timezone",
        "Europe/Berlin",
        "--link",
        "https://example.com/live",
    )
    assert status == 0, err
    found = re.search(r"stream (\d+) planned", out)
    assert found is not None, out
    stream_id = int(found.group(1))
    async with uow_factory() as unit:
        stream = await unit.streams.get(stream_id)
        reminders = await unit.streams.announcements(stream_id)
    assert stream is not None
    assert (stream.starts_at, stream.product_codes, stream.titles) == (start, ("A12", "B7"), {"de": "Herbstschals"})
    assert [a.offset_seconds for a in reminders] == [86400, 3600, 0]

    status, out, err = await _livesell(database_url, tmp_path, "streams", "list")
    assert status == 0, err
    assert f"{stream_id}  scheduled  " in out and "Autumn scarves" in out and "A12,B7" in out

    status, out, err = await _livesell(database_url, tmp_path, "streams", "live", str(stream_id))
    assert status == 0, err
    assert "announcement is due" in out
    async with uow_factory() as unit:
        announcements = await unit.streams.announcements(stream_id)
    assert {(a.kind, a.status) for a in announcements} == {
        (AnnouncementKind.REMINDER, AnnouncementStatus.CANCELLED),
        (AnnouncementKind.LIVE, AnnouncementStatus.PENDING),  # the running bot's scheduler sends it
    }
    (live,) = [a for a in announcements if a.kind is AnnouncementKind.LIVE]
    assert live.due_at <= datetime.now(UTC)

    status, out, err = await _livesell(database_url, tmp_path, "streams", "end", str(stream_id))
    assert status == 0, err
    assert f"stream {stream_id} ended" in out and "revenue" in out

    status, out, err = await _livesell(database_url, tmp_path, "streams", "cancel", str(stream_id))
    assert status == 2
    assert err.strip() == f"stream {stream_id} is ended, not scheduled"


@pytest.mark.parametrize(
    ("start", "products", "says"),
    [
        ("2026-13-01T19:00", "A12", "not a start time"),
        ("tomorrow", "A12", "not a start time"),
        ("2020-12-01T19:00+01:00", "A12", "in the past"),
        ("2099-12-01T19:00+01:00", "A12,ZZ9", "not in the catalogue: ZZ9"),
    ],
)
async def test_a_bad_plan_is_refused_with_one_line_and_stores_nothing(
    database_url: str, uow_factory: SqlUnitOfWorkFactory, tmp_path: Path, start: str, products: str, says: str
) -> None:
    await CatalogueService(uow_factory).import_file(CATALOGUE)
    status, _out, err = await _livesell(
        database_url,
        tmp_path,
        "streams",
        "add",
        "--title",
        "T",
        "--start",
        start,
        "--duration",
        "60",
        "--products",
        products,
    )
    assert status == 2
    assert len(err.strip().splitlines()) == 1 and says in err, err
    assert await _stream_ids(uow_factory) == []


async def test_an_unknown_stream_is_refused_with_one_line(database_url: str, tmp_path: Path) -> None:
    status, _out, err = await _livesell(database_url, tmp_path, "streams", "live", "77")
    assert (status, err.strip()) == (2, "no stream 77")
