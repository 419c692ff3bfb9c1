"""Overview: the orders-by-created-time and completions-by-time indexes also hold what the
manager overview's charts read (kind; call, arrival and customer), so a fortnight's figures
come from the indexes alone on a million orders

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 17:50:00

Each replaces an index that is a prefix of it (the order list's keyset on ``created_at, id``;
today's completions per technician on ``completed_at, technician_id``). On PostgreSQL the new
ones are built ``CONCURRENTLY`` before the old ones are dropped, so upgrading a live database
neither blocks writes nor leaves the queries without an index.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def _create(name, columns):
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.create_index(name, 'work_orders', columns, postgresql_concurrently=True,
                            if_not_exists=True)
    else:
        op.create_index(name, 'work_orders', columns)


def _drop(name):
    if op.get_bind().dialect.name == 'postgresql':
        with op.get_context().autocommit_block():
            op.drop_index(name, table_name='work_orders', postgresql_concurrently=True,
                          if_exists=True)
    else:
        op.drop_index(name, table_name='work_orders')


def upgrade():
    _create('ix_work_orders_created_list', ['created_at', 'id', 'customer_id', 'kind'])
    _create('ix_work_orders_completed_times',
            ['completed_at', 'technician_id', 'on_site_at', 'created_at', 'customer_id'])
    _drop('ix_work_orders_created_id')
    _drop('ix_work_orders_completed_technician')


def downgrade():
    _create('ix_work_orders_completed_technician', ['completed_at', 'technician_id'])
    _create('ix_work_orders_created_id', ['created_at', 'id'])
    _drop('ix_work_orders_completed_times')
    _drop('ix_work_orders_created_list')
