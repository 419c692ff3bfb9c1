"""Inventory: stock locations, movement ledger, balances, serial locations, planned parts,
shortage approvals

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 05:16:27.454591

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stock_locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'van') = (technician_id IS NOT NULL)", name=op.f('ck_stock_locations_van_iff_technician')),
    sa.CheckConstraint("NOT is_default OR kind = 'warehouse'", name=op.f('ck_stock_locations_default_is_warehouse')),
    sa.CheckConstraint("kind IN ('warehouse', 'van', 'workshop', 'vendor')", name=op.f('ck_stock_locations_kind_known')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_stock_locations_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_locations')),
    sa.UniqueConstraint('code', name=op.f('uq_stock_locations_code')),
    sa.UniqueConstraint('technician_id', name=op.f('uq_stock_locations_technician_id'))
    )
    with op.batch_alter_table('stock_locations', schema=None) as batch_op:
        batch_op.create_index('uq_stock_locations_default', ['is_default'], unique=True, sqlite_where=sa.text('is_default'), postgresql_where=sa.text('is_default'))

    op.create_table('planned_parts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=40), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('qty > 0', name=op.f('ck_planned_parts_qty_positive')),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_planned_parts_order_id_work_orders')),
    sa.ForeignKeyConstraint(['sku'], ['parts.sku'], name=op.f('fk_planned_parts_sku_parts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_parts')),
    sa.UniqueConstraint('order_id', 'sku', name='uq_planned_parts_order_sku')
    )
    with op.batch_alter_table('planned_parts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_planned_parts_order_id'), ['order_id'], unique=False)

    op.create_table('shortage_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=40), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('qty > 0', name=op.f('ck_shortage_approvals_qty_positive')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_shortage_approvals_approved_by_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_shortage_approvals_order_id_work_orders')),
    sa.ForeignKeyConstraint(['sku'], ['parts.sku'], name=op.f('fk_shortage_approvals_sku_parts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shortage_approvals'))
    )
    with op.batch_alter_table('shortage_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shortage_approvals_order_id'), ['order_id'], unique=False)

    op.create_table('stock_balances',
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=40), nullable=False),
    sa.Column('on_hand', sa.Integer(), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.CheckConstraint('on_hand >= 0', name=op.f('ck_stock_balances_on_hand_not_negative')),
    sa.CheckConstraint('reserved <= on_hand', name=op.f('ck_stock_balances_reserved_within_on_hand')),
    sa.CheckConstraint('reserved >= 0', name=op.f('ck_stock_balances_reserved_not_negative')),
    sa.ForeignKeyConstraint(['location_id'], ['stock_locations.id'], name=op.f('fk_stock_balances_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['sku'], ['parts.sku'], name=op.f('fk_stock_balances_sku_parts')),
    sa.PrimaryKeyConstraint('location_id', 'sku', name=op.f('pk_stock_balances'))
    )
    with op.batch_alter_table('stock_balances', schema=None) as batch_op:
        batch_op.create_index('ix_stock_balances_sku', ['sku'], unique=False)

    op.create_table('stock_movements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sku', sa.String(length=40), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('from_location_id', sa.Integer(), nullable=True),
    sa.Column('to_location_id', sa.Integer(), nullable=True),
    sa.Column('serial', sa.String(length=32), nullable=True),
    sa.Column('work_order_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.CheckConstraint("kind <> 'adjust' OR reason <> ''", name=op.f('ck_stock_movements_adjust_has_reason')),
    sa.CheckConstraint("kind IN ('receive', 'transfer', 'reserve', 'release', 'consume', 'return_faulty', 'send_to_vendor', 'back_from_vendor', 'adjust')", name=op.f('ck_stock_movements_kind_known')),
    sa.CheckConstraint('from_location_id IS NOT NULL OR to_location_id IS NOT NULL', name=op.f('ck_stock_movements_has_location')),
    sa.CheckConstraint('qty > 0', name=op.f('ck_stock_movements_qty_positive')),
    sa.ForeignKeyConstraint(['from_location_id'], ['stock_locations.id'], name=op.f('fk_stock_movements_from_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['sku'], ['parts.sku'], name=op.f('fk_stock_movements_sku_parts')),
    sa.ForeignKeyConstraint(['to_location_id'], ['stock_locations.id'], name=op.f('fk_stock_movements_to_location_id_stock_locations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_stock_movements_user_id_users')),
    sa.ForeignKeyConstraint(['work_order_id'], ['work_orders.id'], name=op.f('fk_stock_movements_work_order_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movements'))
    )
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.create_index('ix_stock_movements_order', ['work_order_id'], unique=False)
        batch_op.create_index('ix_stock_movements_sku_at', ['sku', 'at'], unique=False)

    with op.batch_alter_table('sims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('location_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_sims_location_id'), ['location_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_sims_location_id_stock_locations'), 'stock_locations', ['location_id'], ['id'])

    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('location_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_terminals_location_id'), ['location_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_terminals_location_id_stock_locations'), 'stock_locations', ['location_id'], ['id'])



def downgrade():
    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_terminals_location_id_stock_locations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_terminals_location_id'))
        batch_op.drop_column('location_id')

    with op.batch_alter_table('sims', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sims_location_id_stock_locations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_sims_location_id'))
        batch_op.drop_column('location_id')

    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_movements_sku_at')
        batch_op.drop_index('ix_stock_movements_order')

    op.drop_table('stock_movements')
    with op.batch_alter_table('stock_balances', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_balances_sku')

    op.drop_table('stock_balances')
    with op.batch_alter_table('shortage_approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shortage_approvals_order_id'))

    op.drop_table('shortage_approvals')
    with op.batch_alter_table('planned_parts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_planned_parts_order_id'))

    op.drop_table('planned_parts')
    with op.batch_alter_table('stock_locations', schema=None) as batch_op:
        batch_op.drop_index('uq_stock_locations_default', sqlite_where=sa.text('is_default'), postgresql_where=sa.text('is_default'))

    op.drop_table('stock_locations')
