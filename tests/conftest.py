"""Shared fixtures: a fresh database per test (in-memory SQLite, or PostgreSQL when TEST_DATABASE_URL is set),
a test client, `login_as`, small factories. Passwords are hashed once with cheap argon2 parameters."""

from __future__ import annotations

import contextvars
import datetime as dt
import uuid

import pytest
from flask.testing import FlaskClient
from jinja2 import MemcachedBytecodeCache
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from support import (  # noqa: F401
    FAST_ARGON2,
    PASSWORD,
    PG_URL,
    _config,
    csrf_from,
    enroll,
    link_in,
    outbox,
)

from app import create_app
from models import Activity, Family, Period, Person, School, Unit, User, db

pytest_plugins = ["planning_world", "ops_world"]  # shared worlds: planning and feeds; back-office operations


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: Playwright tests in tests/browser (Debian Chromium)")
    config.addinivalue_line("markers", "postgres: needs TEST_DATABASE_URL (PostgreSQL)")
    config.addinivalue_line("markers", "gunicorn: starts a real gunicorn process (about 10 s on a quiet machine)")


@pytest.fixture(scope="session")
def database_url():
    """SQLite in memory, or a throw-away PostgreSQL database created for this test session."""
    if not PG_URL:
        yield "sqlite://"
        return
    base = make_url(PG_URL)
    name = f"{base.database}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _schema(database_url):
    """On PostgreSQL the schema is created once; each test then empties the tables."""
    if database_url.startswith("sqlite"):
        return
    app = create_app(_config(database_url))
    with app.app_context():
        db.create_all()
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request runs in its own application context, so its own `g` and database session, as in production.

    The `app` fixture keeps a context open for the factories; a request would otherwise reuse it, and every request
    of a test would share one `g` (the CSRF token, the logged-in user: a second client could not submit a form)
    and one session (a view that forgets to commit would look fine).

    Like a WSGI server, it reads the whole response then closes it (buffered), so what runs after the response
    (mail.after_response, run by the AfterResponse layer) has run when the call returns. Pass buffered=False to look at
    the answer before that, then response.close()."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return contextvars.Context().run(super().open, *args, **kwargs)


class _SharedBytecode(dict):
    """Compiled templates kept across the apps of a test session (each test builds a new app and Jinja env)."""

    def set(self, key, value, timeout=None):
        self[key] = value


_BYTECODE = MemcachedBytecodeCache(_SharedBytecode())


@pytest.fixture
def app(database_url, _schema, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    application = create_app(_config(database_url))
    application.test_client_class = IsolatedClient
    application.jinja_env.bytecode_cache = _BYTECODE
    with application.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()
        yield application
        db.session.remove()
        if not database_url.startswith("sqlite"):
            # DELETE is much faster than TRUNCATE on the handful of rows a test leaves behind.
            with db.engine.begin() as conn:
                for table in reversed(db.metadata.sorted_tables):
                    conn.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def password_hash():
    """One argon2 hash of PASSWORD (cheap parameters), reused by every test user."""
    from argon2 import PasswordHasher

    return PasswordHasher(**FAST_ARGON2).hash(PASSWORD)


@pytest.fixture
def make_family(app, password_hash):
    """make_family(name="Martin", children=("Léa",), email=...) -> (family, user, children)."""
    counter = {"n": 0}

    def factory(name="Martin", children=("Léa",), email=None, password=True, school=None):
        counter["n"] += 1
        fam = Family(
            dossier_number=f"T-{counter['n']:04d}-{uuid.uuid4().hex[:4]}",
            name=name,
            address="1 rue de l'École",
            postcode="45000",
            city="Démo-sur-Loire",
        )
        db.session.add(fam)
        db.session.flush()
        email = email or f"parent{counter['n']}.{uuid.uuid4().hex[:6]}@example.org"
        guardian = Person(family_id=fam.id, role="guardian", first_name="Camille", last_name=name, email=email)
        db.session.add(guardian)
        kids = []
        for i, first in enumerate(children):
            kid = Person(
                family_id=fam.id,
                role="child",
                first_name=first,
                last_name=name,
                birth_date=dt.date(2018 - i, 3, 14),
                school=school,
                class_name="CE1",
            )
            db.session.add(kid)
            kids.append(kid)
        db.session.flush()
        user = User(
            email=email.lower(),
            role="parent",
            family_id=fam.id,
            person_id=guardian.id,
            display_name=f"Camille {name}",
            password_hash=password_hash if password else None,
        )
        db.session.add(user)
        db.session.commit()
        return fam, user, kids

    return factory


@pytest.fixture
def make_agent(app, password_hash):
    def factory(email="agent@example.org", role="agent"):
        user = User(email=email, role=role, display_name="Agent Test", password_hash=password_hash)
        db.session.add(user)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def login_as(client):
    """Log in through the real login form (CSRF included). Returns the response of the POST."""

    def do_login(user_or_email, password=PASSWORD, follow=False):
        email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
        page = client.get("/connexion")
        return client.post(
            "/connexion",
            data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
            follow_redirects=follow,
        )

    return do_login


@pytest.fixture
def make_activity(app):
    """A school-day activity with one unit and a school-year period (no deadline policy unless given)."""

    def factory(
        code="restauration",
        slot="meal",
        label="Repas",
        weekdays="0134",
        capacity=None,
        start=dt.date(2026, 9, 1),
        end=dt.date(2027, 7, 3),
        calendar="school_days",
        **kwargs,
    ):
        activity = Activity(code=f"{code}-{uuid.uuid4().hex[:4]}", name=code.title(), calendar=calendar, **kwargs)
        db.session.add(activity)
        db.session.flush()
        unit = Unit(activity_id=activity.id, slot=slot, label=label, weekdays=weekdays, capacity=capacity)
        period = Period(activity_id=activity.id, name="Année scolaire 2026-2027", start_date=start, end_date=end)
        db.session.add_all([unit, period])
        db.session.commit()
        return activity, unit, period

    return factory


@pytest.fixture
def school(app):
    s = School(name=f"École Jean-de-La-Fontaine {uuid.uuid4().hex[:4]}")
    db.session.add(s)
    db.session.commit()
    return s


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """The .mo files the application reads (`make translations` at setup), compiled again when a .po is newer: a
    test run straight after editing translations/en/LC_MESSAGES/messages.po sees the new English."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (Path(__file__).resolve().parent.parent / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as fh:
                catalog = read_po(fh, locale=po.parent.parent.name)
            with mo.open("wb") as fh:
                write_mo(fh, catalog)
