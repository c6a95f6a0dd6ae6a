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


class SkuTable(SQLModel, table=True):
    __tablename__ = "sku"
    __table_args__ = (
        sa.UniqueConstraint("product_id", "variant", name="uq_sku_product_variant"),
        sa.CheckConstraint("stock >= 0", name="stock_not_negative"),
    )

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    variant: str = Field(default="", max_length=32)
    price_minor: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)
    stock: int = Field(default=0)
    position: int = Field(default=0)
    active: bool = Field(default=True)
    updated_at: datetime = _timestamp()


class BuyerTable(SQLModel, table=True):
    __tablename__ = "buyer"

    telegram_id: int = Field(sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    language: str = Field(max_length=16)
    country: str | None = Field(default=None, max_length=2)
    currency: str | None = Field(default=None, max_length=3)
    name: str = Field(default="", max_length=200)
    subscribed: bool = Field(default=False)
    blocked: bool = Field(default=False)
    created_at: datetime = _timestamp()


class OrderTable(SQLModel, table=True):
    __tablename__ = "orders"

    id: int | None = Field(default=None, primary_key=True)
    buyer_id: int = Field(sa_type=sa.BigInteger, foreign_key="buyer.telegram_id", index=True)
    status: str = Field(default="cart", max_length=24, index=True)
    currency: str = Field(max_length=3)
    total_minor: int = Field(default=0, sa_type=sa.BigInteger)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class OrderLineTable(SQLModel, table=True):
    __tablename__ = "order_line"

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True, ondelete="CASCADE")
    sku_id: int = Field(foreign_key="sku.id", index=True)
    quantity: int
    unit_price_minor: int = Field(sa_type=sa.BigInteger)
    currency: str = Field(max_length=3)


class FsmStateTable(SQLModel, table=True):
    """Conversation state when no Redis is configured, so a restart loses no conversation."""

    __tablename__ = "fsm_state"

    key: str = Field(primary_key=True, max_length=300)
    state: str | None = Field(default=None, max_length=200)
    data: str = Field(default="{}", sa_type=sa.Text)
    updated_at: datetime = _timestamp()
