"""Faults for the e2e tests: a TCP proxy a test cuts and restores (the database or Redis out of reach and back, without
touching the shared servers), a Redis of the test's own, and a Bot API send held until the bot is killed."""

from __future__ import annotations

import asyncio
import subprocess
import threading
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

from sandbox.server import SandboxServer
from tests.e2e.harness import free_port

T = TypeVar("T")


class TcpProxy:
    """Forwards 127.0.0.1:`port` to a server, on an event loop of its own in a thread (the test's loop blocks while a
    bot starts). `cut()` drops every connection and refuses new ones, as a server gone from the network does;
    `restore()` listens again on the same port."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="tcp-proxy", daemon=True)
        self.server: asyncio.Server | None = None
        self.connections: set[asyncio.StreamWriter] = set()

    def __enter__(self) -> TcpProxy:
        self.thread.start()
        self.restore()
        return self

    def __exit__(self, *exc: object) -> None:
        self._run(self._close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()

    def cut(self) -> None:
        self._run(self._cut())

    def restore(self) -> None:
        self._run(self._listen())

    def _run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=10)

    async def _listen(self) -> None:
        if self.server is None:
            self.server = await asyncio.start_server(self._forward, "127.0.0.1", self.port)

    async def _cut(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        for writer in list(self.connections):
            writer.transport.abort()
        self.connections.clear()

    async def _close(self) -> None:
        await self._cut()
        forwarding = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in forwarding:
            task.cancel()
        await asyncio.gather(*forwarding, return_exceptions=True)

    async def _forward(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self.connections |= {client_writer, server_writer}

        async def copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with suppress(OSError):
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            writer.transport.abort()
            self.connections.discard(writer)

        await asyncio.gather(copy(client_reader, server_writer), copy(server_reader, client_writer))


@contextmanager
def redis_server(folder: Path) -> Iterator[int]:
    """A Redis of the test's own on a free port (nothing shared is flushed or stopped); its port."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:  # it says when it is ready
            if "Ready to accept connections" in line:
                break
        else:
            raise AssertionError(f"redis-server exited with {process.wait()}")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


Handler = Callable[[Any], Awaitable[Any]]


@contextmanager
def sends_held(server: SandboxServer, chat_id: int) -> Iterator[threading.Event]:
    """Bot API sendMessage calls to `chat_id` never complete (nothing reaches the chat) while the block runs: the bot
    is stuck in the middle of that send, where the test kills it. The event is set when one arrives; after the block
    the held calls fail, as Telegram's would to a client that is gone."""
    api = server._bot_api  # the sandbox's method table, wrapped for this test only
    real: Handler = api._methods["sendmessage"]
    arrived = threading.Event()
    released = asyncio.Event()  # used on the sandbox's loop only
    loops: list[asyncio.AbstractEventLoop] = []

    async def hold(params: Any) -> Any:
        if params.get_int("chat_id") != chat_id:
            return await real(params)
        loops.append(asyncio.get_running_loop())
        arrived.set()
        await released.wait()
        raise ConnectionResetError("the bot is gone")

    api._methods["sendmessage"] = hold
    try:
        yield arrived
    finally:
        api._methods["sendmessage"] = real
        if loops:
            loops[0].call_soon_threadsafe(released.set)
