"""Dossier famille: guardians' birth name, own address and other phones; the family's situation, allocataire
(CAF/MSA) and inscription administrative year; version columns (optimistic locking) on families and people; children's
health files, diets and authorisations; agents' right to health data and its access log; démarches (types, requests
with their history and attachments, the per-year counter of request numbers)

Revision ID: c8e4d2f6a1b3
Revises: e41d7c9a2b58
Create Date: 2026-11-23 12:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8e4d2f6a1b3'
down_revision = 'e41d7c9a2b58'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('diet',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_diet')),
    sa.UniqueConstraint('label', name=op.f('uq_diet_label'))
    )
    op.create_table('procedure_counter',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_procedure_counter'))
    )
    op.create_table('procedure_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('applies_immediately', sa.Boolean(), nullable=False),
    sa.Column('required_documents', sa.Text(), nullable=False),
    sa.Column('school_year', sa.String(length=9), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_type')),
    sa.UniqueConstraint('code', name=op.f('uq_procedure_type_code'))
    )
    op.create_table('authorisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('granted', sa.Boolean(), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.CheckConstraint("kind IN ('photo','leave_alone','transport','emergency_care')", name=op.f('ck_authorisation_kind')),
    sa.ForeignKeyConstraint(['child_id'], ['person.id'], name=op.f('fk_authorisation_child_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_authorisation')),
    sa.UniqueConstraint('child_id', 'kind', name=op.f('uq_authorisation_child_id_kind'))
    )
    with op.batch_alter_table('authorisation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_authorisation_child_id'), ['child_id'], unique=False)

    op.create_table('health_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('child_id', sa.Integer(), nullable=True),
    sa.Column('child_name', sa.String(length=201), nullable=False),
    sa.Column('family_id', sa.Integer(), nullable=True),
    sa.Column('place', sa.String(length=60), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['user.id'], name=op.f('fk_health_access_agent_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['child_id'], ['person.id'], name=op.f('fk_health_access_child_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_health_access_family_id_family'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_access'))
    )
    with op.batch_alter_table('health_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_access_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_health_access_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_health_access_child_id'), ['child_id'], unique=False)

    op.create_table('procedure_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=12), nullable=True),
    sa.Column('family_id', sa.Integer(), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('draft_key', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assigned_to_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('draft','submitted','in_progress','incomplete','accepted','refused')", name=op.f('ck_procedure_request_status')),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['user.id'], name=op.f('fk_procedure_request_assigned_to_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_procedure_request_author_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['family_id'], ['family.id'], name=op.f('fk_procedure_request_family_id_family'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_procedure_request_person_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['type_id'], ['procedure_type.id'], name=op.f('fk_procedure_request_type_id_procedure_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_request')),
    sa.UniqueConstraint('draft_key', name=op.f('uq_procedure_request_draft_key')),
    sa.UniqueConstraint('number', name=op.f('uq_procedure_request_number'))
    )
    with op.batch_alter_table('procedure_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedure_request_family_id'), ['family_id'], unique=False)
        batch_op.create_index('ix_procedure_request_status_submitted', ['status', 'submitted_at'], unique=False)

    op.create_table('child_health',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('doctor_name', sa.String(length=120), nullable=False),
    sa.Column('doctor_phone', sa.String(length=30), nullable=False),
    sa.Column('allergies', sa.Text(), nullable=False),
    sa.Column('diet', sa.String(length=60), nullable=False),
    sa.Column('pai', sa.Boolean(), nullable=False),
    sa.Column('pai_end_date', sa.Date(), nullable=True),
    sa.Column('pai_document_id', sa.Integer(), nullable=True),
    sa.Column('vaccinations_up_to_date', sa.Boolean(), nullable=True),
    sa.Column('vaccinations_date', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['child_id'], ['person.id'], name=op.f('fk_child_health_child_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pai_document_id'], ['document.id'], name=op.f('fk_child_health_pai_document_id_document'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_child_health')),
    sa.UniqueConstraint('child_id', name=op.f('uq_child_health_child_id'))
    )
    op.create_table('procedure_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_procedure_attachment_document_id_document'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['procedure_request.id'], name=op.f('fk_procedure_attachment_request_id_procedure_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_attachment'))
    )
    with op.batch_alter_table('procedure_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedure_attachment_request_id'), ['request_id'], unique=False)

    op.create_table('procedure_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('status_from', sa.String(length=12), nullable=True),
    sa.Column('status_to', sa.String(length=12), nullable=True),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('visible', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_procedure_event_actor_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['procedure_request.id'], name=op.f('fk_procedure_event_request_id_procedure_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_event'))
    )
    with op.batch_alter_table('procedure_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procedure_event_request_id'), ['request_id'], unique=False)

    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.add_column(sa.Column('situation', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('allocataire_regime', sa.String(length=10), server_default='', nullable=False))
        batch_op.add_column(sa.Column('allocataire_number', sa.String(length=20), server_default='', nullable=False))
        batch_op.add_column(sa.Column('registered_year', sa.String(length=9), server_default='', nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_name', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('address', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('postcode', sa.String(length=10), server_default='', nullable=False))
        batch_op.add_column(sa.Column('city', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('other_phone', sa.String(length=30), server_default='', nullable=False))
        batch_op.add_column(sa.Column('employer', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('work_phone', sa.String(length=30), server_default='', nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('can_see_health', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('can_see_health')

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('work_phone')
        batch_op.drop_column('employer')
        batch_op.drop_column('other_phone')
        batch_op.drop_column('city')
        batch_op.drop_column('postcode')
        batch_op.drop_column('address')
        batch_op.drop_column('birth_name')

    with op.batch_alter_table('family', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('registered_year')
        batch_op.drop_column('allocataire_number')
        batch_op.drop_column('allocataire_regime')
        batch_op.drop_column('situation')

    with op.batch_alter_table('procedure_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedure_event_request_id'))

    op.drop_table('procedure_event')
    with op.batch_alter_table('procedure_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procedure_attachment_request_id'))

    op.drop_table('procedure_attachment')
    op.drop_table('child_health')
    with op.batch_alter_table('procedure_request', schema=None) as batch_op:
        batch_op.drop_index('ix_procedure_request_status_submitted')
        batch_op.drop_index(batch_op.f('ix_procedure_request_family_id'))

    op.drop_table('procedure_request')
    with op.batch_alter_table('health_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_access_child_id'))
        batch_op.drop_index(batch_op.f('ix_health_access_at'))
        batch_op.drop_index(batch_op.f('ix_health_access_agent_id'))

    op.drop_table('health_access')
    with op.batch_alter_table('authorisation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_authorisation_child_id'))

    op.drop_table('authorisation')
    op.drop_table('procedure_type')
    op.drop_table('procedure_counter')
    op.drop_table('diet')
