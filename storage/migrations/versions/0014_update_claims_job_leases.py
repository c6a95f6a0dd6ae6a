"""update_claim (a Telegram update taken and handled once across bot processes) and job_lease (which process runs a
periodic job until when), for several webhook workers on one database

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "update_claim",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_update_claim")),
    )
    with op.batch_alter_table("update_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_update_claim_claimed_at"), ["claimed_at"], unique=False)
    op.create_table(
        "job_lease",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_lease")),
    )


def downgrade() -> None:
    op.drop_table("job_lease")
    with op.batch_alter_table("update_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_update_claim_claimed_at"))
    op.drop_table("update_claim")
