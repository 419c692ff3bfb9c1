"""Board: cache versions (the technician roster), a partial index of the orders in hand

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 08:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

BUSY = "status IN ('assigned', 'en_route', 'on_site')"


def upgrade():
    cache_versions = op.create_table('cache_versions',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_versions'))
    )
    op.bulk_insert(cache_versions, [{'name': 'roster', 'version': 0}])
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():  # no write lock on a live table
            op.create_index('ix_work_orders_in_hands', 'work_orders', ['technician_id'],
                            postgresql_where=sa.text(BUSY), postgresql_concurrently=True,
                            if_not_exists=True)
    else:
        op.create_index('ix_work_orders_in_hands', 'work_orders', ['technician_id'],
                        sqlite_where=sa.text(BUSY))


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.drop_index('ix_work_orders_in_hands', table_name='work_orders',
                          postgresql_concurrently=True, if_exists=True)
    else:
        op.drop_index('ix_work_orders_in_hands', table_name='work_orders')
    op.drop_table('cache_versions')
