"""Board: cache versions (the technician roster), a partial index of the orders in hand,
completions by time with their technician

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


def _create(name, columns, where=None):
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():  # no write lock on a live table
            op.create_index(name, 'work_orders', columns, postgresql_concurrently=True,
                            postgresql_where=sa.text(where) if where else None, if_not_exists=True)
    else:
        op.create_index(name, 'work_orders', columns, sqlite_where=sa.text(where) if where else None)


def _drop(name):
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.drop_index(name, table_name='work_orders', postgresql_concurrently=True,
                          if_exists=True)
    else:
        op.drop_index(name, table_name='work_orders')


def upgrade():
    cache_versions = op.create_table('cache_versions',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_versions'))
    )
    op.bulk_insert(cache_versions, [{'name': 'roster', 'version': 0}])
    _create('ix_work_orders_in_hands', ['technician_id'], BUSY)
    _create('ix_work_orders_completed_technician', ['completed_at', 'technician_id'])
    _drop('ix_work_orders_completed_at')


def downgrade():
    _create('ix_work_orders_completed_at', ['completed_at'])
    _drop('ix_work_orders_completed_technician')
    _drop('ix_work_orders_in_hands')
    op.drop_table('cache_versions')
