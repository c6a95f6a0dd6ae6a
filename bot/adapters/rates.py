"""Exchange-rate sources: the bundled (or configured) rates file, or an HTTP endpoint serving the same JSON."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx

from bot.domain.fx import InvalidRates, Rates, parse_rates

BUNDLED_RATES = Path(__file__).resolve().parent.parent / "data" / "rates.json"


def load_rates_file(path: Path) -> Rates:
    """Read and check a rates file; InvalidRates names the file and the problem in one line."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidRates(f"{path}: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidRates(f"{path}: expected a JSON object")
    try:
        return parse_rates(document)
    except InvalidRates as exc:
        raise InvalidRates(f"{path}: {exc}") from None


class FileRatesSource:
    """Rates from a JSON file, read again when the file changes."""

    def __init__(self, path: Path = BUNDLED_RATES) -> None:
        self.path = path
        self._rates = load_rates_file(path)
        self._mtime = path.stat().st_mtime

    @property
    def current(self) -> Rates:
        return self._rates

    async def latest(self) -> Rates:
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            return self._rates
        if mtime != self._mtime:
            try:
                self._rates = load_rates_file(self.path)
                self._mtime = mtime
            except InvalidRates:
                pass  # keep serving the last good rates; a half-written file must not stop the shop
        return self._rates


class HttpRatesSource:
    """Rates from a URL, fetched at most every `refresh_seconds`; on failure the last good rates (or the fallback)."""

    def __init__(
        self,
        url: str,
        fallback: Rates,
        refresh_seconds: float = 3600,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.url = url
        self.refresh_seconds = refresh_seconds
        self.client = client or httpx.AsyncClient(timeout=10)
        self._rates = fallback
        self._fetched_at: float | None = None

    async def latest(self) -> Rates:
        now = time.monotonic()
        if self._fetched_at is None or now - self._fetched_at >= self.refresh_seconds:
            self._fetched_at = now
            try:
                response = await self.client.get(self.url)
                response.raise_for_status()
                document = response.json()
                if isinstance(document, dict):
                    self._rates = parse_rates(document)
            except (httpx.HTTPError, ValueError):
                pass  # stale rates beat no prices; the next refresh tries again
        return self._rates

    async def close(self) -> None:
        await self.client.aclose()


def make_rates_source(rates_file: Path | None, rates_url: str | None) -> FileRatesSource | HttpRatesSource:
    file_source = FileRatesSource(rates_file or BUNDLED_RATES)
    if rates_url:
        return HttpRatesSource(rates_url, fallback=file_source.current)
    return file_source
