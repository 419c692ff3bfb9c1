"""Technicians: the home base's address as people write it (the technicians import, issue 19)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 10:00:00

Numbered 0015 after the imports branch's 0013 (another branch brings a second 0013); the
integrator renumbers.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('technicians', schema=None) as batch_op:
        batch_op.add_column(sa.Column('home_address', sa.String(length=300), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('technicians', schema=None) as batch_op:
        batch_op.drop_column('home_address')
