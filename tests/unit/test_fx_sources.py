from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from bot.adapters.rates import FileRatesSource, HttpRatesSource, load_rates_file, make_rates_source
from bot.domain.fx import InvalidRates, Rates

FALLBACK = Rates(base="EUR", rates={"USD": Decimal("1.00")})


def write(path: Path, usd: str, mtime: int) -> None:
    path.write_text(json.dumps({"base": "EUR", "as_of": "2026-11-20", "rates": {"USD": usd}}), encoding="utf-8")
    os.utime(path, (mtime, mtime))


async def test_the_rates_file_is_read_again_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "rates.json"
    write(path, "1.08", 1_000)
    source = FileRatesSource(path)
    assert (await source.latest()).rates["USD"] == Decimal("1.08")
    write(path, "1.10", 2_000)
    assert (await source.latest()).rates["USD"] == Decimal("1.10")
    path.write_text("{half a file", encoding="utf-8")
    os.utime(path, (3_000, 3_000))
    assert (await source.latest()).rates["USD"] == Decimal("1.10")


def test_a_broken_rates_file_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "rates.json"
    path.write_text('{"base": "EUR"}', encoding="utf-8")
    with pytest.raises(InvalidRates, match=r"rates\.json: missing 'rates'"):
        load_rates_file(path)


async def test_http_rates_are_fetched_then_cached() -> None:
    calls = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request.url)
        return httpx.Response(200, json={"base": "EUR", "rates": {"USD": "1.09", "JPY": "160"}})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        source = HttpRatesSource("https://rates.example/latest", FALLBACK, client=client)
        assert (await source.latest()).rates["JPY"] == Decimal("160")
        assert (await source.latest()).rates["USD"] == Decimal("1.09")
    assert len(calls) == 1


async def test_http_failures_keep_the_last_good_rates() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503)

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        source = HttpRatesSource("https://rates.example/latest", FALLBACK, refresh_seconds=0, client=client)
        assert await source.latest() == FALLBACK


async def test_the_url_wins_over_the_file_when_set() -> None:
    assert isinstance(make_rates_source(None, None), FileRatesSource)
    source = make_rates_source(None, "https://rates.example/latest")
    assert isinstance(source, HttpRatesSource)
    await source.close()
