"""sqlmodel tables. Money is integer minor units plus an ISO 4217 code; times are timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# Stable constraint names, so Alembic migrations (and SQLite batch mode) can refer to them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _timestamp(**kwargs: object) -> object:
    return Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True), nullable=False, **kwargs)


class ProductTable(SQLModel, table=True):
    __tablename__ = "product"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_type=sa.Text)
    image_url: str = Field(default="", max_length=500)
    ships_to: str = Field(default="*", max_length=1000)
    active: bool = Field(default=True, index=True)
    updated_at: datetime = _timestamp()


class ProductTranslationTable(SQLModel, table=True):
    __tablename__ = "product_translation"

    product_id: int = Field(foreign_key="product.id", primary_key=True, ondelete="CASCADE")
    language: str = Field(max_length=16, primary_key=True)
    title: str = Field(default="", max_length=200)
    description: str = Field(default="", sa_type=sa.Text)


class ProductMachineTranslationTable(SQLModel, table=True):
    """A product text the language model translated, once, into a language the catalogue lacks; `source_hash` is the
    hash of the text it translated, so an edit of the catalogue makes it stale. The merchant's own translations
    (`product_translation`) always win over these."""

    __tablename__ = "product_machine_translation"

    product_id: int = Field(foreign_key="product.id", primary_key=True, ondelete="CASCADE")
    language: str = Field(max_length=16, primary_key=True)
    field: str = Field(max_length=16, primary_key=True)
    source_hash: str = Field(max_length=64)
    text: str = Field(sa_type=sa.Text)
    translated_at: datetime = _timestamp()


class SkuTable(SQLModel, table=True):
    __tablename__ = "sku"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "variant", name="uq_sku_product_variant"),
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
        sa.CheckConstraint("owed >= 0", name="owed_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    variant: str = Field(default="", max_length=32)
    price_minor: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    stock: int = Field(default=0)
    # Units held in carts beyond what the last import left on sale (the merchant lowered the stock below them):
    # holds that end pay this back first, so those units never go on sale again.
    owed: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    position: int = Field(default=0)
    active: bool = Field(default=True)
    # The variant's name by language ({"de": "Elfenbein"}): read with the SKU by every statement that reads the
    # SKU, so a cart line or a keyword order is named in the buyer's language without another query.
    variant_names: dict[str, str] = Field(
        default_factory=dict, sa_type=sa.JSON, sa_column_kwargs={"server_default": "{}"}
    )
    updated_at: datetime = _timestamp()


class CatalogueVersionTable(SQLModel, table=True):
    """One row whose `version` every catalogue import raises, in the import's own transaction: running bots compare it
    every few seconds and reload their codes when it moved (bot/services/keywords.py)."""

    __tablename__ = "catalogue_version"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    version: int = Field(default=0, sa_type=sa.BigInteger)
    updated_at: datetime = _timestamp()


class BuyerTable(SQLModel, table=True):
    __tablename__ = "buyer"

    telegram_id: int = Field(sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    language: str = Field(max_length=16)
    country: str | None = Field(default=None, max_length=2)
    currency: str | None = Field(default=None, max_length=3)
    # The country the person's app language names (pt-BR -> BR): the currency prices default to.
    region: str | None = Field(default=None, max_length=2)
    timezone: str | None = Field(default=None, max_length=64)
    name: str = Field(default="", max_length=200)
    # The Telegram @username without "@", in lower case, as last seen; None for someone without one.
    username: str | None = Field(default=None, max_length=64, index=True)
    subscribed: bool = Field(default=False)
    blocked: bool = Field(default=False)
    # False for someone known only from a group comment: the bot may not write to them privately yet.
    started: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    # The product whose card the buyer saw last. No foreign key: products are never deleted, only taken off sale,
    # and a card view should not lock the product row.
    last_product_id: int | None = Field(default=None)
    created_at: datetime = _timestamp()


OPEN_ORDER = sa.text("status IN ('cart', 'checkout')")


class OrderTable(SQLModel, table=True):
    """An order from cart to delivery. `currency` and the amounts are what the buyer pays, locked at checkout."""

    __tablename__ = "orders"
    __table_args__ = (
        # One open cart per buyer, whatever the backend: a partial unique index.
        sa.Index(
            "ux_orders_open_per_buyer",
            "buyer_id",
            unique=True,
            sqlite_where=OPEN_ORDER,
            postgresql_where=OPEN_ORDER,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    buyer_id: int = Field(sa_type=sa.BigInteger, foreign_key="buyer.telegram_id", index=True)
    status: str = Field(default="cart", max_length=24, index=True)
    currency: str = Field(max_length=3)
    total_minor: int = Field(default=0, sa_type=sa.BigInteger)
    subtotal_minor: int = Field(default=0, sa_type=sa.BigInteger, sa_column_kwargs={"server_default": "0"})
    shipping_minor: int = Field(default=0, sa_type=sa.BigInteger, sa_column_kwargs={"server_default": "0"})
    # Units of `currency` per unit of `shop_currency`, as exact decimal text (SQLite has no exact numeric).
    fx_rate: str | None = Field(default=None, max_length=40)
    shop_currency: str | None = Field(default=None, max_length=3)
    ship_country: str | None = Field(default=None, max_length=2)
    ship_name: str | None = Field(default=None, max_length=200)
    ship_address: str | None = Field(default=None, max_length=500)
    ship_phone: str | None = Field(default=None, max_length=40)
    # When the order started waiting for payment: the payment timeout counts from here.
    placed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True), index=True)
    # The stream that was live when the cart was opened or the order placed: its totals count the order.
    stream_id: int | None = Field(default=None, foreign_key="stream.id", index=True)
    # When the order moved to "paid" (set with the status change; exports and reports read it).
    paid_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    created_at: datetime = _timestamp(index=True)
    updated_at: datetime = _timestamp()


class OrderLineTable(SQLModel, table=True):
    """A SKU in an order. Its units are already taken off `sku.stock`; `hold_expires_at` says until when."""

    __tablename__ = "order_line"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "sku_id", name="uq_order_line_order_sku"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True, ondelete="CASCADE")
    sku_id: int = Field(foreign_key="sku.id", index=True)
    quantity: int
    unit_price_minor: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    hold_expires_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True), index=True)
    reminded_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class OrderEventTable(SQLModel, table=True):
    """Every change of an order, with when it happened: status moves, released holds, waitlist offers."""

    __tablename__ = "order_event"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=24)
    from_status: str | None = Field(default=None, max_length=24)
    to_status: str | None = Field(default=None, max_length=24)
    detail: str = Field(default="", max_length=200)
    at: datetime = _timestamp()


class WaitlistTable(SQLModel, table=True):
    """Buyers waiting for a sold-out SKU, served in `id` order."""

    __tablename__ = "waitlist"
    __table_args__ = (sa.UniqueConstraint("sku_id", "buyer_id", name="uq_waitlist_sku_buyer"),)

    id: int | None = Field(default=None, primary_key=True)
    sku_id: int = Field(foreign_key="sku.id", index=True)
    buyer_id: int = Field(sa_type=sa.BigInteger, foreign_key="buyer.telegram_id")
    quantity: int
    created_at: datetime = _timestamp()


OPEN_ATTEMPT = sa.text("status = 'open'")


class PaymentAttemptTable(SQLModel, table=True):
    """One payment session of an order at a provider. At most one per order is open (a partial unique index)."""

    __tablename__ = "payment_attempt"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "number", name="uq_payment_attempt_order_number"),
        sa.UniqueConstraint("provider", "reference", name="uq_payment_attempt_provider_reference"),
        sa.Index(
            "ux_payment_attempt_open_per_order",
            "order_id",
            unique=True,
            sqlite_where=OPEN_ATTEMPT,
            postgresql_where=OPEN_ATTEMPT,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    number: int
    provider: str = Field(max_length=16)
    idempotency_key: str = Field(max_length=80, unique=True)
    reference: str | None = Field(default=None, max_length=255)
    url: str | None = Field(default=None, max_length=2000)
    amount_minor: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    status: str = Field(default="open", max_length=16)
    provider_payment_id: str = Field(default="", max_length=255)
    created_at: datetime = _timestamp()
    expires_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    settled_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class PaymentEventTable(SQLModel, table=True):
    """Every provider event, once: (provider, event_id) is unique, so a replayed webhook finds its row and stops."""

    __tablename__ = "payment_event"
    __table_args__ = (sa.UniqueConstraint("provider", "event_id", name="uq_payment_event_provider_event"),)

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=16)
    event_id: str = Field(max_length=255)
    kind: str = Field(max_length=16)
    reference: str = Field(default="", max_length=255)
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True)
    outcome: str = Field(default="", max_length=16)
    detail: str = Field(default="", max_length=200)
    received_at: datetime = _timestamp()


class BroadcastTable(SQLModel, table=True):
    """One message to many chats (docs/broadcasts.md). (kind, reference) is unique: opening it twice opens it once.
    The bot process holding the lease (`lease_owner` until `lease_until`) is the only one sending it."""

    __tablename__ = "broadcast"
    __table_args__ = (sa.UniqueConstraint("kind", "reference", name="uq_broadcast_kind_reference"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)
    # None only inside the unit that opens a MESSAGE broadcast (its reference is its own id).
    reference: int | None = Field(default=None, sa_type=sa.BigInteger)
    status: str = Field(default="running", max_length=16, index=True)
    text: str | None = Field(default=None, sa_type=sa.Text)
    created_by: int | None = Field(default=None, sa_type=sa.BigInteger)
    created_at: datetime = _timestamp()
    started_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    finished_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    reported: bool = Field(default=False)


class DeliveryTable(SQLModel, table=True):
    """One chat a broadcast goes to, with what its message is drawn in (snapshotted when the broadcast opened).
    Recorded SENDING just before the send and SENT/BLOCKED/FAILED after: one found SENDING after a crash is never
    sent again."""

    __tablename__ = "delivery"
    __table_args__ = (
        sa.UniqueConstraint("broadcast_id", "chat_id", name="uq_delivery_broadcast_chat"),
        sa.Index("ix_delivery_broadcast_status", "broadcast_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    broadcast_id: int = Field(foreign_key="broadcast.id", ondelete="CASCADE")
    chat_id: int = Field(sa_type=sa.BigInteger)
    language: str = Field(max_length=16)
    timezone: str | None = Field(default=None, max_length=64)
    currency: str | None = Field(default=None, max_length=3)
    private: bool = Field(default=True)
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    last_error: str = Field(default="", max_length=300)
    # A retry waits until then (after a failed send, or a 429).
    not_before: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    sent_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    message_id: int | None = Field(default=None, sa_type=sa.BigInteger)


class StreamTable(SQLModel, table=True):
    """A live stream a merchant planned; its announcements go out from `announcement`."""

    __tablename__ = "stream"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    # The title by language where the merchant gave one ({"de": "..."}); `title` otherwise.
    titles: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    starts_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    duration_seconds: int
    status: str = Field(default="scheduled", max_length=16, index=True)
    timezone: str = Field(max_length=64)
    link: str | None = Field(default=None, max_length=500)
    chat_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    created_by: int | None = Field(default=None, sa_type=sa.BigInteger)
    live_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    ended_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    pinned_chat_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    pinned_message_id: int | None = Field(default=None, sa_type=sa.BigInteger)
    created_at: datetime = _timestamp()


class StreamProductTable(SQLModel, table=True):
    """The products a stream features, in the merchant's order."""

    __tablename__ = "stream_product"

    stream_id: int = Field(foreign_key="stream.id", primary_key=True, ondelete="CASCADE")
    product_id: int = Field(foreign_key="product.id", primary_key=True, index=True)
    position: int = Field(default=0)


class AnnouncementTable(SQLModel, table=True):
    """One message of a stream to every subscriber: a reminder at an offset before the start, or "live now".

    The database says what is due; one bot process claims a due row (pending -> sending) in one conditional
    statement, so it is announced once however many processes run."""

    __tablename__ = "announcement"
    __table_args__ = (
        sa.UniqueConstraint("stream_id", "kind", "offset_seconds", name="uq_announcement_stream_kind_offset"),
        sa.Index("ix_announcement_status_due_at", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    stream_id: int = Field(foreign_key="stream.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    offset_seconds: int = Field(default=0)
    due_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    status: str = Field(default="pending", max_length=16)
    claimed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    # The broadcast that carries it, once opened: a claim without one after a crash is taken again.
    broadcast_id: int | None = Field(default=None)
    sent_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class HandOffTable(SQLModel, table=True):
    """A buyer's question the bot posted to a staff chat (`chat_id`, `message_id`): a reply to that message is
    relayed to the buyer, by whichever bot process receives it."""

    __tablename__ = "hand_off"
    __table_args__ = (sa.UniqueConstraint("chat_id", "message_id", name="uq_hand_off_chat_message"),)

    id: int | None = Field(default=None, primary_key=True)
    buyer_id: int = Field(sa_type=sa.BigInteger)
    buyer_language: str = Field(max_length=16)
    question: str = Field(sa_type=sa.Text)
    chat_id: int = Field(sa_type=sa.BigInteger)
    message_id: int = Field(sa_type=sa.BigInteger)
    created_at: datetime = _timestamp()


class SaidMessageTable(SQLModel, table=True):
    """What a merchant said with /say during a live stream; a SAY broadcast carries it to every chat."""

    __tablename__ = "said_message"

    id: int | None = Field(default=None, primary_key=True)
    stream_id: int = Field(foreign_key="stream.id", index=True, ondelete="CASCADE")
    text: str = Field(sa_type=sa.Text)
    language: str = Field(max_length=16)
    created_by: int | None = Field(default=None, sa_type=sa.BigInteger)
    created_at: datetime = _timestamp()


class SaidTranslationTable(SQLModel, table=True):
    """A said message in one language, translated once by the language model."""

    __tablename__ = "said_translation"

    message_id: int = Field(foreign_key="said_message.id", primary_key=True, ondelete="CASCADE")
    language: str = Field(max_length=16, primary_key=True)
    text: str = Field(sa_type=sa.Text)


class RoleGrantTable(SQLModel, table=True):
    """A role (ops or merchant) granted to a person in chat (/grant) or the CLI, on top of OPS_IDS / MERCHANT_IDS."""

    __tablename__ = "role_grant"

    telegram_id: int = Field(sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    role: str = Field(max_length=16, primary_key=True)
    granted_by: int | None = Field(default=None, sa_type=sa.BigInteger)
    granted_at: datetime = _timestamp()


class ReportRunTable(SQLModel, table=True):
    """A report for one period (the daily report of a shop day, a stream's report): inserting the (kind, period) row
    is the claim, so it is made once however many bot processes run."""

    __tablename__ = "report_run"
    __table_args__ = (sa.UniqueConstraint("kind", "period", name="uq_report_run_kind_period"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    period: str = Field(max_length=40)
    status: str = Field(default="claimed", max_length=16)
    claimed_at: datetime = _timestamp()
    sent_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    detail: str = Field(default="", max_length=300)


class UpdateClaimTable(SQLModel, table=True):
    """A Telegram update one bot process has taken (inserting the row is the claim) and, once handled, done: an update
    Telegram delivers again (after a timeout, a 5xx or a restart) is acknowledged and skipped by every process."""

    __tablename__ = "update_claim"

    update_id: int = Field(primary_key=True, sa_type=sa.BigInteger, sa_column_kwargs={"autoincrement": False})
    status: str = Field(default="handling", max_length=16)
    holder: str = Field(default="", max_length=64)
    claimed_at: datetime = _timestamp(index=True)
    done_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class JobLeaseTable(SQLModel, table=True):
    """Which bot process runs a periodic job (hold sweep, payment timeouts...) until when: the process holding an
    unexpired lease runs it, the others skip it, so a job runs once per due moment however many workers serve."""

    __tablename__ = "job_lease"

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=64)
    until: datetime = Field(sa_type=sa.DateTime(timezone=True), nullable=False)


class FsmStateTable(SQLModel, table=True):
    """Conversation state when no Redis is configured, so a restart loses no conversation."""

    __tablename__ = "fsm_state"

    key: str = Field(primary_key=True, max_length=300)
    state: str | None = Field(default=None, max_length=200)
    data: str = Field(default="{}", sa_type=sa.Text)
    updated_at: datetime = _timestamp()


# Core handles of the tables, for statements that need no ORM state (the hot paths and conditional updates).
products: sa.Table = ProductTable.__table__  # type: ignore[attr-defined]
translations: sa.Table = ProductTranslationTable.__table__  # type: ignore[attr-defined]
machine_translations: sa.Table = ProductMachineTranslationTable.__table__  # type: ignore[attr-defined]
skus: sa.Table = SkuTable.__table__  # type: ignore[attr-defined]
catalogue_versions: sa.Table = CatalogueVersionTable.__table__  # type: ignore[attr-defined]
buyers: sa.Table = BuyerTable.__table__  # type: ignore[attr-defined]
orders: sa.Table = OrderTable.__table__  # type: ignore[attr-defined]
lines: sa.Table = OrderLineTable.__table__  # type: ignore[attr-defined]
events: sa.Table = OrderEventTable.__table__  # type: ignore[attr-defined]
waitlist: sa.Table = WaitlistTable.__table__  # type: ignore[attr-defined]
fsm_states: sa.Table = FsmStateTable.__table__  # type: ignore[attr-defined]
payment_attempts: sa.Table = PaymentAttemptTable.__table__  # type: ignore[attr-defined]
payment_events: sa.Table = PaymentEventTable.__table__  # type: ignore[attr-defined]
broadcasts: sa.Table = BroadcastTable.__table__  # type: ignore[attr-defined]
deliveries: sa.Table = DeliveryTable.__table__  # type: ignore[attr-defined]
streams: sa.Table = StreamTable.__table__  # type: ignore[attr-defined]
stream_products: sa.Table = StreamProductTable.__table__  # type: ignore[attr-defined]
announcements: sa.Table = AnnouncementTable.__table__  # type: ignore[attr-defined]
hand_offs: sa.Table = HandOffTable.__table__  # type: ignore[attr-defined]
said_messages: sa.Table = SaidMessageTable.__table__  # type: ignore[attr-defined]
said_translations: sa.Table = SaidTranslationTable.__table__  # type: ignore[attr-defined]
role_grants: sa.Table = RoleGrantTable.__table__  # type: ignore[attr-defined]
report_runs: sa.Table = ReportRunTable.__table__  # type: ignore[attr-defined]
update_claims: sa.Table = UpdateClaimTable.__table__  # type: ignore[attr-defined]
job_leases: sa.Table = JobLeaseTable.__table__  # type: ignore[attr-defined]
