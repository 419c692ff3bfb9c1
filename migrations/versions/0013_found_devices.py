"""Devices found in a vehicle (SPEC §10): an installation may start at an unknown time, and a
terminal keeps the tag of its last return to the workshop (R5)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 12:11:03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('installations', schema=None) as batch_op:
        batch_op.alter_column('installed_at', existing_type=sa.DateTime(timezone=True),
                              nullable=True)

    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('return_tag', sa.String(length=300), nullable=True))

    # The tag was only the ledger's reason so far: copy each terminal's last one.
    op.execute(
        "UPDATE terminals SET return_tag = (SELECT m.reason FROM stock_movements m "
        "WHERE m.kind = 'return_faulty' AND m.serial = terminals.terminal_id "
        "ORDER BY m.id DESC LIMIT 1)")


def downgrade():
    with op.batch_alter_table('terminals', schema=None) as batch_op:
        batch_op.drop_column('return_tag')

    # Unknown starts become the removal (or now): the column cannot stay empty.
    op.execute("UPDATE installations SET installed_at = COALESCE(removed_at, CURRENT_TIMESTAMP) "
               "WHERE installed_at IS NULL")
    with op.batch_alter_table('installations', schema=None) as batch_op:
        batch_op.alter_column('installed_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)
