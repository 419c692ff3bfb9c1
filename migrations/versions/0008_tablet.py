"""Technician tablet: idempotency keys, order photos

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 05:59:38.681141

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('endpoint', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotency_keys_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('user_id', 'key', name='uq_idempotency_user_key')
    )
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_keys_user_id'), ['user_id'], unique=False)
    op.create_table('order_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('taken_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("stage IN ('before', 'after')", name=op.f('ck_order_photos_stage')),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_order_photos_order_id_work_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['taken_by_id'], ['users.id'], name=op.f('fk_order_photos_taken_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_photos'))
    )
    with op.batch_alter_table('order_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_photos_order_id'), ['order_id'], unique=False)



def downgrade():
    with op.batch_alter_table('order_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_photos_order_id'))

    op.drop_table('order_photos')
    with op.batch_alter_table('idempotency_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_keys_user_id'))

    op.drop_table('idempotency_keys')
