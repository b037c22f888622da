"""Hostile input never gives a server error: every route (discovered from the URL map, like the CSRF test) and
every form field (discovered from the pages) gets huge ids, dates at the edges, NUL bytes and invalid UTF-8.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (where an id above 2**31-1 or a NUL byte reaching the
database fails the transaction). Every answer, errors included, carries the security headers."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from flask import url_for
from sqlalchemy import select
from support import csrf_from

import blueprints  # noqa: F401  (before demo, which imports from a blueprint)
from demo import AGENT_EMAIL, AGENT_PASSWORD, PARENT_PASSWORD, seed_demo
from models import Absence, Activity, Closure, Enrollment, Family, Person, Unit, User, db

NOW = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
HUGE_IDS = ["2147483648", "9223372036854775808", "99999999999999999999999999"]
EDGE_ISO = ["9999-12-31", "0001-01-01"]
EDGE_FR = ["31/12/9999", "01/01/0001"]
EDGE_MONTHS = ["9999-12", "0001-01"]
NUL = "\x00"
BAD_UTF8 = "%FF%FE"  # percent-encoded bytes that are not UTF-8
KINDS = ["huge id", "edge date", "nul byte", "invalid utf-8"]
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")
# Query parameters the views read (request.args), besides the names found in the pages' forms and links.
KNOWN_PARAMS = ("q", "next", "date", "unit", "shown")
# What a visitor would type in the empty fields, so that the form gets past "required" to the code under test.
FILL = {"email": "famille.martin@example.org", "password": "Un-mot-de-passe-solide-2026", "reason": "Malade",
        "q": "Martin", "start_date": "2026-11-23", "end_date": "2026-11-24"}


# --------------------------------------------------------------------------- the pages' forms


class _Forms(HTMLParser):
    """Every form of a page as (method, action, [(name, value)]), plus each htmx control that posts on its own."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url = page_url
        self.forms: list[tuple[str, str, list[tuple[str, str]]]] = []
        self.links: list[str] = []
        self._current = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and "?" in (a.get("href") or ""):
            self.links.append(a["href"])
        if tag == "form":
            self._current = ((a.get("method") or "get").upper(), a.get("action") or self.page_url, [])
            self.forms.append(self._current)
        if a.get("hx-post"):
            fields = list(json.loads(a.get("hx-vals") or "{}").items())
            if a.get("name"):
                fields.append((a["name"], a.get("value") or "on"))
            self.forms.append(("HX", a["hx-post"], fields))  # posted by htmx, with HX-Request
        if self._current is None or not a.get("name"):
            return
        if tag == "input":
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") in ("submit", "button", "file"):
                return
            self._current[2].append((a["name"], a.get("value") or ""))
        elif tag == "textarea":
            self._current[2].append((a["name"], ""))
        elif tag == "select":
            self._select = [a["name"], None, None]  # name, first option, selected option
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select[1] = value if self._select[1] is None else self._select[1]
            if "selected" in a:
                self._select[2] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        if tag == "select" and self._select is not None and self._current is not None:
            name, first, selected = self._select
            self._current[2].append((name, selected if selected is not None else (first or "")))
            self._select = None


def shape(name: str) -> str:
    """A field name with its ids and dates blanked: one mutated field per shape (a month has 60 alike)."""
    return re.sub(r"\d+", "N", name)


# --------------------------------------------------------------------------- mutations


def mutations(value: str, kind: str) -> list[str]:
    """Hostile variants of a real value: its number or date replaced by an extreme one, a NUL byte, bad UTF-8.
    Values are form values (str); invalid UTF-8 comes as percent-escapes the request builder leaves as bytes."""
    out = []
    if kind == "huge id":
        if re.search(r"\d+", value):
            out += [re.sub(r"\d+", big, value, count=1) for big in HUGE_IDS]
        else:
            out += HUGE_IDS[:1]
    elif kind == "edge date":
        if re.search(r"\d{4}-\d{2}-\d{2}", value):
            out += [re.sub(r"\d{4}-\d{2}-\d{2}", edge, value) for edge in EDGE_ISO]
        elif re.search(r"\d{2}/\d{2}/\d{4}", value):
            out += [re.sub(r"\d{2}/\d{2}/\d{4}", edge, value) for edge in EDGE_FR]
        elif re.fullmatch(r"\d{4}-\d{2}", value):
            out += EDGE_MONTHS
        else:
            out += EDGE_ISO[:1]
    elif kind == "nul byte":
        out.append(value + NUL + "x")
    else:
        out.append(value + BAD_UTF8)
    return out


def encode(fields: list[tuple[str, str]]) -> bytes:
    """application/x-www-form-urlencoded, keeping the raw %FF%FE of an invalid UTF-8 mutation as such."""
    parts = []
    for name, value in fields:
        encoded = quote(value, safe="").replace(quote(BAD_UTF8, safe=""), BAD_UTF8)
        parts.append(f"{quote(name, safe='')}={encoded}")
    return "&".join(parts).encode()


# --------------------------------------------------------------------------- the world


@pytest.fixture
def world(app, client):
    """The demo commune at a date its agendas can be changed, a parent and an agent logged in."""
    assert seed_demo(NOW)
    app.config["CLOCK"] = lambda: NOW
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a server error comes back as a page, collected below
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "10000 per minute"
    martin = db.session.execute(select(Family).where(Family.name == "Martin")).scalar_one()
    lea = next(c for c in martin.children if c.first_name == "Léa")
    parent = db.session.execute(select(User).where(User.family_id == martin.id)).scalars().first()
    values = Values({
        "child_id": lea.id,
        "family_id": martin.id,
        "person_id": martin.guardians[0].id,
        "absence_id": db.session.execute(select(Absence.id).where(Absence.child_id == lea.id)).scalars().first(),
        "activity_id": db.session.execute(select(Activity.id).order_by(Activity.id)).scalars().first(),
        "closure_id": db.session.execute(select(Closure.id)).scalars().first(),
        "doc_id": 1,
        "ym": "2026-11",
        "monday": "2026-11-23",
        "day": "2026-11-25",
        "unit_id": db.session.execute(select(Unit.id).order_by(Unit.id)).scalars().first(),
        "enrollment_id": db.session.execute(select(Enrollment.id).order_by(Enrollment.id)).scalars().first(),
        "kind": "enfants",
        "page": 1,
        "value": "2026-W47",
        "token": "x",
        "name": "x",
    })
    clients = {"anonymous": client}
    for who, email, password in (("parent", parent.email, PARENT_PASSWORD), ("agent", AGENT_EMAIL, AGENT_PASSWORD)):
        clients[who] = app.test_client()
        page = clients[who].get("/connexion")
        answer = clients[who].post(
            "/connexion", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)}
        )
        assert answer.status_code == 302, who
    assert isinstance(db.session.get(Person, lea.id), Person)
    return clients, values


class Values(dict):
    """A real value per URL part; a part added by a later route (an id) gets 1 until named here."""

    def __missing__(self, name):
        return 1


def routes(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def real_url(app, rule, values) -> str:
    with app.test_request_context():
        return url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})


def _check(response, label, problems):
    if response.status_code >= 500:
        problems.append(f"{label}: {response.status_code}")
    missing = [h for h in SECURITY_HEADERS if h not in response.headers]
    if missing:
        problems.append(f"{label}: {response.status_code} without {missing}")


def _send(client, method, url, problems, label, **kwargs):
    try:
        response = client.open(url, method=method, **kwargs)
    except Exception as exc:  # the error page itself failed: the WSGI server would answer a bare 500
        problems.append(f"{label}: {type(exc).__name__}: {exc}"[:300])
        return None
    _check(response, label, problems)
    return response


def url_variants(app, rule, values, kind) -> list[str]:
    """The rule's URL with one part at a time replaced by a hostile value."""
    out = []
    for name in sorted(rule.arguments):
        real = str(values[name])
        for hostile in mutations(real, kind):
            mark = 987654321 if isinstance(values[name], int) else "__X__"
            with app.test_request_context():
                parts = {n: values[n] for n in rule.arguments}
                # A converter that builds only its own words (any(...)) or dates: build with the real value, then
                # swap it in the path.
                try:
                    url, swap = url_for(rule.endpoint, **{**parts, name: mark}), str(mark)
                except ValueError:
                    url, swap = url_for(rule.endpoint, **parts), real
            out.append(url.replace(swap, quote(hostile, safe="").replace(quote(BAD_UTF8, safe=""), BAD_UTF8), 1))
    return out


def crawl(app, clients, values):
    """(who, page URL, page HTML) of every GET route each visitor can open."""
    pages = []
    for who, client in clients.items():
        for rule in routes(app):
            if "GET" not in rule.methods:
                continue
            url = real_url(app, rule, values)
            response = client.get(url)
            if response.status_code == 200 and response.mimetype == "text/html":
                pages.append((who, url, response.get_data(as_text=True)))
    return pages


@pytest.mark.parametrize("kind", KINDS)
def test_hostile_input_never_gives_a_server_error(app, world, kind):
    clients, values = world
    problems: list[str] = []
    sent = 0
    # 1. every route, one URL part at a time
    tokens = {who: csrf_from(client.get("/connexion" if who == "anonymous" else "/").text)
              for who, client in clients.items()}
    for rule in routes(app):
        for url in url_variants(app, rule, values, kind):
            for who, client in clients.items():
                for method in sorted(rule.methods & {"GET", "POST"}):
                    data = {"csrf_token": tokens[who]} if method == "POST" else None
                    _send(client, method, url, problems, f"{who} {method} {url!r}", data=data)
                    sent += 1
    # 2. every page, with hostile query parameters
    pages = crawl(app, clients, values)
    assert len(pages) >= 20
    for who, url, html in pages:
        parser = _Forms(url)
        parser.feed(html)
        names = set(KNOWN_PARAMS)
        for method, _action, fields in parser.forms:
            if method == "GET":
                names |= {n for n, _v in fields}
        for link in parser.links:
            names |= {p.split("=")[0] for p in urlsplit(link).query.split("&") if p}
        for name in sorted(names):
            for hostile in mutations("1:2026-11-17" if name == "shown" else "2026-11-17", kind) + (
                mutations("", kind) if kind != "edge date" else []
            ):
                query = encode([(name, hostile)]).decode()
                _send(clients[who], "GET", f"{url}?{query}", problems, f"{who} GET {url}?{query!r}")
                sent += 1
    # 3. every form, one field (of each shape) at a time
    forms_seen = set()
    for who, url, html in pages:
        parser = _Forms(url)
        parser.feed(html)
        token = csrf_from(html) if "csrf_token" in html or "X-CSRFToken" in html else ""
        for method, action, fields in parser.forms:
            form_key = (who, method, shape(action), tuple(sorted({shape(n) for n, _v in fields})))
            if form_key in forms_seen:  # the month's 60 toggles are alike: one of each is enough
                continue
            forms_seen.add(form_key)
            seen = set()
            fields = [(n, v or FILL.get(n, "")) for n, v in fields]
            for i, (name, value) in enumerate(fields):
                if name == "csrf_token" or shape(name) in seen:
                    continue
                seen.add(shape(name))
                for hostile in mutations(value, kind):
                    changed = [*fields[:i], (name, hostile), *fields[i + 1 :]]
                    if method == "GET":
                        target = f"{action}?{encode(changed).decode()}"
                        _send(clients[who], "GET", target, problems, f"{who} GET {target!r}")
                    else:
                        if not any(n == "csrf_token" for n, _v in changed):
                            changed.append(("csrf_token", token))
                        _send(
                            clients[who], "POST", action, problems, f"{who} {method} {action} {name}={hostile!r}",
                            data=encode(changed), content_type="application/x-www-form-urlencoded",
                            headers={"HX-Request": "true"} if method == "HX" else {},
                        )
                    sent += 1
    assert sent > 100
    assert not problems, f"{len(problems)} of {sent} requests failed:\n" + "\n".join(problems)


# --------------------------------------------------------------------------- the cases of issue #12, one by one


def _post(client, url, data, **kwargs):
    token = csrf_from(client.get("/").text)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def test_ids_that_cannot_exist_are_404(world):
    clients, values = world
    parent, agent = clients["parent"], clients["agent"]
    for url in ("/enfants/2147483648", "/enfants/0", "/documents/9223372036854775808",
                f"/enfants/{values['child_id']}/absences/2147483648/justificatif"):
        assert parent.get(url).status_code == 404, url
    assert agent.get("/gestion/familles/2147483648").status_code == 404
    assert agent.get(f"/gestion/familles/{2**31 - 1}").status_code == 404  # the largest key: a plain "not found"
    assert parent.get(f"/enfants/{values['child_id']}").status_code == 200


@pytest.mark.parametrize("htmx", [True, False])
@pytest.mark.parametrize(("unit", "day"), [("2147483648", "2026-11-17"), ("1", "9999-12-31"), ("1", "0001-01-01")])
def test_a_toggle_with_an_impossible_unit_or_day_changes_nothing(world, htmx, unit, day):
    clients, values = world
    headers = {"HX-Request": "true"} if htmx else {}
    response = _post(clients["parent"], f"/enfants/{values['child_id']}/reservations",
                     {"unit": unit, "date": day, f"s-{unit}-{day}": "1"}, headers=headers)
    if htmx:  # htmx swaps only 2xx: the fragment says the request was refused
        assert response.status_code == 200 and "Demande invalide" in response.text
    else:
        assert response.status_code == 400


def test_the_month_form_ignores_a_slot_at_the_edge_of_time(world):
    clients, values = world
    url = f"/enfants/{values['child_id']}/agenda/2026-11"
    response = _post(clients["parent"], url, {"shown": ["1:9999-12-31", "1:0001-01-01"], "s-1-9999-12-31": "1"})
    assert response.status_code == 302
    assert "Aucune modification" in clients["parent"].get(response.location).text


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "31/12/9999"])
def test_an_absence_date_outside_the_years_handled_is_a_form_error(world, day):
    clients, values = world
    response = _post(clients["parent"], f"/enfants/{values['child_id']}/absences",
                     {"start_date": "2026-11-23", "end_date": day, "reason": ""})
    assert response.status_code == 200
    assert "La date de fin n'est pas une date valide" in response.text


@pytest.mark.parametrize(("who", "method", "url", "data"), [
    ("anonymous", "POST", "/connexion", {"email": "abc\x00def@example.org", "password": "x" * 12}),
    ("parent", "POST", "/enfants/{child_id}/absences", {"start_date": "2026-11-23", "end_date": "2026-11-23",
                                                          "reason": "malade\x00"}),
    ("agent", "GET", "/gestion/familles?q=%00", None),
    ("agent", "GET", "/gestion/familles?q=Mart%FFin", None),
    ("agent", "GET", "/gestion/familles/%00", None),
    ("anonymous", "POST", "/mot-de-passe-oublie", {"email": "a%FF@example.org"}),
])
def test_nul_bytes_and_invalid_utf8_are_refused_at_the_edge(world, who, method, url, data):
    clients, values = world
    client = clients[who]
    url = url.format(**values)
    if method == "GET":
        response = client.get(url)
    elif "%FF" in data.get("email", ""):  # raw bytes that are not UTF-8, as a broken client would send them
        token = csrf_from(client.get("/connexion").text)
        body = f"email={data['email']}&csrf_token={token}".encode()
        response = client.post(url, data=body, content_type="application/x-www-form-urlencoded")
    else:
        response = _post(client, url, data)
    assert response.status_code == 400
    assert "Caractère non autorisé" in response.text and "retirez ce caractère" in response.text
    for header in SECURITY_HEADERS:
        assert header in response.headers


def test_a_file_name_with_a_nul_byte_is_refused(world):
    import io

    clients, values = world
    absence = values["absence_id"]
    url = f"/enfants/{values['child_id']}/absences/{absence}/justificatif"
    token = csrf_from(clients["parent"].get(url).text)
    response = clients["parent"].post(url, data={
        "csrf_token": token, "certificate": (io.BytesIO(b"%PDF-1.4\n"), "certificat\x00.pdf")})
    assert response.status_code == 400


# --------------------------------------------------------------------------- the error pages


@pytest.fixture
def failing_routes(app):
    """Routes that fail the way a bug would, inside a transaction: a failed flush (the session then refuses every
    query until a rollback), a failed statement (PostgreSQL then refuses every statement), a plain exception."""
    from sqlalchemy import text

    def failed_flush():
        taken = db.session.execute(select(User.email)).scalars().first()
        db.session.add(User(email=taken, display_name="Doublon"))
        db.session.flush()  # IntegrityError: unique e-mail

    def failed_statement():
        try:
            db.session.execute(text("SELECT * FROM no_such_table"))
        except Exception:
            pass  # swallowed: on PostgreSQL the transaction is now aborted
        raise RuntimeError("bug after a failed statement")

    def plain():
        raise RuntimeError("bug")

    for view in (failed_flush, failed_statement, plain):
        app.add_url_rule(f"/_test/{view.__name__}", view.__name__, view)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return ("failed_flush", "failed_statement", "plain")


def test_the_500_page_needs_no_database_and_carries_the_security_headers(app, failing_routes, world):
    from sqlalchemy import event

    clients, _values = world
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    for who in ("anonymous", "parent", "agent"):
        for name in failing_routes:
            statements.clear()
            event.listen(db.engine, "before_cursor_execute", record)
            try:
                response = clients[who].get(f"/_test/{name}")
            finally:
                event.remove(db.engine, "before_cursor_execute", record)
            assert response.status_code == 500, (who, name)
            assert "Erreur du serveur" in response.text
            assert "Erreur du serveur — Ville de Démo-sur-Loire" in response.text  # the name as last read, no query
            assert response.headers["Content-Security-Policy"] and response.headers["X-Frame-Options"] == "DENY"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert not any("commune_settings" in s for s in statements), (who, name)
    # and the next request works: the connection went back to the pool clean
    assert clients["parent"].get("/mon-accueil").status_code == 200


def test_an_error_page_renders_even_when_the_database_is_gone(app, world, monkeypatch):
    clients, _values = world
    logged_in = clients["parent"]
    logged_in.get("/mon-accueil")

    def gone(*args, **kwargs):
        raise RuntimeError("database unreachable")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    monkeypatch.setattr(db.session, "rollback", gone)
    monkeypatch.setattr("app.commune_settings", gone)
    response = clients["anonymous"].get("/enfants/2147483648/agenda")  # 404 before any query
    assert response.status_code == 404 and "Page introuvable" in response.text
    assert response.headers["X-Frame-Options"] == "DENY"


def test_every_error_page_carries_the_security_headers(app, world, monkeypatch):
    clients, values = world
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "1 per 15 minutes"
    anonymous, parent = clients["anonymous"], clients["parent"]
    token = csrf_from(anonymous.get("/connexion").text)
    for _ in range(2):
        too_many = anonymous.post("/connexion", data={"email": "x@example.org", "password": "y", "csrf_token": token})
    answers = {
        400: anonymous.post("/connexion", data={"email": "x@example.org"}),  # no CSRF token
        404: parent.get("/enfants/2147483648"),
        405: parent.get("/deconnexion"),
        429: too_many,
        302: anonymous.get("/mon-accueil"),
    }
    for code, response in answers.items():
        assert response.status_code == code
        for header in SECURITY_HEADERS:
            assert header in response.headers, (code, header)
