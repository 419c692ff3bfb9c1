"""Board: cache versions (roster), partial indexes for the unassigned queue, orders in hand and
secret customers

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
BUSY = sa.text("status IN ('assigned', 'en_route', 'on_site')")
SECRET = sa.text("confidentiality = 'secret'")


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
    op.create_index('ix_work_orders_in_hands', 'work_orders', ['technician_id'], unique=False,
                    sqlite_where=BUSY, postgresql_where=BUSY)
    op.create_index('ix_customers_secret', 'customers', ['id'], unique=False,
                    sqlite_where=SECRET, postgresql_where=SECRET)


def downgrade():
    op.drop_index('ix_customers_secret', table_name='customers')
    op.drop_index('ix_work_orders_in_hands', table_name='work_orders')
    op.drop_index('ix_work_orders_open_queue', table_name='work_orders')
    op.drop_table('cache_versions')
