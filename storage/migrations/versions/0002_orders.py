"""orders: carts with holds, order events, waitlists, checkout details; one open cart per buyer

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 23:59:35.413221
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('order_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('from_status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('to_status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_event_order_id_orders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_event'))
    )
    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_event_order_id'), ['order_id'], unique=False)

    op.create_table('waitlist',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sku_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['buyer.telegram_id'], name=op.f('fk_waitlist_buyer_id_buyer')),
    sa.ForeignKeyConstraint(['sku_id'], ['sku.id'], name=op.f('fk_waitlist_sku_id_sku')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist')),
    sa.UniqueConstraint('sku_id', 'buyer_id', name='uq_waitlist_sku_buyer')
    )
    with op.batch_alter_table('waitlist', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waitlist_sku_id'), ['sku_id'], unique=False)

    with op.batch_alter_table('buyer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started', sa.Boolean(), server_default=sa.true(), nullable=False))

    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hold_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_order_line_hold_expires_at'), ['hold_expires_at'], unique=False)
        batch_op.create_unique_constraint('uq_order_line_order_sku', ['order_id', 'sku_id'])
        batch_op.create_check_constraint(op.f('ck_order_line_quantity_positive'), 'quantity > 0')

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subtotal_minor', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('shipping_minor', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('fx_rate', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column('shop_currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=True))
        batch_op.add_column(sa.Column('ship_country', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True))
        batch_op.add_column(sa.Column('ship_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('ship_address', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
        batch_op.add_column(sa.Column('ship_phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.create_index('ux_orders_open_per_buyer', ['buyer_id'], unique=True, sqlite_where=sa.text("status IN ('cart', 'checkout')"), postgresql_where=sa.text("status IN ('cart', 'checkout')"))



def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ux_orders_open_per_buyer', sqlite_where=sa.text("status IN ('cart', 'checkout')"), postgresql_where=sa.text("status IN ('cart', 'checkout')"))
        batch_op.drop_column('ship_phone')
        batch_op.drop_column('ship_address')
        batch_op.drop_column('ship_name')
        batch_op.drop_column('ship_country')
        batch_op.drop_column('shop_currency')
        batch_op.drop_column('fx_rate')
        batch_op.drop_column('shipping_minor')
        batch_op.drop_column('subtotal_minor')

    with op.batch_alter_table('order_line', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_order_line_quantity_positive'), type_='check')
        batch_op.drop_constraint('uq_order_line_order_sku', type_='unique')
        batch_op.drop_index(batch_op.f('ix_order_line_hold_expires_at'))
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('hold_expires_at')

    with op.batch_alter_table('buyer', schema=None) as batch_op:
        batch_op.drop_column('started')

    with op.batch_alter_table('waitlist', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_waitlist_sku_id'))

    op.drop_table('waitlist')
    with op.batch_alter_table('order_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_event_order_id'))

    op.drop_table('order_event')
