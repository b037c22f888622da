"""Sessions that really end (issue #12, item 2): logout, "Se déconnecter de tous les appareils", a new password and
a deactivated account end the session for every copy of its cookie; the database keeps only a hash of the secret."""

from __future__ import annotations

import datetime as dt

import pytest
from support import PASSWORD, csrf_from

from blueprints.auth.sessions import SESSION_KEY, TOUCH_EVERY, device_summary
from models import UserSession, db

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
FIREFOX_ANDROID = "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"


def at(app, when):
    app.config["CLOCK"] = lambda: when


def log_in(app, user, user_agent=FIREFOX_ANDROID):
    client = app.test_client()
    page = client.get("/connexion")
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": csrf_from(page.text)}, headers={"User-Agent": user_agent})
    assert response.status_code == 302
    return client


def copy_of(app, client):
    """A second browser holding a copy of `client`'s session cookie (stolen, or left on a shared computer)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value, domain="localhost")
    return thief


def post_button(client, page_url, action):
    page = client.get(page_url)
    assert f'action="{action}"' in page.text, f"no {action} form on {page_url}"
    return client.post(action, data={"csrf_token": csrf_from(page.text)})


def rows(user) -> list[UserSession]:
    db.session.expire_all()
    return db.session.execute(db.select(UserSession).where(UserSession.user_id == user.id)).scalars().all()


def test_a_copied_cookie_stops_working_after_logout(app, make_family):
    _, user, _ = make_family()
    client = log_in(app, user)
    thief = copy_of(app, client)
    assert thief.get("/mon-accueil").status_code == 200  # the copy works while the session is open...
    assert post_button(client, "/mon-accueil", "/deconnexion").status_code == 302
    assert thief.get("/mon-accueil").status_code == 302  # ...and not after logout
    assert client.get("/mon-accueil").status_code == 302
    [row] = rows(user)
    assert row.revoked_at is not None


@pytest.mark.parametrize(("who", "page"), [("parent", "/mon-accueil"), ("agent", "/gestion/")])
def test_logout_from_every_device(app, make_family, make_agent, who, page):
    user = make_family()[1] if who == "parent" else make_agent()
    phone, computer = log_in(app, user), log_in(app, user, user_agent="Mozilla/5.0 (Windows NT 10.0) Chrome/130.0")
    copy = copy_of(app, computer)
    _, neighbour, _ = make_family(name="Voisin")
    other_account = log_in(app, neighbour)
    response = post_button(phone, page, "/deconnexion/partout")
    assert response.status_code == 302 and response.location.startswith("/connexion")
    for browser in (phone, computer, copy):
        assert browser.get(page).status_code == 302
    assert other_account.get("/mon-accueil").status_code == 200  # other accounts are untouched
    assert all(row.revoked_at is not None for row in rows(user))
    notice = phone.get(response.location).text
    assert "Vous êtes déconnecté(e) de tous les appareils" in notice


def test_logout_from_every_device_needs_csrf(app, make_family):
    _, user, _ = make_family()
    client = log_in(app, user)
    assert client.post("/deconnexion/partout").status_code == 400
    assert client.get("/deconnexion/partout").status_code == 405
    assert client.get("/mon-accueil").status_code == 200


def test_a_deactivated_account_is_logged_out_everywhere(app, make_family):
    _, user, _ = make_family()
    client = log_in(app, user)
    user.active = False
    db.session.commit()
    assert client.get("/mon-accueil").status_code == 302


def test_only_a_hash_of_the_session_secret_is_stored(app, make_family):
    _, user, _ = make_family()
    client = log_in(app, user)
    with app.test_request_context():
        from flask import current_app

        cookie = current_app.session_interface.get_signing_serializer(current_app).loads(
            client.get_cookie("session").value)
    row_id, secret = cookie[SESSION_KEY].split(".")
    [row] = rows(user)
    assert row.id == int(row_id) and secret not in row.secret_hash and len(secret) >= 40
    assert row.user_agent == "Firefox, Android"


def test_a_forged_or_foreign_session_reference_is_refused(app, make_family):
    """The cookie is signed, but even a signed one (SECRET_KEY leaked, a bug) must name an open row of its user."""
    _, user, _ = make_family()
    _, other, _ = make_family(name="Autre")
    log_in(app, other)
    client = log_in(app, user)
    [mine], [theirs] = rows(user), rows(other)
    for forged in (f"{mine.id}.{'x' * 43}", f"{theirs.id}.{'x' * 43}", "2147483648.abc", "nonsense", ""):
        with client.session_transaction() as flask_session:
            flask_session[SESSION_KEY] = forged
        assert client.get("/mon-accueil").status_code == 302, forged


def test_a_session_unused_for_24_hours_has_expired_and_use_is_noted_sparingly(app, make_family):
    from app import create_app

    assert create_app({"TESTING": True, "SECRET_KEY": "x"}).config["PERMANENT_SESSION_LIFETIME"] == dt.timedelta(
        hours=24)  # the application's value (the test configuration lengthens it: tests/support.py)
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(hours=24)
    _, user, _ = make_family()
    at(app, T0)
    client = log_in(app, user)
    at(app, T0 + TOUCH_EVERY / 2)
    assert client.get("/mon-accueil").status_code == 200
    assert rows(user)[0].last_seen_at == T0  # not written on every request
    at(app, T0 + dt.timedelta(hours=23))
    assert client.get("/mon-accueil").status_code == 200
    assert rows(user)[0].last_seen_at == T0 + dt.timedelta(hours=23)
    at(app, T0 + dt.timedelta(hours=47))
    assert client.get("/mon-accueil").status_code == 302


def test_finished_sessions_are_deleted_at_the_next_login(app, make_family):
    _, user, _ = make_family()
    for _ in range(3):
        post_button(log_in(app, user), "/mon-accueil", "/deconnexion")
    log_in(app, user)
    assert [row.revoked_at for row in rows(user)] == [None]


@pytest.mark.parametrize(("agent", "summary"), [
    (FIREFOX_ANDROID, "Firefox, Android"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Safari/604.1",
     "Safari, iOS"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36 Edg/130.0",
     "Edge, Windows"),
    ("curl/8.0\x00", ""),
])
def test_device_summary(agent, summary):
    assert device_summary(agent) == summary
