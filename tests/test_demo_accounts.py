"""The demo's self-service accounts: one family without an account holds the README's key, a few others had their
letter printed, the Martin family has notification preferences."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app import create_app
from blueprints.accounts import service
from demo import seed_demo
from demo.accounts import DEMO_KEY, LETTERS_PRINTED
from models import AccountRequest, DossierKey, Family, User, db

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def seeded():
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 8, "parallelism": 1},
                      "RATELIMIT_STORAGE_URI": "memory://"})
    with app.app_context():
        db.create_all()
        seed_demo(now=NOW)
        yield app
        db.session.remove()


def test_the_readme_key_opens_a_family_without_an_account(seeded):
    rows = list(db.session.scalars(select(DossierKey).order_by(DossierKey.created_at.desc())))
    assert len(rows) == 1 + LETTERS_PRINTED
    holders = [db.session.get(Family, row.family_id) for row in rows]
    opened = [f for f in holders if service.check_key(f.dossier_number, DEMO_KEY) == f.id]
    assert len(opened) == 1
    assert not db.session.scalar(select(User.id).where(User.family_id == opened[0].id))
    assert all(f in service.families_without_account() for f in holders)


def test_martin_does_not_want_news(seeded):
    martin = db.session.scalar(select(User).where(User.email == "famille.martin@example.org"))
    assert service.wants(martin, "reminders") and service.wants(martin, "invoices")
    assert not service.wants(martin, "news")


def test_account_requests_in_every_status(seeded):
    statuses = [r.status for r in db.session.scalars(select(AccountRequest))]
    assert sorted(set(statuses)) == ["accepted", "pending", "refused"] and statuses.count("pending") == 2
    refused = db.session.scalar(select(AccountRequest).where(AccountRequest.status == "refused"))
    assert refused.reason and refused.decided_by.email == "agent@example.org"
