"""Board: the version of its snapshot (dispatch.cache), moved by every committed change to
orders, customers, vehicles or the technician roster

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    cache_versions = sa.table('cache_versions', sa.column('name', sa.String),
                              sa.column('version', sa.BigInteger))
    op.bulk_insert(cache_versions, [{'name': 'board', 'version': 0}])


def downgrade():
    op.execute("DELETE FROM cache_versions WHERE name = 'board'")
