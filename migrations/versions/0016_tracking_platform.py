"""The tracking platform (issue 21): devices on the platform, activation evidence, remote
commands, the van's tracker

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 14:30:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'tracked_devices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('terminal_ref', sa.Integer(), nullable=False),
        sa.Column('unique_id', sa.String(length=32), nullable=False),
        sa.Column('platform_id', sa.Integer(), nullable=True),
        sa.Column('registered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('platform_status', sa.String(length=12), nullable=True),
        sa.Column('synced_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['terminal_ref'], ['terminals.id'],
                                name=op.f('fk_tracked_devices_terminal_ref_terminals')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tracked_devices')),
        sa.UniqueConstraint('terminal_ref', name=op.f('uq_tracked_devices_terminal_ref')),
        sa.UniqueConstraint('unique_id', name=op.f('uq_tracked_devices_unique_id')),
    )
    op.create_index('ix_tracked_devices_last_seen', 'tracked_devices', ['last_seen_at'])
    op.create_table(
        'order_activations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('unique_id', sa.String(length=32), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('fix_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('fix_lat', sa.Double(), nullable=True),
        sa.Column('fix_lon', sa.Double(), nullable=True),
        sa.Column('distance_m', sa.Integer(), nullable=True),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('override_reason', sa.String(length=300), nullable=True),
        sa.Column('override_by_id', sa.Integer(), nullable=True),
        sa.Column('override_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'],
                                name=op.f('fk_order_activations_order_id_work_orders')),
        sa.ForeignKeyConstraint(['override_by_id'], ['users.id'],
                                name=op.f('fk_order_activations_override_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_order_activations')),
        sa.UniqueConstraint('order_id', name=op.f('uq_order_activations_order_id')),
    )
    op.create_table(
        'remote_commands',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('terminal_ref', sa.Integer(), nullable=False),
        sa.Column('unique_id', sa.String(length=32), nullable=False),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('attributes', sa.JSON(), nullable=False),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.Column('detail', sa.String(length=300), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_by_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['work_orders.id'],
                                name=op.f('fk_remote_commands_order_id_work_orders')),
        sa.ForeignKeyConstraint(['terminal_ref'], ['terminals.id'],
                                name=op.f('fk_remote_commands_terminal_ref_terminals')),
        sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'],
                                name=op.f('fk_remote_commands_sent_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_remote_commands')),
    )
    op.create_index('ix_remote_commands_order_id', 'remote_commands', ['order_id'])
    op.create_index('ix_remote_commands_terminal_ref', 'remote_commands', ['terminal_ref'])
    with op.batch_alter_table('technicians', schema=None) as batch_op:
        batch_op.add_column(sa.Column('van_tracker_id', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('technicians', schema=None) as batch_op:
        batch_op.drop_column('van_tracker_id')
    op.drop_index('ix_remote_commands_terminal_ref', table_name='remote_commands')
    op.drop_index('ix_remote_commands_order_id', table_name='remote_commands')
    op.drop_table('remote_commands')
    op.drop_table('order_activations')
    op.drop_index('ix_tracked_devices_last_seen', table_name='tracked_devices')
    op.drop_table('tracked_devices')
