"""sku.owed: units held in carts beyond what the last catalogue import left on sale

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 01:29:20
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sku", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owed", sa.Integer(), server_default="0", nullable=False))
        batch_op.create_check_constraint(op.f("ck_sku_owed_not_negative"), "owed >= 0")


def downgrade() -> None:
    with op.batch_alter_table("sku", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_sku_owed_not_negative"), type_="check")
        batch_op.drop_column("owed")
