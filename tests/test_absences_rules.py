"""The absence rules (pure, `now` passed in): how far back an absence may start, what it does to one booking, the
certificate window and its re-opening after a refusal, withdrawal; and the migration that gives existing
absences their status."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from support import PG_URL

from app import create_app
from blueprints.absences import rules
from models import db

PARIS = ZoneInfo("Europe/Paris")


def paris(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=PARIS)


D = dt.date


@pytest.mark.parametrize("now, hours, earliest", [
    (paris(2026, 11, 23, 10, 0), 48, D(2026, 11, 21)),  # Friday's window closed at Sunday 24:00
    (paris(2026, 11, 23, 0, 0), 48, D(2026, 11, 21)),  # Friday's closes exactly now: gone
    (paris(2026, 11, 22, 23, 59), 48, D(2026, 11, 20)),  # one minute before, Friday still counts
    (paris(2026, 11, 23, 10, 0), 72, D(2026, 11, 20)),
    (paris(2026, 11, 23, 10, 0), 24, D(2026, 11, 22)),  # yesterday
    (paris(2026, 11, 23, 10, 0), 0, D(2026, 11, 23)),  # today only
    (paris(2026, 11, 23, 10, 0), 2160, D(2026, 8, 25)),  # 90 days: the largest window an agent may set
    (paris(2026, 3, 30, 1, 0), 24, D(2026, 3, 29)),  # the night after the spring change
])
def test_earliest_start(now, hours, earliest):
    assert rules.earliest_start(now, hours) == earliest


@pytest.mark.parametrize("state, locked, blocked, effect", [
    ("reserved", False, False, "cancel"),
    ("reserved", True, False, "absent"),
    ("reserved", False, True, "absent"),  # a meal kept as absent still needs this half-day
    ("waiting", False, False, "unwait"),
    ("waiting", True, False, "unwait"),  # leaving a waiting list is possible until the day is over
    ("absent", True, False, "kept"),
    ("justified", True, False, "kept"),
    (None, False, False, None),
])
def test_planned_effect(state, locked, blocked, effect):
    assert rules.planned_effect(state, locked, blocked) == effect


def test_certificate_deadline_and_its_reopening_after_a_refusal():
    sunday = D(2026, 11, 22)
    original = paris(2026, 11, 25, 0, 0)  # Sunday 24:00 + 48 hours
    assert rules.certificate_deadline(sunday, 48) == original
    assert rules.certificate_deadline(sunday, 48, paris(2026, 11, 22, 10, 0)) == original  # an early refusal
    assert rules.certificate_deadline(sunday, 48, paris(2026, 11, 24, 20, 0)) == paris(2026, 11, 26, 20, 0)
    assert rules.certificate_deadline(sunday, 0, paris(2026, 11, 24, 20, 0)) == paris(2026, 11, 24, 20, 0)


@pytest.mark.parametrize("status, billable, now, allowed", [
    ("signalled", True, paris(2026, 11, 24, 23, 59), True),
    ("signalled", True, paris(2026, 11, 25, 0, 0), False),  # the window is over
    ("signalled", False, paris(2026, 11, 23, 10, 0), False),  # nothing billable: nothing to justify
    ("refused", True, paris(2026, 11, 23, 10, 0), True),
    ("submitted", True, paris(2026, 11, 23, 10, 0), False),  # awaiting an agent
    ("validated", True, paris(2026, 11, 23, 10, 0), False),
    ("withdrawn", True, paris(2026, 11, 23, 10, 0), False),
])
def test_can_send_certificate(status, billable, now, allowed):
    assert rules.can_send_certificate(status, billable, paris(2026, 11, 25, 0, 0), now) is allowed


@pytest.mark.parametrize("received, hours, refused_at, covered", [
    (paris(2026, 11, 23, 10, 0), 48, None, True),
    (paris(2026, 11, 23, 10, 0), 0, None, False),  # that activity's window closed on Sunday 24:00
    (paris(2026, 11, 26, 10, 0), 48, paris(2026, 11, 24, 20, 0), True),  # re-opened by the refusal
])
def test_justifies(received, hours, refused_at, covered):
    assert rules.justifies(received, D(2026, 11, 22), hours, refused_at) is covered


THU, SUN = D(2026, 11, 19), D(2026, 11, 22)


@pytest.mark.parametrize("status, now, expected", [
    ("signalled", paris(2026, 11, 18, 23, 59), rules.Withdrawal(True, THU, SUN)),  # every day ahead
    ("submitted", paris(2026, 11, 18, 23, 59), rules.Withdrawal(True, THU, SUN)),
    ("signalled", paris(2026, 11, 19, 0, 0), rules.Withdrawal(False, D(2026, 11, 20), THU)),  # Thursday started
    ("signalled", paris(2026, 11, 21, 12, 0), rules.Withdrawal(False, SUN, D(2026, 11, 21))),
    ("signalled", paris(2026, 11, 22, 0, 0), None),  # its last day has started
    ("withdrawn", paris(2026, 11, 18, 12, 0), None),
])
def test_withdrawal(status, now, expected):
    assert rules.withdrawal(status, THU, SUN, now) == expected


# --------------------------------------------------------------------------- migration of existing absences


@pytest.fixture
def old_database_url(tmp_path):
    """An empty database (SQLite file, or a throw-away PostgreSQL database with TEST_DATABASE_URL)."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    base = make_url(PG_URL)
    name = f"{base.database}_abs_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_existing_absences_get_their_status(old_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": old_database_url})
    with app.app_context():
        upgrade(revision="04b6efbf4e27")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO family (id, dossier_number, name, address, postcode, city, phone, email, "
                              "created_at) VALUES (1, 'F1', 'Martin', '', '', '', '', '', '2026-09-01 08:00:00')"))
            conn.execute(text("INSERT INTO person (id, family_id, role, first_name, last_name, email, phone, "
                              "relationship_label, can_pick_up, emergency_contact, class_name) "
                              "VALUES (1, 1, 'child', 'Léa', 'Martin', '', '', '', false, false, '')"))
            conn.execute(text("INSERT INTO document (id, family_id, kind, original_name, stored_name, content_type, "
                              "size, uploaded_at) VALUES (1, 1, 'justificatif_absence', 'c.pdf', 'x.pdf', "
                              "'application/pdf', 10, '2026-11-20 08:00:00')"))
            for absence_id, document_id, justified_at in ((1, None, None), (2, 1, "2026-11-20 08:00:00"),
                                                          (3, 1, None)):
                conn.execute(text(
                    "INSERT INTO absence (id, child_id, start_date, end_date, reason, created_at, document_id, "
                    "justified_at) VALUES (:id, 1, '2026-11-19', '2026-11-20', '', '2026-11-19 08:00:00', :doc, "
                    ":at)"), {"id": absence_id, "doc": document_id, "at": justified_at})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, status, refusal_reason FROM absence ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, "signalled", ""), (2, "validated", ""), (3, "submitted", "")]
        db.engine.dispose()
