"""The small interfaces the core needs from the outside world; storage and adapters implement them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from bot.domain.broadcasts import (
    Audience,
    BroadcastInfo,
    BroadcastKind,
    Delivery,
    DeliveryOutcome,
    DeliveryStatus,
    Recipient,
    SendResult,
)
from bot.domain.buyer import Buyer, Role
from bot.domain.cart import HeldItem
from bot.domain.catalog import Product, ProductSummary
from bot.domain.catalog_file import ImportReport, ProductRow
from bot.domain.checkout import Quote, ShippingDetails
from bot.domain.daily_report import DailyReport, StatusTotal
from bot.domain.export import CsvBlock, ExportQuery
from bot.domain.flood import Admission
from bot.domain.fx import Rates
from bot.domain.handoff import HandedOff, Said
from bot.domain.keyword import IndexedProduct
from bot.domain.money import Money
from bot.domain.notices import Notice, QuestionForStaff
from bot.domain.orders import (
    DueReminder,
    EventKind,
    ExpiredHold,
    OpenOrder,
    OrderEvent,
    OrderStatus,
    OrderSummary,
    SkuRef,
    WaitingEntry,
)
from bot.domain.outbound import GroupLine
from bot.domain.payments import (
    AttemptStatus,
    PayableOrder,
    PaymentAttempt,
    PaymentEvent,
    PaymentLink,
    PaymentRequest,
)
from bot.domain.product_match import NamedProduct
from bot.domain.questions import Facts
from bot.domain.reports import ReportStatus
from bot.domain.roles import RoleGrant
from bot.domain.stream_report import StreamReport
from bot.domain.streams import (
    Announcement,
    AnnouncementKind,
    AnnouncementStatus,
    Stream,
    StreamOrder,
    StreamPlan,
    StreamStatus,
)
from bot.domain.translation import StoredTranslation
from bot.domain.updates import HeldClaim


class CatalogueRepository(Protocol):
    async def count_active(self) -> int: ...

    async def page(self, offset: int, limit: int, language: str) -> Sequence[ProductSummary]: ...

    async def get(self, product_id: int) -> Product | None: ...

    async def get_by_code(self, code: str) -> Product | None: ...

    async def upsert(self, rows: Sequence[ProductRow]) -> ImportReport: ...

    async def coded_products(self) -> Sequence[IndexedProduct]:
        """Every product on sale with its SKUs on sale, as keyword ordering reads them."""
        ...

    async def named_products(self) -> Sequence[NamedProduct]:
        """Every product on sale with its titles in every language and its variants' names, as questions name them."""
        ...

    async def sku_in_stock(self) -> SkuRef | None:
        """An SKU on sale with units left, a product with variants first (it shows a whole keyword order)."""
        ...

    async def version(self) -> int:
        """The catalogue's version: it moves with every import."""
        ...

    async def bump_version(self) -> None:
        """Move the version on; an import does, in its own unit of work."""
        ...


class BuyerRepository(Protocol):
    async def get(self, telegram_id: int) -> Buyer | None: ...

    async def add(self, buyer: Buyer) -> None: ...

    async def add_if_missing(self, buyer: Buyer) -> None:
        """Insert the buyer unless they exist (one statement: safe when two requests race)."""
        ...

    async def set_language(self, telegram_id: int, language: str) -> None: ...

    async def set_country(self, telegram_id: int, country: str | None) -> None: ...

    async def set_currency(self, telegram_id: int, currency: str | None) -> None: ...

    async def set_region(self, telegram_id: int, region: str | None) -> None: ...

    async def set_timezone(self, telegram_id: int, timezone: str | None) -> None: ...

    async def set_started(self, telegram_id: int) -> None: ...

    async def set_blocked(self, telegram_id: int, blocked: bool) -> None: ...

    async def set_subscribed(self, telegram_id: int, subscribed: bool) -> bool:
        """Subscribe or unsubscribe in one conditional statement; True when this call changed it."""
        ...

    async def last_product(self, telegram_id: int) -> int | None:
        """The product whose card the buyer saw last: what "is it in M?" is about when a question names none."""
        ...

    async def set_last_product(self, telegram_id: int, product_id: int) -> None: ...

    async def get_seen(self, telegram_id: int) -> tuple[Buyer | None, frozenset[Role]]:
        """The buyer and the roles granted to them, in one query (read on every update)."""
        ...

    async def set_username(self, telegram_id: int, username: str | None) -> None:
        """Telegram gives a username to one account at a time: whoever held it before no longer does."""
        ...

    async def by_username(self, username: str) -> Buyer | None: ...


class RoleRepository(Protocol):
    """Roles granted in chat or the CLI; MERCHANT_IDS / OPS_IDS are not stored."""

    async def granted(self, telegram_id: int) -> frozenset[Role]:
        """The person's granted roles, in one query."""
        ...

    async def grant(self, telegram_id: int, role: Role, granted_by: int | None, now: datetime) -> bool:
        """False when the person held the role already (the primary key decides, whoever grants at once)."""
        ...

    async def revoke(self, telegram_id: int, role: Role) -> bool:
        """False when there was no such grant."""
        ...

    async def grants(self) -> Sequence[RoleGrant]: ...


class StockRepository(Protocol):
    """`sku.stock` is what is left to reserve; every change is one conditional statement."""

    async def reserve(self, sku_id: int, quantity: int, buyer_id: int | None = None) -> bool:
        """Take `quantity` units if that many are left (and the SKU is on sale); False otherwise.

        With `buyer_id` (an ordinary order) the units others wait for on the SKU's waitlist are not left: released and
        restocked units go to the waitlist first. Without it (a waitlist offer) every unit on sale counts."""
        ...

    async def available(self, sku_id: int, buyer_id: int) -> int:
        """Units `buyer_id` could reserve now: on sale, less what others wait for."""
        ...

    async def release(self, sku_id: int, quantity: int) -> None: ...

    async def sku(self, sku_id: int) -> SkuRef | None:
        """An SKU on sale (it and its product active), or None."""
        ...


class OrderRepository(Protocol):
    async def open_cart(self, buyer_id: int, currency: str, now: datetime) -> OpenOrder:
        """The buyer's open order (cart or checkout), created if there is none, and locked for this unit."""
        ...

    async def lock_open(self, buyer_id: int, now: datetime) -> OpenOrder | None: ...

    async def find_open(self, buyer_id: int) -> OpenOrder | None: ...

    async def set_status(
        self, order_id: int, old: OrderStatus, new: OrderStatus, now: datetime, detail: str = ""
    ) -> bool:
        """Move the order from `old` to `new` and record the event; False when it was not in `old` any more."""
        ...

    async def record(self, order_id: int, kind: EventKind, now: datetime, detail: str = "") -> None: ...

    async def events(self, order_id: int) -> Sequence[OrderEvent]: ...

    async def items(self, order_id: int, language: str) -> Sequence[HeldItem]: ...

    async def add_units(
        self, order_id: int, sku_id: int, quantity: int, price: Money, hold_until: datetime, maximum: int
    ) -> int | None:
        """Add to the SKU's line (created if missing) and restart its hold; the new quantity, or None if over
        `maximum`."""
        ...

    async def change_quantity(self, line_id: int, old: int, new: int, hold_until: datetime | None) -> bool:
        """Set a line's quantity if it still is `old`; a new `hold_until` restarts its hold."""
        ...

    async def delete_line(self, line_id: int, quantity: int) -> bool:
        """Delete a line if it still holds `quantity` units."""
        ...

    async def due_reminders(self, until: datetime, now: datetime) -> Sequence[DueReminder]: ...

    async def claim_reminder(self, line_ids: Sequence[int], now: datetime) -> int:
        """Mark lines reminded; how many this call marked (0: another instance did)."""
        ...

    async def expired_holds(self, now: datetime, limit: int) -> Sequence[ExpiredHold]: ...

    async def delete_expired_line(self, line_id: int, quantity: int, now: datetime) -> bool:
        """Delete a line whose hold ended, if nobody changed or claimed it since it was read."""
        ...

    async def stop_holds(self, order_id: int, now: datetime) -> int:
        """End the timers of the lines still held (the order was placed); how many were still held."""
        ...

    async def save_checkout(
        self,
        order_id: int,
        details: ShippingDetails | None,
        shop_currency: str,
        currency: str,
        rate: str,
        subtotal: Money,
        shipping: Money,
        total: Money,
    ) -> None: ...

    async def quote(self, order_id: int) -> Quote | None:
        """The rate and total the last checkout summary stored, if any."""
        ...

    async def list_for(self, buyer_id: int) -> Sequence[OrderSummary]:
        """The buyer's orders, newest first; open ones with a zero total (the service prices them)."""
        ...


class WaitlistRepository(Protocol):
    async def join(self, buyer_id: int, sku_id: int, quantity: int, now: datetime) -> int:
        """Queue the buyer (or update their quantity, keeping their place); their 1-based position."""
        ...

    async def leave(self, buyer_id: int, sku_id: int) -> bool: ...

    async def offerable(self) -> Sequence[int]:
        """SKUs on sale with units left and someone waiting."""
        ...

    async def first(self, sku_id: int) -> WaitingEntry | None: ...

    async def take(self, entry_id: int, quantity: int) -> bool:
        """Serve `quantity` of the entry's units: it leaves the list when none are left to wait for, else keeps its
        place; False when the entry changed meanwhile."""
        ...

    async def claim(self, entry_id: int) -> bool:
        """Take an entry off the list; False when another instance already did."""
        ...


class PaymentRepository(Protocol):
    """Payment attempts and provider events; every status change is one conditional statement."""

    async def payable(self, order_id: int) -> PayableOrder | None: ...

    async def open_attempt(self, order_id: int) -> PaymentAttempt | None: ...

    async def add_attempt(
        self, order_id: int, provider: str, amount: Money, expires_at: datetime, now: datetime
    ) -> PaymentAttempt | None:
        """A new open attempt (numbered after the order's others); None when the order has an open one already."""
        ...

    async def set_link(self, attempt_id: int, reference: str, url: str) -> None: ...

    async def by_reference(self, provider: str, reference: str) -> PaymentAttempt | None: ...

    async def close_attempt(self, attempt_id: int, status: AttemptStatus, now: datetime, payment_id: str = "") -> bool:
        """Move an open attempt to `status`; False when it was not open any more."""
        ...

    async def flag_refund(self, attempt_id: int, now: datetime, payment_id: str) -> None:
        """Money arrived on this attempt for an order that no longer takes it: keep it for a refund."""
        ...

    async def record_event(self, event: PaymentEvent, order_id: int | None, now: datetime) -> bool:
        """Store the event under its (provider, event id); False when it was stored before (a replay)."""
        ...

    async def set_outcome(self, event: PaymentEvent, outcome: str, detail: str = "") -> None: ...

    async def claim_untold_receipt(self, event: PaymentEvent, received_before: datetime) -> bool:
        """Take over the receipt of `event`'s payment: True for the one caller that finds it applied, received before
        `received_before` and never marked sent (the process that applied it died before telling), and marks it sent
        in the same statement; False for everyone else."""
        ...

    async def mark_told(self, event: PaymentEvent) -> None:
        """The receipt of `event`'s payment is out (buyer and staff told)."""
        ...

    async def due(self, placed_before: datetime, limit: int) -> Sequence[int]:
        """Orders awaiting payment since before `placed_before`, oldest first."""
        ...


class StreamRepository(Protocol):
    """Streams, their featured products and announcements; every status change is one conditional statement."""

    async def add(self, plan: StreamPlan, product_ids: Sequence[int], now: datetime) -> int: ...

    async def set_products(self, stream_id: int, product_ids: Sequence[int]) -> None: ...

    async def get(self, stream_id: int) -> Stream | None: ...

    async def listed(self, statuses: Sequence[StreamStatus]) -> Sequence[Stream]:
        """Streams in these statuses, earliest start first."""
        ...

    async def live(self, chat_id: int | None = None) -> Stream | None: ...

    async def audience_languages(self) -> Sequence[str]:
        """The languages of the subscribers an announcement would reach now, the most spoken first."""
        ...

    async def product_ids(self, stream_id: int) -> Sequence[int]: ...

    async def set_details(self, stream_id: int, values: Mapping[str, object]) -> None: ...

    async def set_start(self, stream_id: int, starts_at: datetime) -> bool:
        """Move the start of a stream still scheduled; False when it is not any more."""
        ...

    async def set_status(self, stream_id: int, old: StreamStatus, new: StreamStatus, now: datetime) -> bool: ...

    async def set_pinned(self, stream_id: int, chat_id: int, message_id: int) -> None: ...

    async def schedule(self, stream_id: int, kind: AnnouncementKind, due: Sequence[tuple[int, datetime]]) -> None:
        """Make each (offset seconds, due time) announcement pending at that time, unless it already went out."""
        ...

    async def cancel_pending(
        self, stream_id: int, keep: Sequence[int] = (), kind: AnnouncementKind | None = None
    ) -> int: ...

    async def announcement(self, announcement_id: int) -> Announcement | None: ...

    async def announcements(self, stream_id: int) -> Sequence[Announcement]: ...

    async def claim_due(self, now: datetime, limit: int, due_before: datetime | None = None) -> Sequence[Announcement]:
        """Move due pending announcements to sending; the ones this call won (another process gets the others)."""
        ...

    async def reclaim_stale(self, claimed_before: datetime, now: datetime, limit: int) -> Sequence[Announcement]:
        """Announcements left sending without a broadcast since before `claimed_before`, claimed again (one winner
        each)."""
        ...

    async def set_broadcast(self, announcement_id: int, broadcast_id: int) -> None:
        """The broadcast that carries the announcement was opened."""
        ...

    async def set_announcement_status(
        self, announcement_id: int, old: AnnouncementStatus, new: AnnouncementStatus, now: datetime
    ) -> bool: ...

    async def orders(self, stream_id: int) -> Sequence[StreamOrder]:
        """The stream's placed orders (awaiting payment, paid, shipped), with when each was placed and its buyer's
        country and language."""
        ...

    async def last_ended(self) -> Stream | None:
        """The stream that ended last."""
        ...

    async def ended_since(self, since: datetime) -> Sequence[int]:
        """The ids of the streams that ended at `since` or later."""
        ...


class ReportRunRepository(Protocol):
    async def claim(self, kind: str, period: str, now: datetime) -> bool:
        """Insert the (kind, period) run; True when this call inserted it (the report is this caller's to make)."""
        ...

    async def reclaim_stale(self, kind: str, period: str, claimed_before: datetime, now: datetime) -> bool:
        """Take over a run still claimed since before `claimed_before` (its process died); True when this call did."""
        ...

    async def claimed(self, kind: str, periods: Sequence[str]) -> Sequence[tuple[str, ReportStatus, datetime]]:
        """The runs of `kind` among `periods`: period, status, when claimed."""
        ...

    async def finish(self, kind: str, period: str, status: ReportStatus, now: datetime, detail: str = "") -> None: ...

    async def order_totals(self, start: datetime, end: datetime) -> Sequence[StatusTotal]:
        """Orders created in [start, end), open carts aside, per status and currency (the daily report)."""
        ...


class JobLeaseRepository(Protocol):
    """Which bot process runs each periodic job (a hold sweep, payment timeouts...) until when. Taking a lease is one
    conditional statement, so of two processes asking at once one wins."""

    async def claim(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        """Take or renew the lease of job `name` for `holder` until `until`, if nobody holds it, its lease ran out
        before `now`, or `holder` holds it already; True when `holder` holds it now."""
        ...

    async def release(self, name: str, holder: str) -> bool:
        """Give up `holder`'s lease of `name` (a process stopping), so another takes it at its next try; True when
        `holder` held it."""
        ...

    async def holder(self, name: str, now: datetime) -> str | None:
        """Who holds an unexpired lease of `name` at `now`; None when nobody does."""
        ...


class TranslationRepository(Protocol):
    """Product texts the language model translated (the catalogue's own translations are the product's)."""

    async def product_texts(self, product_id: int, language: str) -> Sequence[StoredTranslation]: ...

    async def save_product_text(self, product_id: int, language: str, field: str, source_hash: str, text: str) -> None:
        """Store (or replace) the translation of one field, with the hash of the text it translates."""
        ...


class HandOffRepository(Protocol):
    async def add(
        self, buyer_id: int, buyer_language: str, question: str, chat_id: int, message_id: int, now: datetime
    ) -> None: ...

    async def find(self, chat_id: int, message_id: int) -> HandedOff | None:
        """The question the bot posted as `message_id` in `chat_id`, if it was one."""
        ...


class SaidRepository(Protocol):
    async def add(self, stream_id: int, text: str, language: str, created_by: int | None, now: datetime) -> int: ...

    async def get(self, message_id: int) -> Said | None: ...

    async def translation(self, message_id: int, language: str) -> str | None: ...

    async def save_translation(self, message_id: int, language: str, text: str) -> None:
        """Keep the first translation stored into `language`."""
        ...


class DailyReportSender(Protocol):
    async def send(self, chat_id: int, report: DailyReport) -> None:
        """Post the report (its message, then its files) to the chat; raises when the chat cannot be reached."""
        ...


class HandOff(Protocol):
    async def hand_off(self, buyer_id: int, question: str, language: str) -> bool:
        """Pass a question nobody could answer to the shop's staff; False when no staff chat could be reached."""
        ...


class StaffDesk(Protocol):
    async def post(self, notice: QuestionForStaff) -> int | None:
        """Post the question to its staff chat; the message's id, or None when the chat cannot be reached."""
        ...


class PaymentProvider(Protocol):
    """A payment provider: opens a payment session for an order attempt, and closes it."""

    name: str

    async def create_link(self, request: PaymentRequest) -> PaymentLink:
        """The session for the attempt; asked again with the same idempotency key, the same session."""
        ...

    async def expire(self, attempt: PaymentAttempt) -> None:
        """Close the attempt's session so its link takes no money (nothing to do when it has none)."""
        ...


class BroadcastRepository(Protocol):
    """Broadcasts and their deliveries (docs/broadcasts.md); every status change is one conditional statement."""

    async def open(
        self, kind: BroadcastKind, reference: int | None, text: str | None, created_by: int | None, now: datetime
    ) -> tuple[int, bool]:
        """The broadcast's id, and whether this call created it; (kind, reference) is unique. Without a reference
        (a MESSAGE) the reference is the new broadcast's own id."""
        ...

    async def reachable_subscribers(self) -> Sequence[Buyer]:
        """Subscribed, started and not blocked."""
        ...

    async def add_deliveries(self, broadcast_id: int, recipients: Sequence[Recipient]) -> None: ...

    async def get(self, broadcast_id: int) -> BroadcastInfo | None: ...

    async def unfinished(self) -> Sequence[BroadcastInfo]:
        """Running broadcasts, and finished ones not reported yet."""
        ...

    async def take_lease(self, broadcast_id: int, owner: str, until: datetime, now: datetime) -> bool:
        """Hold a running broadcast until `until` unless another owner's lease still runs; whether it is ours."""
        ...

    async def release_lease(self, broadcast_id: int, owner: str) -> None: ...

    async def claim(self, broadcast_id: int, limit: int, now: datetime) -> Sequence[Delivery]:
        """Move up to `limit` due PENDING deliveries to SENDING and return them."""
        ...

    async def record(self, outcomes: Sequence[DeliveryOutcome], now: datetime) -> None:
        """Record outcomes of deliveries still SENDING, all in one statement."""
        ...

    async def block_buyers(self, chat_ids: Sequence[int]) -> None: ...

    async def pending(self, broadcast_id: int) -> tuple[int, datetime | None]:
        """How many deliveries are PENDING, and the earliest `not_before` among them."""
        ...

    async def finish(self, broadcast_id: int, owner: str, now: datetime) -> bool:
        """Mark DONE if `owner` holds the lease and nothing is pending."""
        ...

    async def claim_report(self, broadcast_id: int) -> bool:
        """Whether this call won the right to report the finished broadcast."""
        ...

    async def counts(self, broadcast_id: int) -> dict[DeliveryStatus, int]: ...


class BroadcastOpener(Protocol):
    async def open(self, kind: BroadcastKind, reference: int, audience: Audience, created_by: int | None = None) -> int:
        """Idempotent per (kind, reference): opening twice returns the same broadcast id. The audience is
        snapshotted into deliveries at once (every reachable subscriber, plus `audience.chats`)."""
        ...


class BroadcastSender(Protocol):
    async def send(self, kind: BroadcastKind, reference: int, recipient: Recipient, paid: bool) -> SendResult: ...


class OrderAnswers(Protocol):
    def later(self, send: Awaitable[object], then: Callable[[bool], Awaitable[None]] | None = None) -> None:
        """Send an order's answer without holding up the handler; `then(reached)` after (False: they cannot be
        written to)."""
        ...

    async def confirm(self, answer: GroupLine) -> None:
        """Answer a keyword order in its group: at once when the group is quiet, else with the others of a batch."""
        ...


class Notifier(Protocol):
    async def send(self, notice: Notice) -> bool:
        """Deliver a notice to its buyer; False when they cannot be reached (e.g. they blocked the bot)."""
        ...


class ChartPainter(Protocol):
    async def draw(self, report: StreamReport, language: str) -> bytes:
        """The report as a PNG, its texts in `language`, its series in the picture's text metadata."""


class CommandMenus(Protocol):
    async def show(self, telegram_id: int, roles: frozenset[Role]) -> None:
        """Make the person's command menu (their private chat's) the one of their roles, in every shop language;
        a buyer's is the shop's default menu."""
        ...


class RatesSource(Protocol):
    async def latest(self) -> Rates: ...


class OrderExportSource(Protocol):
    """Orders read for an export, outside any unit of work (a long read must not hold one), already formatted as
    bot/domain/export.py says: amounts as decimal text, times local with their offset, free text neutralised."""

    async def count(self, query: ExportQuery) -> int: ...

    async def first_created(self, query: ExportQuery) -> datetime | None:
        """When the first order the query selects was created (UTC); None when it selects none."""
        ...

    def csv_blocks(self, query: ExportQuery, *, lines: bool) -> AsyncIterator[CsvBlock]:
        """The CSV records (ORDER_COLUMNS, then LINE_COLUMNS with `lines`: a record per order line) in order id
        order, in blocks; an order's records are never split between two blocks' order counts."""
        ...

    def rows(self, query: ExportQuery, *, lines: bool) -> AsyncIterator[Sequence[tuple[Any, ...]]]:
        """The same rows as tuples of values, one per column."""
        ...


class UpdateClaimRepository(Protocol):
    """Telegram updates claimed by bot processes (bot/domain/updates.py); the database decides who holds each."""

    async def take(self, update_id: int, holder: str, now: datetime) -> bool:
        """Insert the update's claim for `holder`; True when this call inserted it (nobody had claimed it)."""
        ...

    async def held(self, update_id: int) -> HeldClaim | None:
        """The update's claim, or None when there is none."""
        ...

    async def take_over(self, update_id: int, previous: HeldClaim, holder: str, now: datetime) -> bool:
        """Hand a claim still `handling` by `previous.holder` since `previous.claimed_at` to `holder`; True when this
        call did (a claim refreshed or taken by someone else meanwhile is left alone)."""
        ...

    async def finish(self, update_id: int, holder: str, now: datetime) -> bool:
        """Mark the update done, if `holder` still holds it; True when it did."""
        ...

    async def release(self, update_id: int, holder: str) -> bool:
        """Drop `holder`'s unfinished claim, so the update is handled when it comes again."""
        ...

    async def refresh(self, holder: str, update_ids: Sequence[int], now: datetime) -> int:
        """Mark `holder`'s claims of `update_ids` it is handling as alive at `now`; how many."""
        ...

    async def prune(self, done_before: datetime) -> int:
        """Forget updates claimed before `done_before` (Telegram no longer redelivers them); how many."""
        ...


class UnitOfWork(Protocol):
    """One database transaction; repositories never commit, the service that opened the unit does."""

    catalogue: CatalogueRepository
    buyers: BuyerRepository
    stock: StockRepository
    orders: OrderRepository
    waitlist: WaitlistRepository
    payments: PaymentRepository
    broadcasts: BroadcastRepository
    streams: StreamRepository
    translations: TranslationRepository
    hand_offs: HandOffRepository
    said: SaidRepository
    reports: ReportRunRepository
    roles: RoleRepository
    leases: JobLeaseRepository
    update_claims: UpdateClaimRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class LanguageModel(Protocol):
    """An OpenAI-compatible chat model. Raises bot.domain.questions.ModelUnavailable on a timeout, an HTTP error or a
    body it cannot read."""

    async def answer(self, facts: Facts, language: str) -> str:
        """A reply to `facts.question` in `language`, from the facts only."""
        ...

    async def translate(self, text: str, source: str, target: str) -> str: ...


class LanguageDetector(Protocol):
    """Which of the shop's languages a short text is written in."""

    def detect(self, text: str) -> Sequence[tuple[str, float]]:
        """The shop's languages with the confidence (0..1, summing to 1) that `text` is in each, most likely first;
        empty when the text has no letters."""
        ...


class FloodGate(Protocol):
    """Per-person message budget (bot/domain/flood.py), shared by every bot process that shares the gate."""

    async def admit(self, person_id: int) -> Admission: ...


class Metrics(Protocol):
    """What the bot counts for /metrics (bot/adapters/metrics.py). Every label takes a value from a small fixed set
    (a handler's name, an outcome), never a person, a chat or an order."""

    def update_handled(self, handler: str, outcome: str, seconds: float) -> None:
        """An update handled by `handler` ("none": no handler took it) with `outcome` "ok" or "error"."""
        ...

    def flood_skipped(self) -> None:
        """A message or tap skipped by flood control."""
        ...

    def payment_webhook(self, provider: str, outcome: str) -> None:
        """A provider's webhook answered: what settling it did, or why it was refused."""
        ...

    def model_request(self, purpose: str) -> None:
        """A request sent to the language model (`purpose`: "question")."""
        ...

    def model_fallback(self, purpose: str, reason: str) -> None:
        """A model reply not used ("unavailable", "timeout", "refused"): the deterministic answer went out instead."""
        ...

    def broadcast_sent(self, outcome: str) -> None:
        """A broadcast send settled (a DeliveryStatus value)."""
        ...


class NoMetrics:
    """Metrics that count nothing: the default wherever nothing is scraped (the CLI, unit tests)."""

    def update_handled(self, handler: str, outcome: str, seconds: float) -> None:
        pass

    def flood_skipped(self) -> None:
        pass

    def payment_webhook(self, provider: str, outcome: str) -> None:
        pass

    def model_request(self, purpose: str) -> None:
        pass

    def model_fallback(self, purpose: str, reason: str) -> None:
        pass

    def broadcast_sent(self, outcome: str) -> None:
        pass


class ShopGauges(Protocol):
    """What /metrics reads from the database when it is scraped."""

    async def orders_by_status(self) -> Mapping[str, int]:
        """How many orders are in each status (those with none may be missing)."""
        ...

    async def pending_sends(self) -> int:
        """Broadcast messages waiting to go out, over every broadcast."""
        ...
