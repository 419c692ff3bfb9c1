"""Parts: the terminal model code of a part (received terminals carry it; model skills match it)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 14:40:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('parts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('model_code', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('parts', schema=None) as batch_op:
        batch_op.drop_column('model_code')
