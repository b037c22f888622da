"""Agents' roles and sites, two-factor authentication (TOTP secret, recovery codes), the DPO in commune settings,
when a child's data was anonymised (retention)

Revision ID: a7d3e9c1f5b2
Revises: 4b7c90315781
Create Date: 2026-12-03 13:00:00

"""
import sqlalchemy as sa
from alembic import op

import schema.base

# revision identifiers, used by Alembic.
revision = 'a7d3e9c1f5b2'
down_revision = '4b7c90315781'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agent_role', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', schema.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
        batch_op.create_check_constraint('agent_role', "agent_role IN ('direction','site','regie','accueil')")
    # Agents could do everything before roles existed: they keep it (direction) until an administrator says otherwise.
    op.execute("UPDATE \"user\" SET agent_role = 'direction' WHERE role = 'agent'")

    with op.batch_alter_table('commune_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dpo_name', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('dpo_email', sa.String(length=254), server_default='', nullable=False))
        batch_op.add_column(sa.Column('dpo_address', sa.String(length=300), server_default='', nullable=False))

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', schema.base.UTCDateTime(timezone=True), nullable=True))

    op.create_table(
        'agent_site',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_agent_site_school_id_school'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_agent_site_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'school_id', name=op.f('pk_agent_site')),
    )
    op.create_table(
        'recovery_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', schema.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', schema.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_recovery_code_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_user_id'))
    op.drop_table('recovery_code')
    op.drop_table('agent_site')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
    with op.batch_alter_table('commune_settings', schema=None) as batch_op:
        batch_op.drop_column('dpo_address')
        batch_op.drop_column('dpo_email')
        batch_op.drop_column('dpo_name')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint('agent_role', type_='check')
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_enabled_at')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('agent_role')
