"""Two-factor: user.totp_secret holds the sealed secret (Fernet token, longer than the bare base32 secret)

Revision ID: c4a8e1f2d703
Revises: b9e4d2a7c615
Create Date: 2026-12-03 16:40:00

Secrets stored before stay readable as they are and are sealed at their next successful use
(blueprints/admin/twofactor.py): this migration only makes room.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c4a8e1f2d703'
down_revision = 'b9e4d2a7c615'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=64), type_=sa.String(length=255),
                              existing_nullable=True)


def downgrade():
    # A sealed secret does not fit in 64 characters: two-factor authentication is set up again after a downgrade.
    op.execute("UPDATE \"user\" SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL "
               "WHERE totp_secret LIKE 'f1:%'")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('totp_secret', existing_type=sa.String(length=255), type_=sa.String(length=64),
                              existing_nullable=True)
