"""Customer care: complaints, callbacks, audit sample, incentives, handover, notifications

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 05:17:03.426785

"""
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    service_points = op.create_table('service_points',
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('points', sa.Numeric(precision=6, scale=2), nullable=False),
    sa.CheckConstraint("kind IN ('install', 'repair', 'removal', 'inspection')", name=op.f('ck_service_points_kind_known')),
    sa.CheckConstraint('points >= 0', name=op.f('ck_service_points_points_not_negative')),
    sa.PrimaryKeyConstraint('kind', name=op.f('pk_service_points'))
    )
    # R19 coefficient table, editable by managers (docs/decisions.md).
    op.bulk_insert(service_points, [
        {'kind': 'install', 'points': Decimal('1.00')}, {'kind': 'repair', 'points': Decimal('1.00')},
        {'kind': 'removal', 'points': Decimal('0.50')}, {'kind': 'inspection', 'points': Decimal('0.50')},
    ])
    op.create_table('handovers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('open_problems', sa.Text(), nullable=False),
    sa.Column('pending_items', sa.Text(), nullable=False),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_handovers_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_handovers_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handovers'))
    )
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handovers_acknowledged_at'), ['acknowledged_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_handovers_created_at'), ['created_at'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('message', sa.String(length=300), nullable=False),
    sa.Column('link', sa.String(length=200), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    op.create_table('safety_incidents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_safety_incidents_created_by_id_users')),
    sa.ForeignKeyConstraint(['technician_id'], ['technicians.id'], name=op.f('fk_safety_incidents_technician_id_technicians')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_incidents'))
    )
    with op.batch_alter_table('safety_incidents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safety_incidents_occurred_on'), ['occurred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_safety_incidents_technician_id'), ['technician_id'], unique=False)

    op.create_table('audit_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('workorder_id', sa.Integer(), nullable=False),
    sa.Column('result', sa.String(length=8), nullable=False),
    sa.Column('notes', sa.String(length=1000), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("result IN ('pending', 'ok', 'issue')", name=op.f('ck_audit_checks_result_known')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_audit_checks_checked_by_id_users')),
    sa.ForeignKeyConstraint(['workorder_id'], ['work_orders.id'], name=op.f('fk_audit_checks_workorder_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checks')),
    sa.UniqueConstraint('workorder_id', name=op.f('uq_audit_checks_workorder_id'))
    )
    with op.batch_alter_table('audit_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_checks_quarter'), ['quarter'], unique=False)

    op.create_table('callbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workorder_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reached', sa.Boolean(), nullable=False),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.Column('notes', sa.String(length=1000), nullable=False),
    sa.CheckConstraint('reached OR satisfaction IS NULL', name=op.f('ck_callbacks_satisfaction_needs_reach')),
    sa.CheckConstraint('satisfaction IS NULL OR (satisfaction BETWEEN 1 AND 5)', name=op.f('ck_callbacks_satisfaction_range')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_callbacks_user_id_users')),
    sa.ForeignKeyConstraint(['workorder_id'], ['work_orders.id'], name=op.f('fk_callbacks_workorder_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callbacks'))
    )
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callbacks_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_callbacks_workorder_id'), ['workorder_id'], unique=False)

    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=12), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('workorder_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('overseas', sa.Boolean(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('promised_reply_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cause', sa.String(length=12), nullable=True),
    sa.Column('responsible_department', sa.String(length=20), nullable=True),
    sa.Column('responsible_user_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("cause IS NULL OR cause IN ('device', 'sim', 'installation', 'service', 'billing', 'other')", name=op.f('ck_complaints_cause_known')),
    sa.CheckConstraint("channel IN ('hotline', 'mail', 'web', 'walk_in', 'other')", name=op.f('ck_complaints_channel_known')),
    sa.CheckConstraint("responsible_department IS NULL OR responsible_department IN ('customer_service', 'field_service', 'warehouse', 'finance', 'vendor', 'customer')", name=op.f('ck_complaints_department_known')),
    sa.CheckConstraint("severity IN ('minor', 'major', 'critical')", name=op.f('ck_complaints_severity_known')),
    sa.CheckConstraint("status IN ('open', 'escalated', 'resolved', 'closed')", name=op.f('ck_complaints_status_known')),
    sa.CheckConstraint("status NOT IN ('resolved', 'closed') OR resolved_at IS NOT NULL", name=op.f('ck_complaints_resolved_has_time')),
    sa.CheckConstraint('due_at > received_at', name=op.f('ck_complaints_due_after_received')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_complaints_created_by_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_complaints_customer_id_customers')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_complaints_resolved_by_id_users')),
    sa.ForeignKeyConstraint(['responsible_user_id'], ['users.id'], name=op.f('fk_complaints_responsible_user_id_users')),
    sa.ForeignKeyConstraint(['workorder_id'], ['work_orders.id'], name=op.f('fk_complaints_workorder_id_work_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('number', name=op.f('uq_complaints_number'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_workorder_id'), ['workorder_id'], unique=False)

    op.create_table('complaint_follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reached', sa.Boolean(), nullable=False),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.Column('notes', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_follow_ups_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_complaint_follow_ups_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_follow_ups'))
    )
    with op.batch_alter_table('complaint_follow_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_follow_ups_complaint_id'), ['complaint_id'], unique=False)



def downgrade():
    with op.batch_alter_table('complaint_follow_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_follow_ups_complaint_id'))

    op.drop_table('complaint_follow_ups')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_workorder_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_received_at'))
        batch_op.drop_index(batch_op.f('ix_complaints_due_at'))
        batch_op.drop_index(batch_op.f('ix_complaints_customer_id'))

    op.drop_table('complaints')
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callbacks_workorder_id'))
        batch_op.drop_index(batch_op.f('ix_callbacks_at'))

    op.drop_table('callbacks')
    with op.batch_alter_table('audit_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_checks_quarter'))

    op.drop_table('audit_checks')
    with op.batch_alter_table('safety_incidents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safety_incidents_technician_id'))
        batch_op.drop_index(batch_op.f('ix_safety_incidents_occurred_on'))

    op.drop_table('safety_incidents')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handovers_created_at'))
        batch_op.drop_index(batch_op.f('ix_handovers_acknowledged_at'))

    op.drop_table('handovers')
    op.drop_table('service_points')
