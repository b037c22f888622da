"""The demo's family files and démarches: the Martin family has a request in every status (numbered without gap,
the counter in step), health files and authorisations; every allocataire number has its caisse's shape; the
diets are never religious; the commune offers every démarche of the registry."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app import create_app
from blueprints.families.rules import diet_label_problem
from blueprints.procedures import rules
from blueprints.procedures.kinds import KINDS
from demo import seed_demo
from models import (
    PROCEDURE_STATUSES,
    Authorisation,
    ChildHealth,
    Diet,
    Family,
    ProcedureCounter,
    ProcedureRequest,
    ProcedureType,
    db,
)

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
                      "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        db.create_all()
        seed_demo(now=NOW)
        yield app
        db.session.remove()


def martin():
    return db.session.execute(select(Family).where(Family.name == "Martin")).scalar_one()


def test_martin_has_a_request_in_every_status(seeded):
    requests = db.session.execute(select(ProcedureRequest).where(ProcedureRequest.family_id == martin().id)).scalars()
    by_status = {r.status: r for r in requests}
    assert set(by_status) == set(PROCEDURE_STATUSES)
    assert by_status["incomplete"].events[-1].message  # the agent's message
    assert by_status["refused"].events[-1].message
    assert by_status["in_progress"].assigned_to.email == "agent@example.org"
    assert by_status["draft"].number is None and by_status["draft"].draft_key


def test_numbers_are_gapless_and_the_counter_follows(seeded):
    numbers = [n for n in db.session.execute(select(ProcedureRequest.number)).scalars() if n]
    assert not rules.has_gaps(numbers)
    assert db.session.get(ProcedureCounter, 2026).last == len(numbers)


def test_stamps_are_before_now(seeded):
    for request in db.session.execute(select(ProcedureRequest)).scalars():
        assert request.created_at < NOW and all(e.at < NOW for e in request.events)


def test_martin_children_have_health_files_and_authorisations(seeded):
    family = martin()
    children = {c.first_name: c for c in family.children}
    lea = db.session.execute(select(ChildHealth).where(ChildHealth.child_id == children["Léa"].id)).scalar_one()
    assert lea.pai and "Arachides" in lea.allergies
    kinds = db.session.execute(select(Authorisation.kind).where(
        Authorisation.child_id == children["Hugo"].id)).scalars().all()
    assert sorted(kinds) == sorted(["photo", "leave_alone", "transport", "emergency_care"])
    assert family.contacts


def test_allocataire_numbers_have_their_caisse_shape(seeded):
    for family in db.session.execute(select(Family)).scalars():
        assert rules.allocataire_number_problem(family.allocataire_regime, family.allocataire_number) is None


def test_diets_and_demarches(seeded):
    assert all(diet_label_problem(label) is None for label in db.session.execute(select(Diet.label)).scalars())
    assert {t.kind for t in db.session.execute(select(ProcedureType)).scalars()} == set(KINDS)
