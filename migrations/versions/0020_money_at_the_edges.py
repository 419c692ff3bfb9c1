"""Money at the edges (issue 18): the on_account payment method and receivables

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 14:30:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

OLD = "payment_method IS NULL OR payment_method IN ('cash', 'transfer', 'none')"
NEW = "payment_method IS NULL OR payment_method IN ('cash', 'transfer', 'on_account', 'none')"


def _payment_methods(check: str) -> None:
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_work_orders_payment_method_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_work_orders_payment_method_known'), check)


def upgrade():
    _payment_methods(NEW)
    op.create_table(
        'receivables',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('settled_how', sa.String(length=10), nullable=True),
        sa.Column('settled_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('amount > 0', name=op.f('ck_receivables_amount_positive')),
        sa.CheckConstraint("settled_how IS NULL OR settled_how IN ('transfer', 'cash')",
                           name=op.f('ck_receivables_settled_how_known')),
        sa.CheckConstraint('(settled_at IS NULL) = (settled_how IS NULL)',
                           name=op.f('ck_receivables_settled_together')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                                name=op.f('fk_receivables_customer_id_customers')),
        sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'],
                                name=op.f('fk_receivables_order_id_work_orders')),
        sa.ForeignKeyConstraint(['settled_by_id'], ['users.id'],
                                name=op.f('fk_receivables_settled_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_receivables')),
        sa.UniqueConstraint('order_id', name=op.f('uq_receivables_order_id')),
    )
    with op.batch_alter_table('receivables', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receivables_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_receivables_day'), ['day'], unique=False)


def downgrade():
    with op.batch_alter_table('receivables', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receivables_day'))
        batch_op.drop_index(batch_op.f('ix_receivables_customer_id'))
    op.drop_table('receivables')
    op.execute("UPDATE work_orders SET payment_method = 'none' WHERE payment_method = 'on_account'")
    _payment_methods(OLD)
