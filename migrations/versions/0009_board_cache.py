"""Board: cache versions (roster), the unassigned-queue index

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 08:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OPEN_QUEUE = sa.text("technician_id IS NULL AND status IN ('new', 'approved')")


def upgrade():
    cache_versions = op.create_table('cache_versions',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_versions'))
    )
    op.bulk_insert(cache_versions, [{'name': 'roster', 'version': 0}])
    op.create_index('ix_work_orders_open_queue', 'work_orders',
                    [sa.text('priority DESC'), 'created_at'], unique=False,
                    sqlite_where=OPEN_QUEUE, postgresql_where=OPEN_QUEUE)


def downgrade():
    op.drop_index('ix_work_orders_open_queue', table_name='work_orders')
    op.drop_table('cache_versions')
