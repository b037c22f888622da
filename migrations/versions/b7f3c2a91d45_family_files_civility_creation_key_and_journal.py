"""Family files edited by agents: a person's civility (Mme / M.), the creation form's key of a family (a form
sent twice makes one file) and the journal of a family file

Revision ID: b7f3c2a91d45
Revises: 5c2a9e7d41b3
Create Date: 2026-11-23 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7f3c2a91d45'
down_revision = '5c2a9e7d41b3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.add_column(sa.Column('creation_key', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_family_creation_key'), ['creation_key'])
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('civility', sa.String(length=10), nullable=False, server_default=''))
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.alter_column('civility', server_default=None)

    op.create_table('family_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_family_change_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_family_change_family_id_family'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_change'))
    )
    with op.batch_alter_table('family_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_change_family_id'), ['family_id'], unique=False)


def downgrade():
    with op.batch_alter_table('family_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_change_family_id'))
    op.drop_table('family_change')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('civility')
    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_family_creation_key'), type_='unique')
        batch_op.drop_column('creation_key')
