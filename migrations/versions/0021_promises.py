"""Promises to the customer (issue 22): arrival targets, the complaint answer clock and promised
replies, customer links, messages to customers, alerts, customers' contact preferences

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 14:30:00

Existing open orders get their arrival target and existing complaints their answer date from
the default settings (urgent + 4 h, normal by 18:00 of the next working day in Asia/Shanghai;
answer = registration + 3 days).
"""
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

NOT_ARRIVED = "status IN ('new', 'approved', 'assigned', 'en_route')"


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _target(created, priority):
    if priority == "urgent":
        return created + timedelta(hours=4)
    zone = ZoneInfo("Asia/Shanghai")
    day = created.astimezone(zone).date() + timedelta(days=1)
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(18, 0), tzinfo=zone).astimezone(UTC)


def upgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('contact_preference', sa.String(length=5), nullable=False,
                                      server_default='sms'))
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False,
                                      server_default='zh_Hans'))
        batch_op.create_check_constraint(op.f('ck_customers_contact_preference_known'),
                                         "contact_preference IN ('sms', 'email', 'none')")
        batch_op.create_check_constraint(op.f('ck_customers_language_known'),
                                         "language IN ('zh_Hans', 'en')")
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('arrive_by', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_work_orders_arrival', 'work_orders', ['arrive_by'], unique=False,
                    sqlite_where=sa.text(NOT_ARRIVED), postgresql_where=sa.text(NOT_ARRIVED))
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_due_at', sa.DateTime(timezone=True), nullable=True))

    bind = op.get_bind()
    orders = sa.table('work_orders', sa.column('id', sa.Integer), sa.column('priority', sa.String),
                      sa.column('status', sa.String),
                      sa.column('created_at', sa.DateTime(timezone=True)),
                      sa.column('arrive_by', sa.DateTime(timezone=True)))
    for row in bind.execute(sa.select(orders.c.id, orders.c.priority, orders.c.created_at)
                            .where(sa.text(NOT_ARRIVED))).all():
        bind.execute(orders.update().where(orders.c.id == row.id).values(
            arrive_by=_target(_aware(row.created_at), row.priority)))
    complaints = sa.table('complaints', sa.column('id', sa.Integer),
                          sa.column('received_at', sa.DateTime(timezone=True)),
                          sa.column('answer_due_at', sa.DateTime(timezone=True)))
    for row in bind.execute(sa.select(complaints.c.id, complaints.c.received_at)).all():
        bind.execute(complaints.update().where(complaints.c.id == row.id).values(
            answer_due_at=_aware(row.received_at) + timedelta(days=3)))
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.alter_column('answer_due_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)
        batch_op.create_index('ix_complaints_answer_due_at', ['answer_due_at'], unique=False)

    op.create_table('complaint_promises',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('promised_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('made_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_promises_complaint_id_complaints')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_complaint_promises_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_promises')),
    )
    op.create_index('ix_complaint_promises_complaint_id', 'complaint_promises', ['complaint_id'])
    op.create_index('ix_complaint_promises_promised_at', 'complaint_promises', ['promised_at'])

    op.create_table('customer_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('salt', sa.String(length=32), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_customer_links_order_id_work_orders'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_links')),
        sa.UniqueConstraint('order_id', name=op.f('uq_customer_links_order_id')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_customer_links_token_hash')),
    )

    op.create_table('customer_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_key', sa.String(length=120), nullable=False),
        sa.Column('event', sa.String(length=30), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('complaint_id', sa.Integer(), nullable=True),
        sa.Column('customer_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=8), nullable=False),
        sa.Column('recipient', sa.String(length=200), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=8), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("channel IN ('log', 'email', 'sms')", name=op.f('ck_customer_messages_channel_known')),
        sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed', 'skipped')", name=op.f('ck_customer_messages_status_known')),
        sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_customer_messages_complaint_id_complaints')),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_messages_customer_id_customers')),
        sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'], name=op.f('fk_customer_messages_order_id_work_orders')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_messages')),
        sa.UniqueConstraint('event_key', name=op.f('uq_customer_messages_event_key')),
    )
    op.create_index('ix_customer_messages_order_id', 'customer_messages', ['order_id'])
    op.create_index('ix_customer_messages_complaint_id', 'customer_messages', ['complaint_id'])

    op.create_table('alerts_sent',
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_alerts_sent')),
    )


def downgrade():
    op.drop_table('alerts_sent')
    op.drop_index('ix_customer_messages_complaint_id', table_name='customer_messages')
    op.drop_index('ix_customer_messages_order_id', table_name='customer_messages')
    op.drop_table('customer_messages')
    op.drop_table('customer_links')
    op.drop_index('ix_complaint_promises_promised_at', table_name='complaint_promises')
    op.drop_index('ix_complaint_promises_complaint_id', table_name='complaint_promises')
    op.drop_table('complaint_promises')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_answer_due_at')
        batch_op.drop_column('answer_due_at')
    op.drop_index('ix_work_orders_arrival', table_name='work_orders')
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_column('arrive_by')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_customers_language_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_customers_contact_preference_known'), type_='check')
        batch_op.drop_column('language')
        batch_op.drop_column('contact_preference')
        batch_op.drop_column('email')
