"""Order list: status indexes that also hold the customer, so the list's bounded count and
its page are read from the index alone (staff kept from secret customers filter on it)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 13:10:00

On PostgreSQL the indexes are built ``CONCURRENTLY`` before the ones they replace are dropped,
so upgrading a live database neither blocks writes nor leaves the list without an index.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
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
    _create('ix_work_orders_status_list', ['status', 'created_at', 'id', 'customer_id'])
    _create('ix_work_orders_status_priority_list',
            ['status', 'priority', 'created_at', 'id', 'customer_id'])
    _drop('ix_work_orders_status_created')
    _drop('ix_work_orders_status_priority')


def downgrade():
    _create('ix_work_orders_status_priority', ['status', 'priority', 'created_at'])
    _create('ix_work_orders_status_created', ['status', 'created_at', 'id'])
    _drop('ix_work_orders_status_priority_list')
    _drop('ix_work_orders_status_list')
