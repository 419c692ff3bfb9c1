"""Caches: on PostgreSQL each cache's version is a sequence, moved after commit (no row lock
that concurrent transactions queue on); SQLite keeps counting in cache_versions

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 17:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

NAMES = ('roster', 'board')


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name in NAMES:
        op.execute(f'CREATE SEQUENCE IF NOT EXISTS cache_version_{name}')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for name in NAMES:
        op.execute(f'DROP SEQUENCE IF EXISTS cache_version_{name}')
