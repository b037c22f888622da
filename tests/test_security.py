"""Cross-cutting protections: CSRF on every write route, login throttling, cookies, CSP and no inline script."""

from __future__ import annotations

import re
import types
from html.parser import HTMLParser

import itsdangerous.timed
import pytest
from flask import url_for
from support import PASSWORD, _config, csrf_from

from app import create_app
from models import db

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
TOO_MANY = "Trop de tentatives"


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def logged_in(app, make_family, make_agent):
    """{"anonymous": client, "parent": client, "agent": client}, each logged in through the real form."""

    def client_for(email):
        client = app.test_client()
        if email:
            page = client.get("/connexion")
            response = client.post(
                "/connexion", data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(page.text)}
            )
            assert response.status_code == 302
        return client

    _, parent, _ = make_family()
    agent = make_agent()
    return {"anonymous": client_for(None), "parent": client_for(parent.email), "agent": client_for(agent.email)}


SAMPLE_VALUES = {"int": 1, "float": 1.5, "uuid": "12345678-1234-5678-1234-567812345678", "month": "2026-11"}


def sample_url(app, rule) -> str:
    """A URL of `rule` with made-up values for its parts (a number for <int:...>, a word for a string...)."""
    values = {}
    for conv, args, name in re.findall(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>", rule.rule):
        if conv == "any":
            values[name] = args.split(",")[0].strip().strip("'\"")
        else:
            values[name] = SAMPLE_VALUES.get(conv, "x")
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def attempt(app, email: str, password: str, ip: str = "192.0.2.10"):
    """One login attempt from a fresh browser at address `ip`."""
    client = app.test_client()
    env = {"REMOTE_ADDR": ip}
    page = client.get("/connexion", environ_base=env)
    return client.post(
        "/connexion", environ_base=env, data={"email": email, "password": password, "csrf_token": csrf_from(page.text)}
    )


def comparable(response) -> str:
    return re.sub(r'(value="|"X-CSRFToken": ")[^"]*"', r'\1"', response.get_data(as_text=True))


@pytest.fixture
def fresh_app(database_url, _schema, tmp_path, monkeypatch):
    """fresh_app(**config) -> a new application built like in production from the environment (plus `config`)."""
    made = []

    def make(drop=(), **overrides):
        monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / f"instance-{len(made)}"))
        config = {k: v for k, v in _config(database_url).items() if k not in drop}
        application = create_app({**config, **overrides})
        with application.app_context():
            if database_url.startswith("sqlite"):
                db.create_all()
        made.append(application)
        return application

    yield make
    for application in made:
        with application.app_context():
            db.engine.dispose()


# --------------------------------------------------------------------------- CSRF


def test_the_test_app_keeps_csrf_protection_on(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.config.get("WTF_CSRF_CHECK_DEFAULT", True) is True


# Called by the bank (PayFiP's server-to-server notification, the browser's cross-site return), which cannot hold a
# CSRF token: they only make us ask the bank again (payments/views.py), never act on what they carry
# (tests/test_payments.py: forged, replayed, hostile notifications).
CSRF_EXEMPT = {"payments.notification", "payments.back"}


def test_every_write_route_refuses_a_request_without_csrf_token(app, logged_in):
    """Walks the URL map, so a route added later is covered without touching this test."""
    rules = [r for r in app.url_map.iter_rules() if r.methods & WRITE_METHODS and r.endpoint not in CSRF_EXEMPT]
    endpoints = {r.endpoint for r in rules}
    assert {"auth.login", "auth.logout", "auth.forgot", "auth.activate", "auth.reset", "backoffice.invite"} <= endpoints
    checked = 0
    for rule in rules:
        url = sample_url(app, rule)
        for method in sorted(rule.methods & WRITE_METHODS):
            for who, client in logged_in.items():
                response = client.open(url, method=method, data={"email": "a@example.org", "password": "x"})
                assert response.status_code == 400, f"{method} {url} as {who}: {response.status_code}"
                assert "Session expirée" in response.get_data(as_text=True), f"{method} {url} as {who}"
                checked += 1
    assert checked >= 6 * 3
    # and nobody was logged out or in by any of those requests
    assert logged_in["parent"].get("/mon-accueil").status_code == 200
    assert logged_in["anonymous"].get("/mon-accueil").status_code == 302


def test_a_token_from_another_session_is_refused(app, logged_in):
    stolen = csrf_from(logged_in["agent"].get("/gestion/").text)
    response = logged_in["parent"].post("/deconnexion", data={"csrf_token": stolen})
    assert response.status_code == 400
    assert logged_in["parent"].get("/mon-accueil").status_code == 200


def test_htmx_requests_carry_the_token_in_a_header(app, logged_in):
    """base.html puts the token in hx-headers: a POST with only the X-CSRFToken header is accepted."""
    page = logged_in["parent"].get("/mon-accueil").get_data(as_text=True)
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1)
    response = logged_in["parent"].post("/deconnexion", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 302
    assert logged_in["parent"].get("/mon-accueil").status_code == 302


@pytest.mark.parametrize(("limit", "accepted"), [(None, True), (3600, False)])
def test_csrf_token_is_tied_to_the_session_not_to_a_time_limit(app, client, make_family, monkeypatch, limit, accepted):
    """A form left open all afternoon still submits (RGAA 13.1); only the session (24 h) bounds it."""
    if limit is not None:
        app.config["WTF_CSRF_TIME_LIMIT"] = limit
    _, user, _ = make_family()
    token = csrf_from(client.get("/connexion").text)
    five_hours_later = itsdangerous.timed.time.time() + 5 * 3600
    monkeypatch.setattr(itsdangerous.timed, "time", types.SimpleNamespace(time=lambda: five_hours_later))
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert (response.status_code == 302) is accepted


# --------------------------------------------------------------------------- login throttling


def test_login_is_throttled_per_account(app, make_family):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    _, user, _ = make_family()
    _, neighbour, _ = make_family()
    for i, typed in enumerate([user.email, user.email.upper(), " " + user.email]):
        assert attempt(app, typed, "mauvais", ip=f"198.51.100.{i}").status_code == 200  # spread over addresses
    blocked = attempt(app, user.email, PASSWORD, ip="198.51.100.99")  # even the right password now waits
    assert blocked.status_code == 429
    page = blocked.get_data(as_text=True)
    assert TOO_MANY in page and "attendez" in page
    assert user.email not in page
    assert attempt(app, neighbour.email, PASSWORD, ip="198.51.100.99").status_code == 302  # other accounts are fine


def test_login_is_throttled_per_address(app, make_family):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    _, user, _ = make_family()
    for i in range(3):
        assert attempt(app, f"inconnu{i}@example.org", "mauvais", ip="203.0.113.7").status_code == 200
    assert attempt(app, user.email, PASSWORD, ip="203.0.113.7").status_code == 429
    assert attempt(app, user.email, PASSWORD, ip="203.0.113.8").status_code == 302


def test_successful_logins_do_not_count_toward_the_throttle(app, make_family):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "2 per 15 minutes"
    _, user, _ = make_family()
    for _ in range(4):
        assert attempt(app, user.email, PASSWORD).status_code == 302
    assert attempt(app, user.email, "mauvais").status_code == 200
    assert attempt(app, user.email, "mauvais").status_code == 200
    assert attempt(app, user.email, PASSWORD).status_code == 429


def test_throttle_page_is_the_same_for_known_and_unknown_accounts(app, make_family):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "1 per 15 minutes"
    _, user, _ = make_family()
    stranger = "x" + user.email[1:]
    pages = []
    for email in (user.email, stranger):
        attempt(app, email, "mauvais", ip="192.0.2.1")
        blocked = attempt(app, email, "mauvais", ip="192.0.2.2")
        assert blocked.status_code == 429
        pages.append(comparable(blocked))
    assert pages[0] == pages[1]


def test_forgotten_password_requests_are_throttled_per_address_typed(app, client, make_family):
    _, user, _ = make_family()
    token = csrf_from(client.get("/mot-de-passe-oublie").text)
    statuses = [
        client.post("/mot-de-passe-oublie", data={"email": user.email, "csrf_token": token}).status_code
        for _ in range(6)
    ]
    assert statuses == [200] * 5 + [429]


def test_throttle_counters_start_afresh_with_each_application(app, fresh_app, make_family):
    """Each test builds a new app: the module-level limiter must not carry counters from one to the next."""
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "1 per 15 minutes"
    attempt(app, "quelquun@example.org", "mauvais")
    assert attempt(app, "quelquun@example.org", "mauvais").status_code == 429
    second = fresh_app(LOGIN_LIMIT_PER_ACCOUNT="1 per 15 minutes")
    assert attempt(second, "quelquun@example.org", "mauvais").status_code == 200


# --------------------------------------------------------------------------- cookies and headers


@pytest.mark.parametrize(("demo", "secure"), [(None, True), ("1", False)])
def test_session_cookie_flags(fresh_app, monkeypatch, demo, secure):
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    if demo is None:
        monkeypatch.delenv("DEMO", raising=False)
    else:
        monkeypatch.setenv("DEMO", demo)
    application = fresh_app(drop=("DEMO", "SESSION_COOKIE_SECURE"))
    response = application.test_client().get("/connexion")
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert "httponly" in flags
    assert flags["samesite"] == "SameSite=Lax"
    assert ("secure" in flags) is secure


class _PageScan(HTMLParser):
    """Collects what a strict CSP would block or what would run script inline."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src"):
            self.problems.append("inline <script>")
        for name, value in attrs.items():
            if name.startswith(("on", "hx-on")):
                self.problems.append(f"event handler attribute {name}")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"javascript: URL in {name}")
            if name == "style":
                self.problems.append("inline style attribute (blocked by style-src 'self')")


def _html_pages(app, logged_in, make_family):
    fam, _, _ = make_family(name="Azur")
    db.session.commit()
    yield "anonymous", "/activer/x"
    for who in logged_in:
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
                yield who, rule.rule
    yield "agent", f"/gestion/familles/{fam.id}"
    yield "agent", "/gestion/familles?q=Azur"


def test_pages_send_a_csp_and_carry_no_inline_script(app, logged_in, make_family):
    seen = 0
    for who, url in _html_pages(app, logged_in, make_family):
        response = logged_in[who].get(url)
        csp = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, url
        assert "frame-ancestors 'none'" in csp
        if response.mimetype != "text/html":
            continue
        scan = _PageScan()
        scan.feed(response.get_data(as_text=True))
        assert scan.problems == [], f"{url} as {who}: {scan.problems}"
        seen += 1
    assert seen >= 15
