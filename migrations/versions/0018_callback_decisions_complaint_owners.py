"""Firm rules (issue 18): a manager's decision after failed callbacks (R14), complaint owners
(R13)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 15:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'callback_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('workorder_id', sa.Integer(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_callback_decisions_decided_by_id_users')),
        sa.ForeignKeyConstraint(['workorder_id'], ['work_orders.id'],
                                name=op.f('fk_callback_decisions_workorder_id_work_orders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_decisions')),
        sa.UniqueConstraint('workorder_id', name=op.f('uq_callback_decisions_workorder_id')),
    )
    with op.batch_alter_table('complaints') as batch:
        batch.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
    op.execute("UPDATE complaints SET owner_id = created_by_id")
    with op.batch_alter_table('complaints') as batch:
        batch.alter_column('owner_id', existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(op.f('fk_complaints_owner_id_users'), 'users', ['owner_id'],
                                 ['id'])
        batch.create_index(op.f('ix_complaints_owner_id'), ['owner_id'])


def downgrade():
    with op.batch_alter_table('complaints') as batch:
        batch.drop_index(op.f('ix_complaints_owner_id'))
        batch.drop_constraint(op.f('fk_complaints_owner_id_users'), type_='foreignkey')
        batch.drop_column('owner_id')
    op.drop_table('callback_decisions')
