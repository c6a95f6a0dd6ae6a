"""`livesell demo`: the sandbox Bot API on loopback, the real bot polling it, and a chat in the terminal or browser."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import time
from pathlib import Path

from pydantic import SecretStr

from bot.app import TranslationsMissing, build
from bot.config import Settings
from bot.services.catalog import CatalogueService
from sandbox.server import DEFAULT_TOKEN, RateLimits, Sandbox, SandboxServer, ShopLanguages
from sandbox.terminal import TerminalChat
from sandbox.world import Chat, Persona
from storage.migrate import upgrade

log = logging.getLogger(__name__)
DEMO_CATALOGUE = Path(__file__).resolve().parent.parent / "examples" / "catalog.csv"


async def import_demo_catalogue(catalogue: CatalogueService, language: str, path: Path = DEMO_CATALOGUE) -> None:
    """Fill an empty catalogue from the example file, so a first demo has something to browse."""
    if (await catalogue.page(0, language)).total:
        return
    if not path.is_file():
        log.warning("no demo catalogue at %s: the catalogue stays empty", path)
        return
    report = await catalogue.import_file(path.read_text(encoding="utf-8"), image_base=str(path.parent))
    log.info("imported the demo catalogue: %s products", report.products)


# The demo's merchant and the group its streams post in, made before the bot starts so MERCHANT_IDS can name her.
DEMO_MERCHANT = "Mia (merchant)"
DEMO_GROUP = "Live stream comments"
DEMO_GROUP_USERNAME = "livesell_live"


def add_demo_merchant(sandbox: Sandbox, language: str) -> tuple[Persona, Chat]:
    """A merchant persona (her id goes into MERCHANT_IDS for this run) and a public group she can name to
    /newstream as @livesell_live: from the chat page she plans a stream, goes live, and sees it pinned there."""
    group = sandbox.add_group(DEMO_GROUP, DEMO_GROUP_USERNAME)
    merchant = sandbox.add_persona(DEMO_MERCHANT, language_code=language)
    return merchant, group


def first_persona_id(now: float) -> int:
    """Where this run's persona ids start. The demo's database outlives the sandbox, which forgets its personas when
    it stops: ids that started at the same number every run would make a new persona the buyer an old one was, with
    their language, cart and orders. Starting at the clock (a thousand ids a second) keeps each run's ids new, and
    well inside the 52 bits Telegram's ids use."""
    return int(now) * 1000


async def run_demo(settings: Settings, port: int, terminal_chat: bool, telegram_limits: bool = False) -> None:
    """Serve until SIGINT or SIGTERM, with or without a terminal; the terminal chat is an extra, not the lifetime."""
    await upgrade(settings.database_url)
    try:
        # With Telegram's limits the sandbox answers 429 with retry_after as Telegram would, to rehearse a busy stream.
        limits = RateLimits.telegram() if telegram_limits else None
        # The chat page tells which persona languages the shop speaks and which fall back to its default.
        shop_languages = ShopLanguages(tuple(settings.supported_languages), settings.default_language)
        sandbox = Sandbox(token=DEFAULT_TOKEN, rate_limits=limits, first_persona_id=first_persona_id(time.time()))
        merchant, group = add_demo_merchant(sandbox, settings.default_language)
        server = await SandboxServer(sandbox, shop_languages=shop_languages).start("127.0.0.1", port)
    except OSError as exc:
        raise SystemExit(f"livesell demo: cannot listen on 127.0.0.1:{port} ({exc.strerror}); try --port") from None
    try:
        application = build(
            settings.model_copy(
                update={
                    "bot_token": SecretStr(DEFAULT_TOKEN),
                    "telegram_api_url": server.url,
                    "merchant_ids": [*settings.merchant_ids, merchant.id],
                }
            )
        )
    except TranslationsMissing as exc:
        await server.stop()
        raise SystemExit(f"livesell demo: {exc}") from None
    bot = application.make_bot()
    scheduler = application.make_scheduler()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    polling: asyncio.Task[None] | None = None
    chat: asyncio.Task[None] | None = None
    web = contextlib.AsyncExitStack()
    try:
        try:
            await web.enter_async_context(application.serve_web())
        except OSError as exc:
            raise SystemExit(
                f"livesell demo: cannot listen on {settings.web_host}:{settings.web_port} ({exc.strerror}); "
                "set WEB_PORT"
            ) from None
        await import_demo_catalogue(application.core.catalogue, settings.default_language)
        await application.set_commands(bot)
        await bot.delete_webhook(drop_pending_updates=False)
        scheduler.start()
        polling = asyncio.create_task(application.poll(bot, handle_signals=False))
        print(
            f"livesell demo: {merchant.first_name} is a merchant: from her chat, /newstream plans a stream that "
            f"posts in @{group.username} (# {group.title}), /live starts it, /stats and /end follow it.",
            flush=True,
        )
        print(f"livesell demo: open {server.url}/ to chat with the bot as any number of personas.", flush=True)
        print("Press Ctrl+C to stop.", flush=True)
        if terminal_chat and sys.stdin.isatty():
            chat = asyncio.create_task(
                TerminalChat(server.url, settings.supported_languages, default_language=settings.default_language).run()
            )
            chat.add_done_callback(_chat_ended)
        await asyncio.wait([asyncio.create_task(stop.wait()), polling], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        if chat is not None:
            chat.cancel()
        if scheduler.running:
            scheduler.shutdown(wait=False)
        with contextlib.suppress(RuntimeError):  # polling already ended
            await application.dispatcher.stop_polling()
        if polling is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await polling
        else:
            await bot.session.close()
        await web.aclose()
        await application.close()
        await server.stop()
        print("livesell demo stopped.", flush=True)


def _chat_ended(task: asyncio.Task[None]) -> None:
    if task.cancelled():
        return
    if task.exception() is not None:
        log.error("the terminal chat failed", exc_info=task.exception())
    print("(you left the terminal chat; the demo keeps serving until Ctrl+C)", flush=True)
