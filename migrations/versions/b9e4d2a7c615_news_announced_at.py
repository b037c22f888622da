"""News: announced_at (the families who want news e-mails are told once about an item published)

Revision ID: b9e4d2a7c615
Revises: f1261027f2a0
Create Date: 2026-12-03 16:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b9e4d2a7c615'
down_revision = 'f1261027f2a0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('news_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announced_at', sa.DateTime(timezone=True), nullable=True))
    # Items already published were published before these e-mails existed: they are not announced afterwards.
    op.execute("UPDATE news_item SET announced_at = publish_at WHERE publish_at <= CURRENT_TIMESTAMP")


def downgrade():
    with op.batch_alter_table('news_item', schema=None) as batch_op:
        batch_op.drop_column('announced_at')
