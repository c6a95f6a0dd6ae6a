"""A Telegram Bot API look-alike on loopback: the bot polls it over HTTP, personas talk to it through /sandbox/api.

Requests and responses have Telegram's shapes (JSON, form or multipart in; `{"ok": ..., "result": ...}` out), and
errors use Telegram's codes and wording, so the real bot runs against it unchanged. This module assembles the server;
the parts live beside it:

- `sandbox.params`: request parsing (query, JSON, form, multipart) and Telegram's answer envelope;
- `sandbox.rate_limits`: Telegram's flood control (429 with retry_after);
- `sandbox.world`: personas, chats, messages, the updates queue and the event log;
- `sandbox.bot_api`: the Bot API methods under /bot<token>/;
- `sandbox.control_api`: the control API under /sandbox/api and the chat page.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

from aiohttp import web

from sandbox.bot_api import BotApi
from sandbox.control_api import ControlApi
from sandbox.languages import ShopLanguages
from sandbox.rate_limits import RateLimits
from sandbox.world import DEFAULT_TOKEN, Sandbox

__all__ = ["DEFAULT_TOKEN", "RateLimits", "Sandbox", "SandboxServer", "ShopLanguages", "serve_in_thread"]

MAX_UPLOAD = 50 * 1024 * 1024


class SandboxServer:
    """The sandbox over HTTP: the Bot API under /bot<token>/, the control API under /sandbox/api/, the chat page."""

    def __init__(
        self,
        sandbox: Sandbox | None = None,
        default_group: str = "Live stream comments",
        shop_languages: ShopLanguages | None = None,
    ) -> None:
        """`shop_languages`, when known, lets the chat page say which persona languages the bot speaks."""
        self.sandbox = sandbox or Sandbox()
        self._default_group = default_group
        self._bot_api = BotApi(self.sandbox)
        self._control_api = ControlApi(self.sandbox, shop_languages)
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD)
        self._bot_api.register(app)
        self._control_api.register(app)
        app.on_shutdown.append(self._on_shutdown)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> SandboxServer:
        """Listen on host:port (0 picks a free port; `url` tells which)."""
        if self._default_group and not any(c.type == "supergroup" for c in self.sandbox.chats.values()):
            self.sandbox.add_group(self._default_group)
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        sockets = self._runner.addresses
        self.port = int(sockets[0][1]) if sockets else port
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _on_shutdown(self, app: web.Application) -> None:
        # Wake long polls and event streams so the server stops at once.
        self.sandbox.close()
        await self.sandbox.webhook_stopped()


@contextlib.contextmanager
def serve_in_thread(
    sandbox: Sandbox | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    shop_languages: ShopLanguages | None = None,
) -> Iterator[SandboxServer]:
    """Run a SandboxServer on its own event loop in a thread, for tests and benchmarks that run the bot elsewhere."""
    server = SandboxServer(sandbox, shop_languages=shop_languages)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            # The Sandbox's asyncio primitives bind to this loop on first use.
            loop.run_until_complete(server.start(host, port))
        except BaseException as exc:
            failure.append(exc)
            started.set()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(server.stop())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    thread = threading.Thread(target=run, name="sandbox-server", daemon=True)
    thread.start()
    started.wait()
    if failure:
        thread.join()
        raise failure[0]
    try:
        yield server
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
