"""Login throttling without lock-out (issue #12, item 4): a stranger's failures never stop a parent logging in from
her usual browser (signed device cookie); from a fresh browser the right password works again after a growing
delay, while guessing stays slow; the per-address limit stays; counters are shared through Redis when configured.

Time is moved by replacing the clock of the limiter's in-memory storage, never by sleeping."""

from __future__ import annotations

import types
import uuid

import limits.storage.memory
import pytest
from support import PASSWORD, _config, csrf_from

from app import create_app
from blueprints.auth.devices import COOKIE
from models import db

MINUTE = 60


@pytest.fixture
def clock(monkeypatch):
    """clock.advance(seconds): the limiter's counters see time pass."""
    now = {"t": 1_900_000_000.0}
    fake = types.SimpleNamespace(time=lambda: now["t"], sleep=lambda s: None)
    monkeypatch.setattr(limits.storage.memory, "time", fake)
    return types.SimpleNamespace(advance=lambda seconds: now.__setitem__("t", now["t"] + seconds))


def attempt(app, email, password, client=None, ip="192.0.2.10"):
    """One login attempt, from `client` (a browser with its cookies) or from a fresh browser."""
    client = client or app.test_client()
    env = {"REMOTE_ADDR": ip}
    page = client.get("/connexion", environ_base=env)
    return client.post("/connexion", environ_base=env,
                       data={"email": email, "password": password, "csrf_token": csrf_from(page.text)})


def usual_browser(app, user):
    """A browser the parent has logged in with before (then logged out)."""
    browser = app.test_client()
    assert attempt(app, user.email, PASSWORD, client=browser).status_code == 302
    page = browser.get("/mon-accueil")
    assert browser.post("/deconnexion", data={"csrf_token": csrf_from(page.text)}).status_code == 302
    return browser


def stranger_guesses(app, email, times, ip_prefix="198.51.100."):
    return [attempt(app, email, "mauvais-mot-de-passe", ip=f"{ip_prefix}{i}").status_code for i in range(times)]


def test_a_strangers_failures_do_not_lock_the_parent_out_of_her_usual_browser(app, clock, make_family):
    _, user, _ = make_family()
    browser = usual_browser(app, user)
    assert stranger_guesses(app, user.email, 5) == [200] * 5
    assert attempt(app, user.email, PASSWORD).status_code == 429  # a fresh browser waits: guessing stays slow
    assert attempt(app, user.email, PASSWORD, client=browser).status_code == 302  # her usual browser does not
    assert browser.get("/mon-accueil").status_code == 200


def test_the_throttle_page_tells_a_fresh_browser_what_still_works(app, clock, make_family):
    _, user, _ = make_family()
    stranger_guesses(app, user.email, 5)
    page = attempt(app, user.email, PASSWORD).get_data(as_text=True)
    assert "attendez 15 minutes" in page
    assert "Depuis un appareil où vous vous êtes déjà connecté(e) à ce compte" in page


def test_the_right_password_works_again_after_a_delay_that_doubles(app, clock, make_family):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    _, user, _ = make_family()
    assert stranger_guesses(app, user.email, 2) == [200, 200]
    locked = attempt(app, user.email, PASSWORD)
    assert locked.status_code == 429 and "attendez 15 minutes" in locked.get_data(as_text=True)
    waits = []
    for _ in range(4):  # after each lock: how long until one more try is allowed?
        waited = 0
        while attempt(app, user.email, "encore-faux", ip="203.0.113.1").status_code == 429:
            clock.advance(5 * MINUTE)
            waited += 5
        waits.append(waited)
    assert waits == [15, 15, 30, 60]  # then 2 h, 4 h, 8 h
    clock.advance(2 * 60 * MINUTE)
    assert attempt(app, user.email, PASSWORD).status_code == 302  # the parent, from a new phone: in


def test_guessing_from_fresh_browsers_stays_slow_over_a_day(app, clock, make_family):
    """One guess every 15 minutes for 24 hours: the old flat limit (5 per 15 minutes) let all 96 through."""
    _, user, _ = make_family()
    let_through = 0
    for i in range(96):
        let_through += attempt(app, user.email, f"essai-{i}", ip=f"198.51.100.{i % 250}").status_code == 200
        clock.advance(15 * MINUTE)
    assert let_through <= 24  # about twenty a day, against 96 (and 480 for a faster guesser) before


def test_a_recognised_browser_has_its_own_limit(app, clock, make_family):
    app.config["LOGIN_LIMIT_PER_DEVICE"] = "2 per 15 minutes"
    _, user, _ = make_family()
    laptop, phone = usual_browser(app, user), usual_browser(app, user)
    assert [attempt(app, user.email, "oubli", client=laptop).status_code for _ in range(2)] == [200, 200]
    assert attempt(app, user.email, PASSWORD, client=laptop).status_code == 429
    assert attempt(app, user.email, PASSWORD, client=phone).status_code == 302
    assert attempt(app, user.email, PASSWORD).status_code == 302  # nor did the laptop's failures lock the account


def test_a_cookie_for_another_account_or_forged_does_not_exempt(app, clock, make_family):
    _, user, _ = make_family()
    _, stranger, _ = make_family(name="Inconnu")
    own = usual_browser(app, stranger)  # the stranger's browser is recognised... for the stranger's account
    assert [attempt(app, user.email, "devine", client=own).status_code for _ in range(5)] == [200] * 5
    assert attempt(app, user.email, PASSWORD, client=own).status_code == 429
    forged = app.test_client()
    forged.set_cookie(COOKIE, own.get_cookie(COOKIE, path="/connexion").value[:-2] + "xx", domain="localhost",
                      path="/connexion")
    assert attempt(app, user.email, PASSWORD, client=forged).status_code == 429


def test_the_per_address_limit_still_applies_to_everyone(app, clock, make_family):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    _, user, _ = make_family()
    browser = usual_browser(app, user)
    for i in range(3):
        attempt(app, f"inconnu{i}@example.org", "mauvais", ip="192.0.2.10")
    assert attempt(app, user.email, PASSWORD, client=browser, ip="192.0.2.10").status_code == 429


@pytest.mark.parametrize(("demo", "secure"), [(False, True), (True, False)])
def test_the_device_cookie(app, make_family, demo, secure):
    app.config["SESSION_COOKIE_SECURE"] = not demo
    _, user, _ = make_family()
    response = attempt(app, user.email, PASSWORD)
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE + "=")]
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert "httponly" in flags and flags["samesite"] == "SameSite=Lax" and flags["path"] == "Path=/connexion"
    assert ("secure" in flags) is secure
    assert int(flags["max-age"].split("=")[1]) >= 90 * 24 * 3600
    assert user.email.split("@")[0] not in cookie
    failed = attempt(app, user.email, "faux")  # only a successful login makes a browser recognised
    assert not any(c.startswith(COOKIE + "=") for c in failed.headers.getlist("Set-Cookie"))


def test_account_limit_ladder(app):
    from blueprints.auth.devices import account_limits

    with app.test_request_context():
        app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "5 per 15 minutes"
        assert account_limits() == ("5 per 900 seconds; 6 per 1800 seconds; 7 per 3600 seconds; 8 per 7200 seconds; "
                                    "9 per 14400 seconds; 10 per 28800 seconds; 11 per 57600 seconds")
        app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per day"
        assert account_limits() == "3 per 86400 seconds"


def _redis_available(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.mark.skipif(not _redis_available(REDIS_URL), reason="no Redis at 127.0.0.1:6379")
def test_counters_are_shared_between_processes_through_redis(database_url, _schema, tmp_path, monkeypatch):
    """Two application instances (two gunicorn workers) with the same RATELIMIT_STORAGE_URI share the counters."""
    prefix = f"test-{uuid.uuid4().hex[:8]}"  # this test's keys only
    workers = []
    for n in range(2):
        monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / f"worker{n}"))
        worker = create_app({**_config(database_url), "RATELIMIT_STORAGE_URI": REDIS_URL,
                             "RATELIMIT_KEY_PREFIX": prefix, "LOGIN_LIMIT_PER_ACCOUNT": "2 per 15 minutes"})
        with worker.app_context():
            db.create_all()  # in-memory SQLite: one database per worker; PostgreSQL: already there
        workers.append(worker)
    first, second = workers
    try:
        assert attempt(first, "quelquun@example.org", "faux").status_code == 200
        assert attempt(second, "quelquun@example.org", "faux").status_code == 200
        assert attempt(first, "quelquun@example.org", "faux").status_code == 429
        assert attempt(second, "quelquun@example.org", "faux").status_code == 429
    finally:
        for worker in workers:
            with worker.app_context():
                db.engine.dispose()
