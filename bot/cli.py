"""The `livesell` command: run the bot, the offline demo, migrations and catalogue imports."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.config import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.domain.catalog_file import ImportReport

app = typer.Typer(help="livesell: a chat bot for cross-border live commerce.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
catalog_app = typer.Typer(help="The product catalogue.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(catalog_app, name="catalog")
broadcast_app = typer.Typer(help="Messages to every subscriber.", no_args_is_help=True)
app.add_typer(broadcast_app, name="broadcast")

T = TypeVar("T")
console = Console()
errors = Console(stderr=True)


class Fatal(Exception):
    """Stops the program with one clear line and exit status 2."""


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise Fatal(str(exc)) from None


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run a command's async work; a database that cannot be reached stops it with one line naming DATABASE_URL."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    try:
        return asyncio.run(work)
    except (OperationalError, DBAPIError) as exc:
        raise Fatal(f"DATABASE_URL: cannot use the database: {exc.orig}") from None
    except OSError as exc:  # asyncpg reports a refused connection as an OSError
        raise Fatal(f"DATABASE_URL: cannot reach the database: {exc}") from None


def _logging(settings: Settings, file: Path | None = None) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        filename=file,
    )
    # Every hold sweep and migration step at INFO would drown what matters.
    for chatty in ("apscheduler", "alembic.runtime.plugins"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLogger().level))


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Migrate the database to the newest schema (or REVISION)."""
    from storage.migrate import upgrade

    settings = _settings()
    _run(upgrade(settings.database_url, revision))
    console.print(f"database is at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION ('base' empties it)."""
    from storage.migrate import downgrade

    _run(downgrade(_settings().database_url, revision))
    console.print(f"database is at {revision}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's schema revision and the newest one."""
    from storage.migrate import current_revision, head_revision

    current = _run(current_revision(_settings().database_url))
    console.print(f"current: {current or 'empty'}  newest: {head_revision()}")


@catalog_app.command("import")
def catalog_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="catalogue CSV")],
) -> None:
    """Import (or update) the catalogue from a CSV file; a bad file is refused whole."""
    from bot.domain.catalog_file import CatalogueFileError

    settings = _settings()
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise Fatal(f"{file}: not UTF-8 text") from None
    try:
        report = _run(_import(settings, text, file.resolve().parent))
    except CatalogueFileError as exc:
        errors.print(f"[red]{file}: refused, nothing was imported[/red]", soft_wrap=True)
        for problem in exc.problems:
            errors.print(f"  {file}:{problem.line}: {problem.reason}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    _print_report(report, file.name)


def _print_report(report: ImportReport, name: str) -> None:
    """Counts in SKUs, then each SKU that changed and how: a merchant checks a re-import at a glance."""
    counts = {
        "products": report.products,
        "created": len(report.created),
        "updated": len(report.updated),
        "unchanged": report.unchanged,
        "retired": len(report.retired),
        "restored": len(report.restored),
    }
    table = Table(title=f"imported {name}")
    for column in counts:
        table.add_column(column, justify="right")
    table.add_row(*(str(count) for count in counts.values()))
    console.print(table)
    if report.changed_nothing:
        console.print("nothing changed")
        return
    changes = Table(show_header=True, box=None)
    changes.add_column("SKU")
    changes.add_column("change")
    changes.add_column("fields")
    for kind, style, items in (
        ("created", "green", report.created),
        ("updated", "yellow", report.updated),
        ("restored", "cyan", report.restored),
        ("retired", "red", report.retired),
    ):
        for change in items:
            changes.add_row(escape(change.label), f"[{style}]{kind}[/{style}]", escape(", ".join(change.fields)))
    console.print(changes)


async def _import(settings: Settings, text: str, base: Path) -> ImportReport:
    from bot.app import open_core

    async with open_core(settings) as core:
        return await core.catalogue.import_file(text, image_base=str(base))


@broadcast_app.command("send")
def broadcast_send(text: Annotated[str, typer.Argument(help="the message, sent as written")]) -> None:
    """Send TEXT to every subscriber the bot can reach, with an Unsubscribe button; the running bot sends it (at
    BROADCAST_RATE) and tells the merchants how it went. Prints the broadcast's id."""
    if not text.strip():
        raise Fatal("the message is empty: nothing was sent")
    settings = _settings()
    broadcast_id, recipients = _run(_broadcast(settings, text))
    console.print(f"broadcast {broadcast_id}: {recipients} subscribers; the running bot sends it")


async def _broadcast(settings: Settings, text: str) -> tuple[int, int]:
    from bot.app import broadcast_service, open_core

    async with open_core(settings) as core:
        broadcasts = broadcast_service(settings, core)  # opens only: the running bot sends
        broadcast_id = await broadcasts.send_message(text)
        return broadcast_id, await broadcasts.audience_size(broadcast_id)


@app.command()
def run() -> None:
    """Migrate, then run the bot (long polling) against TELEGRAM_API_URL."""
    settings = _settings()
    settings.require_token()
    _logging(settings)
    from bot.runner import run_bot

    _run(run_bot(settings))


@app.command()
def demo(
    port: Annotated[int | None, typer.Option(help="port of the sandbox chat page (SANDBOX_PORT)")] = None,
    chat: Annotated[bool, typer.Option(help="chat from this terminal when it is one")] = True,
    telegram_limits: Annotated[
        bool, typer.Option(help="apply Telegram's rate limits (30/s, 1/s per chat, 20/min per group)")
    ] = False,
) -> None:
    """Run offline: a sandbox Bot API server on loopback, the bot polling it, and a chat for you."""
    settings = _settings()
    terminal_chat = chat and sys.stdin.isatty()
    # The terminal chat owns the screen: the log goes to a file beside the database instead.
    log_file = Path("livesell-demo.log") if terminal_chat else None
    _logging(settings, log_file)
    if log_file is not None:
        console.print(f"log: {log_file.resolve()}")
    from sandbox.demo import run_demo

    _run(
        run_demo(
            settings,
            port=port or settings.sandbox_port,
            terminal_chat=terminal_chat,
            telegram_limits=telegram_limits,
        )
    )


def main() -> None:
    try:
        app()
    except SettingsError as exc:
        errors.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except Fatal as exc:
        errors.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
