"""Absence: justification status (signalled, submitted, validated, refused, withdrawn), the agent's review
(who, refusal time and reason), withdrawal time and the recap's one-time request token

Existing rows: an absence whose certificate was accepted (justified_at set) is "validated"; one with a document but
not justified (none were written so, kept for safety) is "submitted"; the others are "signalled".

Revision ID: 5c2a9e7d41b3
Revises: aa6ed548b651
Create Date: 2026-11-23 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c2a9e7d41b3'
down_revision = 'aa6ed548b651'
branch_labels = None
depends_on = None

STATUSES = "status IN ('signalled','submitted','validated','refused','withdrawn')"


def upgrade():
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='signalled', nullable=False))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('refused_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('refusal_reason', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('request_token', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_absence_reviewed_by_id_user'), 'user', ['reviewed_by_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.create_unique_constraint(batch_op.f('uq_absence_request_token'), ['request_token'])
        batch_op.create_check_constraint(batch_op.f('ck_absence_status'), STATUSES)
        batch_op.create_index(batch_op.f('ix_absence_status'), ['status'], unique=False)

    absence = sa.table('absence', sa.column('status', sa.String), sa.column('justified_at', sa.DateTime),
                       sa.column('document_id', sa.Integer))
    op.execute(absence.update().where(absence.c.justified_at.isnot(None)).values(status='validated'))
    op.execute(absence.update().where(absence.c.justified_at.is_(None), absence.c.document_id.isnot(None))
               .values(status='submitted'))


def downgrade():
    with op.batch_alter_table('absence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_absence_status'))
        batch_op.drop_constraint(batch_op.f('ck_absence_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_absence_request_token'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_absence_reviewed_by_id_user'), type_='foreignkey')
        batch_op.drop_column('request_token')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('refusal_reason')
        batch_op.drop_column('refused_at')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('status')
