"""payments: attempts (one open per order), provider events (unique per provider and id), orders.placed_at

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:54:46.769565
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('payment_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('amount_minor', sa.BigInteger(), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('provider_payment_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_payment_attempt_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_attempt')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payment_attempt_idempotency_key')),
    sa.UniqueConstraint('order_id', 'number', name='uq_payment_attempt_order_number'),
    sa.UniqueConstraint('provider', 'reference', name='uq_payment_attempt_provider_reference')
    )
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_attempt_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ux_payment_attempt_open_per_order', ['order_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('payment_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_payment_event_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_event')),
    sa.UniqueConstraint('provider', 'event_id', name='uq_payment_event_provider_event')
    )
    with op.batch_alter_table('payment_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_event_order_id'), ['order_id'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('placed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_orders_placed_at'), ['placed_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_placed_at'))
        batch_op.drop_column('placed_at')

    with op.batch_alter_table('payment_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_event_order_id'))

    op.drop_table('payment_event')
    with op.batch_alter_table('payment_attempt', schema=None) as batch_op:
        batch_op.drop_index('ux_payment_attempt_open_per_order', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_payment_attempt_order_id'))

    op.drop_table('payment_attempt')
