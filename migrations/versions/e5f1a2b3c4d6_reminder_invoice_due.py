"""Reminders: the invoice-due reminder (a login may turn it off)

Revision ID: e5f1a2b3c4d6
Revises: 7c3e5a9d2f14
Create Date: 2026-12-03 14:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'e5f1a2b3c4d6'
down_revision = '7c3e5a9d2f14'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reminder_preference', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invoice_due', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    with op.batch_alter_table('reminder_preference', schema=None) as batch_op:
        batch_op.drop_column('invoice_due')
