"""The documents migration keeps the existing absence certificates: each one's file becomes its page 1 (and comes
back into its row on downgrade); the common document types are seeded."""

import datetime as dt

from flask_migrate import downgrade, upgrade
from sqlalchemy import text
from test_migrations import empty_database_url  # noqa: F401  (fixture: SQLite file, or PostgreSQL database)

from app import create_app
from models import db

BEFORE, AFTER = "b7f3c2a91d45", "e41d7c9a2b58"


def test_certificates_keep_their_file_through_upgrade_and_downgrade(empty_database_url, tmp_path,  # noqa: F811
                                                                    monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO family (id, dossier_number, name, address, postcode, city, phone, email, "
                              "created_at) VALUES (1, 'D-1', 'Martin', '', '', '', '', '', :at)"),
                         {"at": dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)})
            conn.execute(text("INSERT INTO document (id, family_id, kind, original_name, stored_name, content_type, "
                              "size, uploaded_at) VALUES (7, 1, 'justificatif_absence', 'certificat.pdf', "
                              "'abc.pdf', 'application/pdf', 123, :at)"),
                         {"at": dt.datetime(2026, 11, 2, tzinfo=dt.timezone.utc)})
        upgrade(revision=AFTER)
        with db.engine.connect() as conn:
            files = conn.execute(text("SELECT document_id, position, original_name, stored_name, content_type, size "
                                      "FROM document_file")).all()
            status = conn.execute(text("SELECT status FROM document WHERE id = 7")).scalar_one()
            types = conn.execute(text("SELECT code FROM document_type ORDER BY position")).scalars().all()
        assert [tuple(f) for f in files] == [(7, 1, "certificat.pdf", "abc.pdf", "application/pdf", 123)]
        assert status == "submitted"
        assert types[:2] == ["justificatif_domicile", "attestation_caf_msa"] and "rib" in types and len(types) == 9

        downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT original_name, stored_name, content_type, size FROM document")).one()
        assert tuple(row) == ("certificat.pdf", "abc.pdf", "application/pdf", 123)
        downgrade(revision="base")
        db.engine.dispose()
