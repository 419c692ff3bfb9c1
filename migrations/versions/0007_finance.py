"""Finance: collections, cash handovers, adjustments, locked days

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 05:58:28.153596

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('finance_locked_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('locked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['locked_by_id'], ['users.id'], name=op.f('fk_finance_locked_days_locked_by_id_users')),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_finance_locked_days'))
    )
    op.create_table('cash_handovers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_cash_handovers_amount_positive')),
    sa.ForeignKeyConstraint(['received_by_id'], ['users.id'], name=op.f('fk_cash_handovers_received_by_id_users')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_cash_handovers_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cash_handovers'))
    )
    with op.batch_alter_table('cash_handovers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cash_handovers_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_cash_handovers_technician_id'), ['technician_id'], unique=False)

    op.create_table('finance_adjustments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount <> 0', name=op.f('ck_finance_adjustments_amount_not_zero')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_finance_adjustments_created_by_id_users')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_finance_adjustments_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_finance_adjustments'))
    )
    with op.batch_alter_table('finance_adjustments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_finance_adjustments_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_finance_adjustments_technician_id'), ['technician_id'], unique=False)

    op.create_table('collections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('payment_method', sa.String(length=10), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.CheckConstraint("payment_method IN ('cash', 'transfer')", name=op.f('ck_collections_method_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_collections_amount_positive')),
    sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_collections_order_id_work_orders')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_collections_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collections')),
    sa.UniqueConstraint('order_id', name=op.f('uq_collections_order_id'))
    )
    with op.batch_alter_table('collections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collections_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_collections_technician_id'), ['technician_id'], unique=False)



def downgrade():
    with op.batch_alter_table('collections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collections_technician_id'))
        batch_op.drop_index(batch_op.f('ix_collections_day'))

    op.drop_table('collections')
    with op.batch_alter_table('finance_adjustments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_finance_adjustments_technician_id'))
        batch_op.drop_index(batch_op.f('ix_finance_adjustments_day'))

    op.drop_table('finance_adjustments')
    with op.batch_alter_table('cash_handovers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cash_handovers_technician_id'))
        batch_op.drop_index(batch_op.f('ix_cash_handovers_day'))

    op.drop_table('cash_handovers')
    op.drop_table('finance_locked_days')
