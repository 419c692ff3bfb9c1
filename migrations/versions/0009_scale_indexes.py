"""Scale (issue 10): indexes for the order list (newest first, by status), the technician's
day, the secret-customer filter and the board's queue of open orders.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 08:00:00

On PostgreSQL the indexes are built ``CONCURRENTLY`` (outside the migration's transaction), so
upgrading a live database with millions of orders does not block writes.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

SECRET = "confidentiality = 'secret'"
QUEUE = "technician_id IS NULL AND status IN ('new', 'approved')"


def _postgresql():
    return op.get_bind().dialect.name == "postgresql"


def _create(name, table, columns, where=None):
    if _postgresql():
        with op.get_context().autocommit_block():
            op.create_index(name, table, columns, postgresql_concurrently=True,
                            postgresql_where=sa.text(where) if where else None,
                            if_not_exists=True)
    else:
        op.create_index(name, table, columns, sqlite_where=sa.text(where) if where else None)


def _drop(name, table):
    if _postgresql():
        with op.get_context().autocommit_block():
            op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
    else:
        op.drop_index(name, table_name=table)


def upgrade():
    _create('ix_work_orders_created_id', 'work_orders', ['created_at', 'id'])
    _drop('ix_work_orders_created_at', 'work_orders')
    _create('ix_work_orders_status_created', 'work_orders', ['status', 'created_at', 'id'])
    _create('ix_work_orders_technician_jobs', 'work_orders',
            ['technician_id', 'status', 'completed_at'])
    _drop('ix_work_orders_technician_status', 'work_orders')
    _create('ix_customers_secret', 'customers', ['id'], SECRET)
    _create('ix_work_orders_queue', 'work_orders', [sa.text('priority DESC'), 'created_at'], QUEUE)


def downgrade():
    _drop('ix_work_orders_queue', 'work_orders')
    _drop('ix_customers_secret', 'customers')
    _create('ix_work_orders_technician_status', 'work_orders', ['technician_id', 'status'])
    _drop('ix_work_orders_technician_jobs', 'work_orders')
    _drop('ix_work_orders_status_created', 'work_orders')
    _create('ix_work_orders_created_at', 'work_orders', ['created_at'])
    _drop('ix_work_orders_created_id', 'work_orders')
