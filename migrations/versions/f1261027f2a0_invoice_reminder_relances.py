"""Billing: relances of late invoices (invoice_reminder: one row per invoice and level)

Revision ID: f1261027f2a0
Revises: e5f1a2b3c4d6
Create Date: 2026-12-03 15:53:18

"""
import sqlalchemy as sa
from alembic import op

revision = 'f1261027f2a0'
down_revision = 'e5f1a2b3c4d6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'invoice_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_by_id', sa.Integer(), nullable=True),
        sa.Column('left_cents', sa.Integer(), nullable=False),
        sa.Column('emails', sa.Integer(), nullable=False),
        sa.Column('batch', sa.String(length=32), nullable=False),
        sa.CheckConstraint("channel IN ('email','letter')", name=op.f('ck_invoice_reminder_channel')),
        sa.CheckConstraint('left_cents > 0', name=op.f('ck_invoice_reminder_left')),
        sa.CheckConstraint('level IN (1,2)', name=op.f('ck_invoice_reminder_level')),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_invoice_reminder_invoice_id_invoice'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['sent_by_id'], ['user.id'], name=op.f('fk_invoice_reminder_sent_by_id_user'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_reminder')),
        sa.UniqueConstraint('invoice_id', 'level', name=op.f('uq_invoice_reminder_invoice_id_level')),
    )
    op.create_index(op.f('ix_invoice_reminder_batch'), 'invoice_reminder', ['batch'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_invoice_reminder_batch'), table_name='invoice_reminder')
    op.drop_table('invoice_reminder')
