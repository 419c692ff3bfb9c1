"""Day plans solved in the background (issue 23): the request, its progress and its proposal

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 17:28:07
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('day_plan_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('order_ids', sa.JSON(), nullable=True),
    sa.Column('technician_ids', sa.JSON(), nullable=True),
    sa.Column('budget_seconds', sa.Float(), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('elapsed_seconds', sa.Float(), nullable=False),
    sa.Column('greedy_km', sa.Float(), nullable=True),
    sa.Column('best_km', sa.Float(), nullable=True),
    sa.Column('method', sa.String(length=10), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed', 'accepted')", name=op.f('ck_day_plan_runs_status_known')),
    sa.CheckConstraint('budget_seconds > 0', name=op.f('ck_day_plan_runs_budget_positive')),
    sa.CheckConstraint('progress BETWEEN 0 AND 100', name=op.f('ck_day_plan_runs_progress_range')),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['users.id'], name=op.f('fk_day_plan_runs_accepted_by_id_users')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_day_plan_runs_job_id_jobs')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_day_plan_runs_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_day_plan_runs'))
    )
    with op.batch_alter_table('day_plan_runs', schema=None) as batch_op:
        batch_op.create_index('ix_day_plan_runs_day_created', ['day', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('day_plan_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_day_plan_runs_day_created')

    op.drop_table('day_plan_runs')
