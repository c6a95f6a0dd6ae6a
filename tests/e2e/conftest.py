"""End-to-end set-up: the sandbox Bot API in this process, the real bot as a subprocess polling it over HTTP.

Both start once per test session; each test talks to the bot as its own personas, so tests do not share state.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
import uuid
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from sandbox.client import ChatMessage, SandboxClient, SandboxPersona
from sandbox.server import SandboxServer, ShopLanguages, serve_in_thread
from tests.e2e.harness import LANGUAGES, BotProcess, bot_environment, compile_translations, livesell, web_url
from tests.e2e.pictures import png

HERE = Path(__file__).resolve().parent
START_TIMEOUT = 60.0


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    # The bot's languages, as `livesell demo` tells them to the sandbox: the chat page marks the others.
    with serve_in_thread(shop_languages=ShopLanguages(tuple(LANGUAGES.split()), "en")) as server:
        yield server


@pytest.fixture(scope="session")
def bot_process(sandbox_server: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    with running_bot(sandbox_server, shop_folder(tmp_path_factory.mktemp("bot"))) as bot:
        yield bot


def shop_folder(folder: Path) -> Path:
    """`folder` with the e2e shop's catalogue (tests/e2e/catalog.csv) and its picture, for `running_bot`."""
    shutil.copy(HERE / "catalog.csv", folder / "catalog.csv")
    (folder / "scarf.png").write_bytes(png(40, 30))
    return folder


@contextmanager
def running_bot(
    server: SandboxServer,
    folder: Path,
    database_url: str | None = None,
    settings: Mapping[str, str] | None = None,
    import_catalogue: bool = True,
    args: Sequence[str] = (),
) -> Iterator[BotProcess]:
    """The real bot polling `server` after importing `folder`/catalog.csv (unless `import_catalogue` is False: a
    restart on a database that has it); its database `database_url`, by default SQLite in `folder`; `settings` added
    to its environment, `args` to `livesell run`. Started again on the same server, it is awaited until it polls
    anew, or with WEBHOOK_URL in `settings` until it sets its webhook."""
    env = bot_environment(server.url, database_url or f"sqlite+aiosqlite:///{folder / 'shop.db'}")
    env.update(settings or {})
    compile_translations()
    if import_catalogue:
        imported = subprocess.run(
            livesell("catalog", "import", str(folder / "catalog.csv")),
            cwd=folder,
            env=env,
            capture_output=True,
            timeout=60,
        )
        assert imported.returncode == 0, imported.stderr.decode(errors="replace")

    log = folder / "bot.log"
    webhook = bool(env.get("WEBHOOK_URL"))
    ready = server.sandbox.webhook_set if webhook else server.sandbox.polled
    ready.clear()
    with log.open("ab") as output:
        process = subprocess.Popen(livesell("run", *args), cwd=folder, env=env, stdout=output, stderr=subprocess.STDOUT)
    bot = BotProcess(process, log, web_url(env))
    # Wake when the bot first polls (sets its webhook) or when it dies, whichever comes first.
    ended = threading.Thread(target=lambda: (process.wait(), ready.set()), daemon=True)
    ended.start()
    try:
        ready.wait(START_TIMEOUT)
        assert bot.alive(), f"the bot exited with {process.returncode}:\n{bot.log_tail()}"
        if webhook:
            assert server.sandbox.webhook_url, f"the bot did not set its webhook within {START_TIMEOUT}s"
        else:
            assert server.sandbox.polling.is_set(), f"the bot did not poll within {START_TIMEOUT}s"
        yield bot
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        ended.join(timeout=5)


@asynccontextmanager
async def watched_client(server: SandboxServer, bot: BotProcess) -> AsyncIterator[SandboxClient]:
    """A sandbox client for one test, which fails if the bot died meanwhile."""
    async with SandboxClient(server.url) as client:
        yield client
    assert bot.alive(), f"the bot died during the test:\n{bot.log_tail()}"


@pytest.fixture
async def sandbox(request: pytest.FixtureRequest) -> AsyncIterator[SandboxClient]:
    """A sandbox client for one test: on the module's own bot and sandbox when the module declares BOT_SETTINGS (see
    `module_bot`), else on the session's shared ones."""
    if hasattr(request.module, "BOT_SETTINGS"):
        server, bot = request.getfixturevalue("module_server"), request.getfixturevalue("module_bot")
    else:
        server, bot = request.getfixturevalue("sandbox_server"), request.getfixturevalue("bot_process")
    async with watched_client(server, bot) as client:
        yield client


@pytest.fixture(scope="module")
def module_server() -> Iterator[SandboxServer]:
    """A sandbox of the test module's own, for a bot with settings of its own."""
    with serve_in_thread() as server:
        yield server


@pytest.fixture(scope="module")
def module_bot(
    request: pytest.FixtureRequest, module_server: SandboxServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BotProcess]:
    """The bot of a module with settings of its own, on the module's own sandbox: the module declares BOT_SETTINGS
    (added to the bot's environment) and may declare BOT_CATALOGUE (the catalogue file's text; by default the e2e
    shop's, with its picture)."""
    folder = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])
    catalogue = getattr(request.module, "BOT_CATALOGUE", None)
    if catalogue is None:
        shop_folder(folder)
    else:
        (folder / "catalog.csv").write_text(catalogue)
    with running_bot(module_server, folder, settings=request.module.BOT_SETTINGS) as bot:
        yield bot


async def _postgres(admin_url: str, statement: str) -> None:
    dsn = make_url(admin_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A scratch PostgreSQL database, dropped after the test (the bots migrate it when they start)."""
    admin_url = os.environ.get("TEST_POSTGRES_URL")
    if not admin_url:
        pytest.skip("TEST_POSTGRES_URL is not set")
    name = f"livesell_e2e_{uuid.uuid4().hex[:10]}"
    asyncio.run(_postgres(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_postgres(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def say(persona: SandboxPersona, text: str) -> ChatMessage:
    """Send `text` as the persona; the bot's next message in their chat."""
    await persona.send(text)
    return await persona.wait_for_reply()


async def tap(persona: SandboxPersona, message: ChatMessage, button: str) -> ChatMessage:
    """Press the button labelled `button` under `message`; the bot's next message in the persona's chat."""
    await persona.press(message, button)
    return await persona.wait_for_reply()
