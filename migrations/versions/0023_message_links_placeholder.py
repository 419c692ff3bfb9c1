"""Messages to customers keep the customer link as a placeholder (issue 22): a stored body
held the full token, so whoever could read the message log could open the customer's page.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 18:00:00

Every stored subject and body of a customer message has each customer link
(``<base URL>/t/<43-character token>``) replaced by ``${link}``, which the sender fills in at
send time from the secret key and the order's salt. No schema change. The downgrade leaves
the placeholders (the tokens cannot come back from the table, by design); a message sent by
the older code after a downgrade would carry ``${link}`` literally.
"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

LINK = re.compile(r"https?://[^\s]*?/t/[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")
PLACEHOLDER = "${link}"
BATCH = 1000


def upgrade():
    connection = op.get_bind()
    messages = sa.table("customer_messages", sa.column("id", sa.Integer),
                        sa.column("subject", sa.String), sa.column("body", sa.Text))
    last = 0
    while True:
        rows = connection.execute(
            sa.select(messages.c.id, messages.c.subject, messages.c.body)
            .where(messages.c.id > last, messages.c.body.like("%/t/%")
                   | messages.c.subject.like("%/t/%"))
            .order_by(messages.c.id).limit(BATCH)).all()
        if not rows:
            return
        for row in rows:
            subject = LINK.sub(PLACEHOLDER, row.subject or "")
            body = LINK.sub(PLACEHOLDER, row.body or "")
            if subject != (row.subject or "") or body != (row.body or ""):
                connection.execute(sa.update(messages).where(messages.c.id == row.id)
                                   .values(subject=subject, body=body))
        last = rows[-1].id


def downgrade():
    pass  # the placeholders stay: a token cannot be rebuilt from the table (see above)
