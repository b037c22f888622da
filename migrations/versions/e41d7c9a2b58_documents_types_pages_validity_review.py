"""Pièces justificatives: document types (seeded with the common ones), a document's files in their own table
(several pages), and a document's type, status, validity dates, review, replacement, use and one-time token

Existing rows: each document (an absence certificate) keeps its one file as its page 1, status "submitted"
(an absence certificate's review stays on its absence). Downgrading removes the documents of the family space
("piece": their files stay on disk) and puts each remaining document's first file back into its row.

Revision ID: e41d7c9a2b58
Revises: c7d2d07a1e4b
Create Date: 2026-11-23 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e41d7c9a2b58'
down_revision = 'c7d2d07a1e4b'
branch_labels = None
depends_on = None

FILE_COLUMNS = ('original_name', 'stored_name', 'content_type', 'size')
# The common types, as they stood when this migration was written (agents edit them afterwards).
TYPES = [
    ('justificatif_domicile', "Justificatif de domicile",
     "Facture d'électricité, de gaz, d'eau, de téléphone ou d'internet, quittance de loyer ou attestation "
     "d'assurance habitation, de moins de 3 mois.", 'months', 3, False),
    ('attestation_caf_msa', "Attestation CAF ou MSA (quotient familial)",
     "L'attestation de quotient familial ou de paiement, de moins de 3 mois. Elle sert à calculer vos tarifs.",
     'months', 3, False),
    ('avis_imposition', "Avis d'imposition",
     "Le dernier avis reçu, toutes les pages. Il sert à calculer vos tarifs si vous n'avez pas d'attestation CAF "
     "ou MSA.", 'months', 12, False),
    ('carnet_vaccination', "Carnet de vaccination",
     "Les pages des vaccins du carnet de santé, avec le nom de l'enfant.", 'none', None, True),
    ('assurance_scolaire', "Attestation d'assurance scolaire et extrascolaire",
     "L'attestation d'assurance de l'enfant pour l'année scolaire (responsabilité civile et individuelle "
     "accident).", 'school_year', None, True),
    ('certificat_medical', "Certificat médical",
     "Par exemple un certificat d'aptitude à une activité sportive. Valable un an.", 'months', 12, True),
    ('pai', "PAI (projet d'accueil individualisé)",
     "Le PAI signé par le médecin, l'école et la famille, pour une allergie ou une maladie de l'enfant.",
     'school_year', None, True),
    ('jugement_garde', "Jugement (garde des enfants)",
     "La décision du juge aux affaires familiales qui fixe la résidence des enfants ou l'autorité parentale.",
     'none', None, False),
    ('rib', "RIB (relevé d'identité bancaire)",
     "Pour le prélèvement automatique. Au nom d'un représentant de la famille.", 'none', None, False),
]


def upgrade():
    document_type = op.create_table('document_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('help_text', sa.String(length=500), nullable=False),
    sa.Column('validity', sa.String(length=12), nullable=False),
    sa.Column('validity_months', sa.Integer(), nullable=True),
    sa.Column('per_child', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("validity IN ('none','months','school_year')", name=op.f('ck_document_type_validity')),
    sa.CheckConstraint("validity <> 'months' OR validity_months BETWEEN 1 AND 120",
                       name=op.f('ck_document_type_months')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_type')),
    sa.UniqueConstraint('code', name=op.f('uq_document_type_code'))
    )
    op.bulk_insert(document_type, [
        {'code': code, 'label': label, 'help_text': help_text, 'validity': validity, 'validity_months': months,
         'per_child': per_child, 'active': True, 'position': position}
        for position, (code, label, help_text, validity, months, per_child) in enumerate(TYPES)])

    op.create_table('document_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_document_file_document_id_document'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_file')),
    sa.UniqueConstraint('document_id', 'position', name=op.f('uq_document_file_document_id_position')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_document_file_stored_name'))
    )
    op.execute("INSERT INTO document_file (document_id, position, original_name, stored_name, content_type, size) "
               "SELECT id, 1, original_name, stored_name, content_type, size FROM document")

    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('type_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='submitted', nullable=False))
        batch_op.add_column(sa.Column('document_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('refusal_reason', sa.String(length=300), server_default='', nullable=False))
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('used_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('request_token', sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_document_type_id_document_type'), 'document_type', ['type_id'],
                                    ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_document_reviewed_by_id_user'), 'user', ['reviewed_by_id'],
                                    ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_document_replaces_id_document'), 'document', ['replaces_id'],
                                    ['id'], ondelete='SET NULL')
        batch_op.create_unique_constraint(batch_op.f('uq_document_request_token'), ['request_token'])
        batch_op.create_check_constraint(batch_op.f('ck_document_status'),
                                         "status IN ('submitted','validated','refused')")
        batch_op.create_check_constraint(
            batch_op.f('ck_document_validity'),
            "valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from")
        batch_op.create_index('ix_document_status_uploaded_at', ['status', 'uploaded_at'], unique=False)
        batch_op.drop_constraint(batch_op.f('uq_document_stored_name'), type_='unique')
        for column in FILE_COLUMNS:
            batch_op.drop_column(column)


def downgrade():
    op.execute("DELETE FROM document_file WHERE document_id IN (SELECT id FROM document WHERE kind = 'piece')")
    op.execute("UPDATE absence SET document_id = NULL "
               "WHERE document_id IN (SELECT id FROM document WHERE kind = 'piece')")
    op.execute("UPDATE document SET replaces_id = NULL")
    op.execute("DELETE FROM document WHERE kind = 'piece'")
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('stored_name', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('content_type', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('size', sa.Integer(), nullable=True))
    for column in FILE_COLUMNS:
        op.execute(f"UPDATE document SET {column} = (SELECT f.{column} FROM document_file f "
                   f"WHERE f.document_id = document.id AND f.position = 1)")
    op.execute("UPDATE absence SET document_id = NULL "
               "WHERE document_id IN (SELECT id FROM document WHERE stored_name IS NULL)")
    op.execute("DELETE FROM document WHERE stored_name IS NULL")
    with op.batch_alter_table('document', schema=None) as batch_op:
        for column in FILE_COLUMNS:
            batch_op.alter_column(column, nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_document_stored_name'), ['stored_name'])
        batch_op.drop_index('ix_document_status_uploaded_at')
        batch_op.drop_constraint(batch_op.f('ck_document_validity'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_document_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_document_request_token'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_document_replaces_id_document'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_document_reviewed_by_id_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_document_type_id_document_type'), type_='foreignkey')
        for column in ('request_token', 'used_at', 'replaced_at', 'replaces_id', 'refusal_reason', 'reviewed_by_id',
                       'reviewed_at', 'valid_until', 'valid_from', 'document_date', 'status', 'type_id'):
            batch_op.drop_column(column)
    op.drop_table('document_file')
    op.drop_table('document_type')
