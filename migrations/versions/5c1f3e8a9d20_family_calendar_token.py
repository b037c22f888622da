"""Family calendar feed: a secret token on the family (every child in one calendar)

Revision ID: 5c1f3e8a9d20
Revises: 04b6efbf4e27
Create Date: 2026-11-23 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1f3e8a9d20'
down_revision = '04b6efbf4e27'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_family_calendar_token'), ['calendar_token'])


def downgrade():
    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_family_calendar_token'), type_='unique')
        batch_op.drop_column('calendar_token')
