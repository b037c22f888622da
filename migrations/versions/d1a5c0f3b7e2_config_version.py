"""Configuration version: one row bumped by every write to the configuration tables, so processes can keep the
configuration (commune, activities, units, policies, periods, closures, schools) in memory

Revision ID: d1a5c0f3b7e2
Revises: c8e4d2f6a1b3
Create Date: 2026-12-03 12:00:00

"""
import uuid

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd1a5c0f3b7e2'
down_revision = 'c8e4d2f6a1b3'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'config_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('stamp', sa.String(length=32), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_config_version')),
    )
    op.bulk_insert(table, [{'id': 1, 'stamp': uuid.uuid4().hex, 'value': 1}])


def downgrade():
    op.drop_table('config_version')
