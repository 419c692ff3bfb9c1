"""Imports (issue 19): import runs (who, when, which file, what they counted) and the problems of
the rows they refused

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 12:17:05.006921

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('file_path', sa.String(length=200), nullable=False),
    sa.Column('file_format', sa.String(length=4), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('encoding', sa.String(length=10), nullable=False),
    sa.Column('detected_encoding', sa.String(length=10), nullable=True),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('source_run_id', sa.Integer(), nullable=True),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('created', sa.JSON(), nullable=False),
    sa.Column('updated', sa.JSON(), nullable=False),
    sa.Column('unchanged_records', sa.JSON(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('unknown_columns', sa.JSON(), nullable=False),
    sa.CheckConstraint("file_format IN ('csv', 'xlsx')", name=op.f('ck_import_runs_format_known')),
    sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_import_runs_status_known')),
    sa.CheckConstraint('processed >= 0 AND processed <= rows', name=op.f('ck_import_runs_progress_range')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_import_runs_job_id_jobs')),
    sa.ForeignKeyConstraint(['source_run_id'], ['import_runs.id'], name=op.f('fk_import_runs_source_run_id_import_runs')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_import_runs_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_runs'))
    )
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.create_index('ix_import_runs_user_created', ['user_id', 'created_at'], unique=False)

    op.create_table('import_problems',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('row', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['import_runs.id'], name=op.f('fk_import_problems_run_id_import_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_problems'))
    )
    with op.batch_alter_table('import_problems', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_problems_run_id'), ['run_id'], unique=False)



def downgrade():
    with op.batch_alter_table('import_problems', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_problems_run_id'))

    op.drop_table('import_problems')
    with op.batch_alter_table('import_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_import_runs_user_created')

    op.drop_table('import_runs')
