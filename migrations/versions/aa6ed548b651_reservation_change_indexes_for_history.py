"""Indexes on reservation_change for the history pages (a booked day and unit; newest changes first)

Revision ID: aa6ed548b651
Revises: 5c1f3e8a9d20
Create Date: 2026-11-23 09:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'aa6ed548b651'
down_revision = '5c1f3e8a9d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reservation_change', schema=None) as batch_op:
        batch_op.create_index('ix_reservation_change_date_unit', ['date', 'unit_id'], unique=False)
        batch_op.create_index('ix_reservation_change_at', ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('reservation_change', schema=None) as batch_op:
        batch_op.drop_index('ix_reservation_change_at')
        batch_op.drop_index('ix_reservation_change_date_unit')
