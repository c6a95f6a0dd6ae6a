"""The `livesell` command: run the bot, the offline demo, migrations and catalogue imports."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.config import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from bot.app import Core
    from bot.domain.catalog_file import ImportReport
    from bot.domain.export import ExportFilter, ExportFormat
    from bot.domain.notices import Notice
    from bot.domain.roles import RoleChange
    from bot.domain.streams import Stream, StreamTotals
    from bot.services.export import ExportResult
    from bot.services.streams import StreamService

app = typer.Typer(help="livesell: a chat bot for cross-border live commerce.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
catalog_app = typer.Typer(help="The product catalogue.", no_args_is_help=True)
streams_app = typer.Typer(help="Live streams and their announcements (docs/streams.md).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(catalog_app, name="catalog")
broadcast_app = typer.Typer(help="Messages to every subscriber.", no_args_is_help=True)
app.add_typer(broadcast_app, name="broadcast")
app.add_typer(streams_app, name="streams")
export_app = typer.Typer(help="Exports for ops and accounting (docs/export.md).", no_args_is_help=True)
app.add_typer(export_app, name="export")
roles_app = typer.Typer(
    help="Who is ops or a merchant besides OPS_IDS / MERCHANT_IDS (docs/roles.md).", no_args_is_help=True
)
app.add_typer(roles_app, name="roles")

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
    """Run a command's async work; a database that cannot be reached, or whose schema is not this release's, stops it
    with one line saying what to do."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    from storage.migrate import SchemaMismatch

    try:
        return asyncio.run(work)
    except SchemaMismatch as exc:
        raise Fatal(f"DATABASE_URL: {exc}") from None
    except (OperationalError, DBAPIError) as exc:
        raise Fatal(f"DATABASE_URL: cannot use the database: {exc.orig}") from None
    except OSError as exc:  # asyncpg reports a refused connection as an OSError
        raise Fatal(f"DATABASE_URL: cannot reach the database: {exc}") from None


def _logging(settings: Settings, file: Path | None = None) -> None:
    from bot.logs import setup_logging

    setup_logging(settings.log_level, settings.log_format, settings.secret_values(), file=file, capture_warnings=True)


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


class _Unsent:
    """The CLI has no chat: what the core would tell merchants, the command prints itself."""

    async def send(self, notice: Notice) -> bool:
        return False


async def _with_streams(settings: Settings, work: Callable[[StreamService, Core], Awaitable[T]]) -> T:
    from bot.app import open_core, stream_service
    from bot.domain.streams import StreamError

    async with open_core(settings) as core:
        try:
            return await work(stream_service(settings, core, _Unsent()), core)
        except StreamError as exc:
            raise Fatal(str(exc)) from None


def _now() -> datetime:
    return datetime.now(UTC)


@streams_app.command("add")
def streams_add(
    title: Annotated[str, typer.Option(help="the stream's title")],
    start: Annotated[str, typer.Option(help="start, e.g. 2026-12-01T19:00+01:00 (no offset: in --timezone)")],
    duration: Annotated[int, typer.Option(help="minutes")],
    products: Annotated[str, typer.Option(help="featured product codes, comma-separated: A12,B7")],
    link: Annotated[str | None, typer.Option(help="where to watch it, on any platform")] = None,
    channel: Annotated[int | None, typer.Option(help="id of a channel or group to announce in too")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA zone of the start (default SHOP_TIMEZONE)")] = None,
    title_lang: Annotated[
        list[str] | None, typer.Option("--title-lang", help="the title in a language: de=Herbstschals (repeatable)")
    ] = None,
) -> None:
    """Plan a stream; prints its id. Its reminders go out at REMINDER_OFFSETS before the start."""
    from bot.domain.streams import StreamPlan, parse_start
    from bot.domain.timezones import is_timezone

    settings = _settings()
    zone = timezone or settings.shop_timezone
    if not is_timezone(zone):
        raise Fatal(f"--timezone: {zone!r} is not an IANA time zone")
    titles = {}
    for item in title_lang or []:
        language, _, text = item.partition("=")
        if not language.strip() or not text.strip():
            raise Fatal(f"--title-lang: {item!r} is not LANGUAGE=TITLE")
        titles[language.strip().lower()] = text.strip()
    try:
        starts_at = parse_start(start, zone)
    except ValueError as exc:
        raise Fatal(f"--start: {exc}") from None
    plan = StreamPlan(
        title=title,
        starts_at=starts_at,
        duration=timedelta(minutes=duration),
        product_codes=tuple(code for code in products.replace(" ", ",").split(",") if code),
        timezone=zone,
        titles=titles,
        link=link,
        chat_id=channel,
    )

    async def add(streams: StreamService, core: Core) -> tuple[Stream, int]:
        stream = await streams.plan(plan, _now())
        return stream, len(await streams.announcements(stream.stream_id))

    stream, reminders = _run(_with_streams(settings, add))
    console.print(
        f"stream {stream.stream_id} planned: {escape(stream.title)}, {_local(stream.starts_at, stream.timezone)} "
        f"({stream.timezone}), {reminders} reminder{'s' if reminders != 1 else ''} scheduled",
        soft_wrap=True,
    )


@streams_app.command("list")
def streams_list(
    every: Annotated[bool, typer.Option("--all", help="ended and cancelled streams too")] = False,
) -> None:
    """The planned and live streams, soonest first."""

    async def listed(streams: StreamService, core: Core) -> list[tuple[Stream, str]]:
        found = await streams.upcoming(_now(), include_ended=every)
        return [(stream, _next_announcement(await streams.announcements(stream.stream_id))) for stream in found]

    found = _run(_with_streams(_settings(), listed))
    if not found:
        console.print("no streams planned")
        return
    for stream, upcoming in found:
        console.print(
            f"{stream.stream_id}  {stream.status.value}  {_local(stream.starts_at, stream.timezone)} {stream.timezone}"
            f"  {int(stream.duration.total_seconds() // 60)} min  {escape(','.join(stream.product_codes))}"
            f"  {escape(stream.title)}",
            soft_wrap=True,
            highlight=False,
        )
        console.print(f"    next: {upcoming}", soft_wrap=True, highlight=False)


@streams_app.command("cancel")
def streams_cancel(stream_id: Annotated[int, typer.Argument(help="the stream's id")]) -> None:
    """Cancel a planned stream: its reminders not yet out are cancelled."""
    stream = _run(_with_streams(_settings(), lambda streams, core: streams.cancel(stream_id, _now())))
    console.print(f"stream {stream.stream_id} cancelled: no more reminders go out", soft_wrap=True)


@streams_app.command("reschedule")
def streams_reschedule(
    stream_id: Annotated[int, typer.Argument(help="the stream's id")],
    start: Annotated[str, typer.Option(help="the new start, e.g. 2026-12-01T19:00+01:00")],
) -> None:
    """Move a planned stream, and every reminder not yet out with it."""
    from bot.domain.streams import parse_start

    settings = _settings()

    async def move(streams: StreamService, core: Core) -> Stream:
        stream = await streams.get(stream_id)
        zone = stream.timezone if stream is not None else settings.shop_timezone
        return await streams.reschedule(stream_id, parse_start(start, zone), _now())

    stream = _run(_with_streams(settings, move))
    console.print(
        f"stream {stream.stream_id} now starts {_local(stream.starts_at, stream.timezone)} ({stream.timezone})",
        soft_wrap=True,
    )


@streams_app.command("live")
def streams_live(stream_id: Annotated[int, typer.Argument(help="the stream's id")]) -> None:
    """Mark a stream live: its "live now" announcement is due at once, and orders from now on are the stream's."""
    stream = _run(_with_streams(_settings(), lambda streams, core: streams.go_live(stream_id, _now())))
    console.print(
        f"stream {stream.stream_id} is live: its live-now announcement is due, and the running bot sends it "
        "to every subscriber within seconds",
        soft_wrap=True,
    )


@streams_app.command("end")
def streams_end(stream_id: Annotated[int, typer.Argument(help="the stream's id")]) -> None:
    """End a live stream and print how it sold; the running bot sends the merchants its chart (docs/reports.md)."""
    totals = _run(_with_streams(_settings(), lambda streams, core: streams.end(stream_id, _now())))
    console.print(f"stream {stream_id} ended: the running bot sends the merchants its chart", soft_wrap=True)
    _print_totals(totals)


def _print_totals(totals: StreamTotals) -> None:
    from bot.domain.money import Money

    table = Table(show_header=True, box=None)
    for column in ("orders", "paid", "units", "revenue"):
        table.add_column(column, justify="right")
    revenue = Money(totals.revenue_minor, totals.currency).format("en")
    table.add_row(str(totals.orders), str(totals.paid_orders), str(totals.units), revenue)
    console.print(table)


def _local(moment: datetime, timezone: str) -> str:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def _next_announcement(announcements: Sequence[Any]) -> str:
    from bot.domain.streams import AnnouncementStatus

    pending = [a for a in announcements if a.status in (AnnouncementStatus.PENDING, AnnouncementStatus.SENDING)]
    if not pending:
        return "-"
    first = pending[0]
    return f"{first.kind.value} {first.status.value} {first.due_at.strftime('%Y-%m-%d %H:%M')} UTC"


def _date(option: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Fatal(f"{option}: {text!r} is not a date like 2026-11-30") from None


def _choice(option: str, text: str, choices: Sequence[str]) -> str:
    value = text.strip().lower().replace("-", "_")
    if value not in choices:
        raise Fatal(f"{option}: {text!r} is not one of {', '.join(choices)}")
    return value


@export_app.command("orders")
def export_orders(
    output: Annotated[str, typer.Option("--output", "-o", help="the file to write; - writes CSV to stdout")],
    since: Annotated[str | None, typer.Option(help="first day, in the shop's time zone: 2026-11-01")] = None,
    until: Annotated[str | None, typer.Option(help="last day (included), in the shop's time zone")] = None,
    status: Annotated[str, typer.Option(help="paid, awaiting_payment, expired or all")] = "all",
    stream: Annotated[int | None, typer.Option(help="only the orders of this stream (its id)")] = None,
    format: Annotated[str | None, typer.Option(help="csv or xlsx (default: from the file name, else csv)")] = None,
    lines: Annotated[bool, typer.Option(help="CSV: one row per order line; XLSX: a second sheet of lines")] = False,
    excel: Annotated[bool, typer.Option(help="CSV: UTF-8 with a byte order mark, as Excel likes")] = False,
) -> None:
    """Export orders (created in the period, in the shop's time zone) to CSV or XLSX; one line per written file,
    a progress bar on a terminal."""
    from bot.domain.export import BadExportFilter, ExportFilter, ExportFormat, ExportStatus

    to_stdout = output.strip() == "-"
    suffix = Path(output).suffix.lower().lstrip(".")
    chosen = _choice("--format", format or (suffix if suffix in ("csv", "xlsx") else "csv"), ["csv", "xlsx"])
    if to_stdout and chosen != "csv":
        raise Fatal("--output -: only CSV can be written to stdout")
    try:
        export_filter = ExportFilter(
            since=_date("--since", since),
            until=_date("--until", until),
            status=ExportStatus(_choice("--status", status, [s.value for s in ExportStatus])),
            stream_id=stream,
        )
    except BadExportFilter as exc:
        raise Fatal(f"--since/--until: {exc}") from None
    settings = _settings()
    result = _run(_export(settings, export_filter, ExportFormat(chosen), output, to_stdout, lines, excel))
    if to_stdout:
        return
    if errors.is_terminal:
        errors.print(f"{result.orders} orders exported", highlight=False)
    for path in result.files:
        console.print(str(path), markup=False, highlight=False, soft_wrap=True)


async def _export(
    settings: Settings,
    export_filter: ExportFilter,
    fmt: ExportFormat,
    output: str,
    to_stdout: bool,
    lines: bool,
    excel: bool,
) -> ExportResult:
    from rich.progress import Progress

    from bot.services.export import ExportService
    from storage.engine import make_engine
    from storage.export import SqlOrderExport
    from storage.migrate import ensure_schema

    # The export alone, not the bot's core: no aiogram, language models or payment adapters in memory (over 200 MB
    # before a single row), so a million orders export in a process of about 100 MB.
    await ensure_schema(settings.database_url)
    engine = make_engine(settings.database_url)
    export = ExportService(SqlOrderExport(engine), shop_timezone=settings.shop_timezone)
    try:
        stream = sys.stdout.buffer if to_stdout else None
        destination = Path("-") if to_stdout else Path(output)
        if not errors.is_terminal:
            return await export.export(export_filter, fmt, destination, lines=lines, excel=excel, stream=stream)
        with Progress(console=errors, transient=True) as bar:
            task = bar.add_task("exporting orders", total=None)

            async def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            return await export.export(
                export_filter, fmt, destination, lines=lines, excel=excel, progress=progress, stream=stream
            )
    finally:
        await engine.dispose()


PERSON_HELP = "the person: @username (they must have started the bot) or Telegram id"
ROLE_HELP = "ops or merchant"


@roles_app.command("grant")
def roles_grant(
    person: Annotated[str, typer.Argument(help=PERSON_HELP)], role: Annotated[str, typer.Argument(help=ROLE_HELP)]
) -> None:
    """Make someone ops or a merchant; the running bot shows them the menu of their roles within a minute."""
    _change_role(person, role, granting=True)


@roles_app.command("revoke")
def roles_revoke(
    person: Annotated[str, typer.Argument(help=PERSON_HELP)], role: Annotated[str, typer.Argument(help=ROLE_HELP)]
) -> None:
    """Take a granted role back (roles from OPS_IDS / MERCHANT_IDS are the settings' to change)."""
    _change_role(person, role, granting=False)


def _change_role(person_text: str, role_text: str, granting: bool) -> None:
    from bot.app import open_core, role_service
    from bot.domain.roles import NotAPerson, NotARole, RoleOutcome, parse_person, parse_role

    try:
        person = parse_person(person_text)
    except NotAPerson:
        raise Fatal(f"{person_text!r} is neither an @username nor a Telegram id") from None
    try:
        role = parse_role(role_text)
    except NotARole:
        raise Fatal(f"{role_text!r} is not a role: use ops or merchant") from None
    settings = _settings()

    async def change() -> RoleChange:
        async with open_core(settings) as core:
            roles = role_service(core)
            return await (roles.grant(person, role) if granting else roles.revoke(person, role))

    result = _run(change())
    who = f"{person} ({result.buyer.name}, {result.buyer.telegram_id})" if result.buyer else str(person)
    outcome = {
        RoleOutcome.GRANTED: f"{who} is now {role}; the running bot shows them their menu within a minute",
        RoleOutcome.ALREADY_HELD: f"{who} is {role} already",
        RoleOutcome.REVOKED: f"{who} is no longer {role}; the running bot changes their menu within a minute",
        RoleOutcome.NOT_HELD: f"{who} is not {role}: nothing to revoke",
    }
    if result.outcome is RoleOutcome.UNKNOWN_PERSON:
        raise Fatal(f"{person} has not started the bot: ask them to send it /start, then try again")
    if result.outcome is RoleOutcome.FROM_SETTINGS:
        raise Fatal(f"{who} is {role} by {'MERCHANT_IDS' if role == 'merchant' else 'OPS_IDS'}: change it there")
    console.print(outcome[result.outcome], soft_wrap=True, markup=False, highlight=False)


@roles_app.command("list")
def roles_list() -> None:
    """Everyone who is ops or a merchant, and why: the settings, or a grant (by whom, when)."""
    from bot.app import open_core, role_service

    settings = _settings()

    async def staff() -> list[Any]:
        async with open_core(settings) as core:
            return await role_service(core).staff()

    holders = _run(staff())
    header = ("id", "role", "from", "username", "name", "granted at")
    rows = [
        (
            str(holder.telegram_id),
            holder.role.value,
            "settings" if holder.from_settings else f"grant by {holder.granted_by or 'CLI'}",
            f"@{holder.username}" if holder.username else "",
            holder.name,
            holder.granted_at.isoformat(timespec="seconds") if holder.granted_at else "",
        )
        for holder in holders
    ]
    if not console.is_terminal:
        # Machine-friendly: tab-separated, one header line.
        for row in (header, *rows):
            print("\t".join(row))
        return
    if not rows:
        console.print("nobody is ops or a merchant: set MERCHANT_IDS / OPS_IDS, or `livesell roles grant`")
        return
    table = Table(*header)
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    console.print(table)


@app.command()
def run(
    workers: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="worker processes serving WEB_HOST:WEB_PORT together (WORKERS); >1: webhook"),
    ] = None,
    worker: Annotated[bool, typer.Option(hidden=True, help="one worker of `run --workers N` (started by it)")] = False,
) -> None:
    """Run the bot against TELEGRAM_API_URL: long polling, or with WEBHOOK_URL Telegram's webhook on the web app, in
    one process or N workers (docs/scale-out.md). The database must be at this release's schema (an empty one is made
    so; after an upgrade of livesell, run `livesell db upgrade` first)."""
    settings = _settings()
    settings.require_token()
    count = workers or settings.workers
    if count > 1 and not settings.webhook_url:
        raise Fatal(
            f"--workers {count}: more than one worker needs WEBHOOK_URL (Telegram gives long polling to one process "
            "only); see docs/scale-out.md"
        )
    if count > 1 and not worker and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Before the bot's modules load (prometheus_client reads it once): the workers are forked with them.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="livesell-metrics-")
    _logging(settings)
    if worker or count == 1:
        from bot.runner import run_bot

        _run(run_bot(settings, worker=worker))
        return
    from bot.runner import prepare_workers, run_bot, supervise

    def work() -> int:
        try:
            _run(run_bot(settings, worker=True))
        except Fatal as exc:
            errors.print(str(exc), markup=False, highlight=False, soft_wrap=True)
            return 2
        except Exception:
            logging.getLogger("bot.runner").exception("the worker failed")
            return 1
        return 0

    _run(prepare_workers(settings))
    status = supervise(settings, count, work)
    if status:
        raise typer.Exit(status)


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
