"""streams: stream, stream_product, announcement (one row per message, claimed once), orders.stream_id

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 21:29:20.388001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('stream',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('titles', sa.JSON(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_seconds', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('created_by', sa.BigInteger(), nullable=True),
    sa.Column('live_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pinned_chat_id', sa.BigInteger(), nullable=True),
    sa.Column('pinned_message_id', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stream'))
    )
    with op.batch_alter_table('stream', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stream_status'), ['status'], unique=False)

    op.create_table('announcement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stream_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('offset_seconds', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('broadcast_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['stream_id'], ['stream.id'], name=op.f('fk_announcement_stream_id_stream'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement')),
    sa.UniqueConstraint('stream_id', 'kind', 'offset_seconds', name='uq_announcement_stream_kind_offset')
    )
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.create_index('ix_announcement_status_due_at', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_announcement_stream_id'), ['stream_id'], unique=False)

    op.create_table('stream_product',
    sa.Column('stream_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_stream_product_product_id_product')),
    sa.ForeignKeyConstraint(['stream_id'], ['stream.id'], name=op.f('fk_stream_product_stream_id_stream'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('stream_id', 'product_id', name=op.f('pk_stream_product'))
    )
    with op.batch_alter_table('stream_product', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stream_product_product_id'), ['product_id'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stream_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_orders_stream_id'), ['stream_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_orders_stream_id_stream'), 'stream', ['stream_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_orders_stream_id_stream'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_orders_stream_id'))
        batch_op.drop_column('stream_id')

    with op.batch_alter_table('stream_product', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stream_product_product_id'))

    op.drop_table('stream_product')
    with op.batch_alter_table('announcement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_stream_id'))
        batch_op.drop_index('ix_announcement_status_due_at')

    op.drop_table('announcement')
    with op.batch_alter_table('stream', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stream_status'))

    op.drop_table('stream')