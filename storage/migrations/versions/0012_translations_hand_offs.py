"""product_machine_translation (product texts the language model translated, with the hash of their source text),
hand_off (questions posted to staff, so replies go back to the buyer) and said_message / said_translation (/say)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "product_machine_translation",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("field", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("source_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("translated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_product_machine_translation_product_id_product"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "language", "field", name=op.f("pk_product_machine_translation")),
    )

    op.create_table(
        "hand_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("buyer_id", sa.BigInteger(), nullable=False),
        sa.Column("buyer_language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hand_off")),
        sa.UniqueConstraint("chat_id", "message_id", name="uq_hand_off_chat_message"),
    )
    op.create_table(
        "said_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("stream_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["stream_id"], ["stream.id"], name=op.f("fk_said_message_stream_id_stream"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_said_message")),
    )
    with op.batch_alter_table("said_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_said_message_stream_id"), ["stream_id"], unique=False)
    op.create_table(
        "said_translation",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["said_message.id"],
            name=op.f("fk_said_translation_message_id_said_message"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", "language", name=op.f("pk_said_translation")),
    )


def downgrade() -> None:
    op.drop_table("said_translation")
    with op.batch_alter_table("said_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_said_message_stream_id"))
    op.drop_table("said_message")
    op.drop_table("hand_off")
    op.drop_table("product_machine_translation")
