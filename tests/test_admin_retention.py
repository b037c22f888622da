"""RGPD retention: `flask retention run --dry-run` says what would be done and changes nothing; the run
anonymises the children who left 3 years ago (not the others) and removes the uploads that prove nothing any more,
files included; a second run finds nothing to do."""

from __future__ import annotations

import datetime as dt

import pytest
from support import enroll

from blueprints.admin import rules
from blueprints.families import health
from blueprints.uploads import store, uploads_dir
from models import ChildHealth, Document, DocumentFile, FamilyChange, HealthAccess, Person, Reservation, db

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(("left", "today", "due"), [
    (dt.date(2023, 7, 4), dt.date(2026, 7, 3), False),
    (dt.date(2023, 7, 4), dt.date(2026, 7, 4), True),
    (dt.date(2024, 2, 29), dt.date(2027, 2, 28), True),  # no 29 February in 2027: the 28th
    (dt.date(2026, 7, 3), TODAY, False),
])
def test_child_due(left, today, due):
    assert rules.child_due(left, today) is due


@pytest.mark.parametrize(("status", "until", "refused", "replaced", "due"), [
    ("validated", dt.date(2025, 11, 22), None, None, True),
    ("validated", dt.date(2025, 11, 23), None, None, False),
    ("validated", None, None, None, False),
    ("submitted", dt.date(2020, 1, 1), None, None, False),
    ("refused", None, dt.date(2026, 5, 23), None, True),
    ("refused", None, dt.date(2026, 5, 24), None, False),
    ("validated", dt.date(2030, 1, 1), None, dt.date(2026, 5, 1), True),
])
def test_document_due(status, until, refused, replaced, due):
    assert rules.document_due(status, until, refused, replaced, TODAY) is due


def add_piece(family, child=None, status="validated", valid_until=None):
    name = store(b"%PDF-1.4 test", "application/pdf")
    doc = Document(family_id=family.id, child_id=child.id if child else None, kind="piece", status=status,
                   valid_until=valid_until, uploaded_at=NOW)
    db.session.add(doc)
    db.session.flush()
    db.session.add(DocumentFile(document_id=doc.id, position=1, original_name="piece.pdf", stored_name=name,
                                content_type="application/pdf", size=13))
    db.session.commit()
    return doc, name


@pytest.fixture
def world(app, make_family, make_activity):
    app.config["CLOCK"] = lambda: NOW
    family, _parent, (gone, here) = make_family("Lefèvre", children=("Zoé", "Maël"))
    _activity, unit, old = make_activity(start=dt.date(2022, 9, 1), end=dt.date(2023, 7, 4))
    _activity2, _unit2, current = make_activity(code="periscolaire")
    enroll(gone, old.activity, old)
    enroll(here, current.activity, current)
    db.session.add(Reservation(child_id=gone.id, unit_id=unit.id, date=dt.date(2023, 5, 4), state="reserved"))
    health.update_health(gone, {"allergies": "Arachides"}, NOW, actor_id=None)
    db.session.add(HealthAccess(child_id=gone.id, child_name="Zoé Lefèvre", family_id=family.id, at=NOW))
    db.session.add(FamilyChange(family_id=family.id, action="person_added", summary="Ajout de Zoé Lefèvre", at=NOW))
    db.session.commit()
    old_doc, old_file = add_piece(family, gone, valid_until=dt.date(2023, 8, 31))
    expired, expired_file = add_piece(family, valid_until=dt.date(2025, 3, 31))
    valid, valid_file = add_piece(family, here, valid_until=dt.date(2027, 8, 31))
    return {"family": family, "gone": gone, "here": here, "files": (old_file, expired_file, valid_file),
            "docs": (old_doc.id, expired.id, valid.id)}


def test_dry_run_then_run(app, world):
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["retention", "run", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"Enfant n° {world['gone'].id} (parti le 04/07/2023) : serait anonymisé." in dry.output
    assert f"Pièce n° {world['docs'][1]} : serait supprimée." in dry.output
    assert "rien n'a été modifié" in dry.output
    db.session.expire_all()
    assert db.session.get(Person, world["gone"].id).first_name == "Zoé"
    assert all((uploads_dir() / name).exists() for name in world["files"])

    done = runner.invoke(args=["retention", "run"])
    assert done.exit_code == 0, done.output
    assert "Fait : 1 enfant(s), 2 pièce(s), 2 fichier(s) supprimé(s)." in done.output
    db.session.expire_all()
    gone, here = db.session.get(Person, world["gone"].id), db.session.get(Person, world["here"].id)
    assert (gone.first_name, gone.last_name, gone.birth_date, gone.anonymised_at) == ("Enfant", "anonymisé", None,
                                                                                     NOW)
    assert here.first_name == "Maël" and here.anonymised_at is None
    assert db.session.execute(db.select(ChildHealth).where(ChildHealth.child_id == gone.id)).first() is None
    assert db.session.execute(db.select(Reservation).where(Reservation.child_id == gone.id)).first() is not None
    assert not any("Zoé" in s for s in db.session.execute(db.select(FamilyChange.summary)).scalars())
    assert db.session.execute(db.select(HealthAccess.child_name)).scalar_one() == "(enfant anonymisé)"
    remaining = set(db.session.execute(db.select(Document.id)).scalars())
    assert remaining == {world["docs"][2]}
    old_file, expired_file, valid_file = world["files"]
    assert not (uploads_dir() / old_file).exists() and not (uploads_dir() / expired_file).exists()
    assert (uploads_dir() / valid_file).exists()

    again = runner.invoke(args=["retention", "run"])
    assert "Fait : 0 enfant(s), 0 pièce(s), 0 fichier(s) supprimé(s)." in again.output
