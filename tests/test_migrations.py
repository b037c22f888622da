"""The Alembic migrations build exactly the schema the models describe (SQLite, and PostgreSQL in CI), and keep the
data they move."""

import datetime as dt
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import create_app
from models import db

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


@pytest.fixture
def empty_database_url(tmp_path):
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    base = make_url(PG_URL)
    name = f"{base.database}_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_match_models_and_downgrade(empty_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        assert "reservation" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


@pytest.mark.skipif(bool(PG_URL), reason="SQLite: PostgreSQL always enforced its foreign keys")
def test_an_old_sqlite_database_with_rows_left_behind_still_upgrades(empty_database_url, tmp_path, monkeypatch):
    """Before foreign keys were enforced on SQLite, deleting a row could leave its dependants behind: the next
    upgrade (even with nothing to migrate) deletes them (ON DELETE CASCADE) or empties their reference (SET NULL)."""
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        db.engine.dispose()
        raw = create_engine(empty_database_url)  # a plain connection: foreign keys off, as before
        with raw.connect() as conn:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("INSERT INTO document_file (document_id, position, original_name, stored_name, "
                                 "content_type, size) VALUES (999, 1, 'a.pdf', 'gone.pdf', 'application/pdf', 1)")
            conn.exec_driver_sql("INSERT INTO news_item (title, body, publish_at, audience, image_alt, created_at, "
                                 "created_by_id) VALUES ('Titre', 'Texte', '2026-11-23 08:00:00', 'all', '', "
                                 "'2026-11-23 08:00:00', 999)")
            conn.commit()
        raw.dispose()
        upgrade()  # nothing to migrate: the orphans are repaired, not an error
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            assert conn.exec_driver_sql("SELECT count(*) FROM document_file").scalar() == 0
            assert conn.exec_driver_sql("SELECT created_by_id FROM news_item").scalar() is None
        db.engine.dispose()


# --------------------------------------------------------------------------- documents (e41d7c9a2b58)
# The documents migration keeps the existing absence certificates: each one's file becomes its page 1 (and comes
# back into its row on downgrade); the common document types are seeded.
BEFORE, AFTER = "b7f3c2a91d45", "e41d7c9a2b58"


def test_certificates_keep_their_file_through_upgrade_and_downgrade(empty_database_url, tmp_path, monkeypatch):
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
