"""buyer.last_product_id: the product whose card a buyer saw last (what a question naming no product is about)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("buyer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_product_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("buyer", schema=None) as batch_op:
        batch_op.drop_column("last_product_id")
