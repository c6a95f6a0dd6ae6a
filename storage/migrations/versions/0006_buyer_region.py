"""buyer.region: the country a buyer's app language names (pt-BR -> BR), for the currency prices default to

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("buyer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("region", sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("buyer", schema=None) as batch_op:
        batch_op.drop_column("region")
