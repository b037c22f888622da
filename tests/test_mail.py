"""Outgoing e-mail: really over SMTP (a local aiosmtpd server), else .eml files in instance/outbox."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import struct
import threading
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from support import PASSWORD, _config, answer_sent, csrf_from, link_in, outbox, text
from werkzeug.serving import make_server

import mail
from app import create_app
from models import AccountToken, User, db

PUBLIC_URL = "https://portail.ville-exemple.fr"


class Collector:
    """aiosmtpd handler keeping every message it is given."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on 127.0.0.1, and the app configured to use it."""
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield handler
    controller.stop()


class HeldCollector(Collector):
    """An SMTP server slow to accept: each message waits until `release` is set (10 s at most)."""

    def __init__(self):
        super().__init__()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 10)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp(app):
    handler = HeldCollector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield handler
    handler.release.set()
    controller.stop()


@pytest.fixture
def smtp_down(app):
    """A MAIL_SERVER that refuses connections: the port is held by a socket that never listens, so no other
    process (a parallel test run, a live server) can take it while the test runs."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=held.getsockname()[1])
        yield




def comparable(page) -> str:
    """A page (a response, or its text) without its per-request values."""
    text = page if isinstance(page, str) else page.get_data(as_text=True)
    return re.sub(r'(value="|"X-CSRFToken": ")[^"]*"', r'\1"', text)


def ask_reset(client, email):
    page = client.get("/mot-de-passe-oublie")
    return client.post("/mot-de-passe-oublie", data={"email": email, "csrf_token": csrf_from(page.text)})


def agent_client(app, make_agent):
    client = app.test_client()
    agent = make_agent()
    page = client.get("/connexion")
    client.post("/connexion", data={"email": agent.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)})
    return client


def test_reset_mail_is_sent_over_smtp(app, client, make_family, smtp_server):
    _, user, _ = make_family()
    assert ask_reset(client, user.email).status_code == 200
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == [user.email]
    assert envelope.mail_from == "ne-pas-repondre@localhost"
    message = BytesParser(policy=policy.default).parsebytes(envelope.content)
    assert message["Subject"] == "Réinitialisation de votre mot de passe"
    assert message["Content-Language"] == "fr"
    assert message.get_content_type() == "text/plain"
    assert "Bonjour Camille Martin," in message.get_content()
    link = link_in(message)
    assert app.test_client().get(link).status_code == 200  # the link in the real mail works
    assert not (Path(app.instance_path) / "outbox").exists()  # nothing written to disk


def test_invitation_mail_is_sent_over_smtp(app, make_family, make_agent, smtp_server):
    fam, user, _ = make_family(password=False)
    client = agent_client(app, make_agent)
    page = client.get(f"/gestion/familles/{fam.id}")
    action = re.search(r'action="(/gestion/familles/\d+/inviter/\d+)"', page.get_data(as_text=True)).group(1)
    response = client.post(action, data={"csrf_token": csrf_from(page.text)}, follow_redirects=True)
    assert "Invitation envoyée" in text(response)
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == [user.email]
    message = BytesParser(policy=policy.default).parsebytes(envelope.content)
    assert message["Subject"] == "Activez votre espace sur le portail familles"
    assert link_in(message).startswith("/activer/")


def test_without_mail_server_the_mail_is_an_eml_file(app, client, make_family):
    assert app.config["MAIL_SERVER"] == ""
    _, user, _ = make_family()
    ask_reset(client, user.email)
    files = list((Path(app.instance_path) / "outbox").glob("*.eml"))
    assert len(files) == 1
    [message] = outbox(app)
    assert message["To"] == user.email
    assert message["From"] == "Portail Familles <ne-pas-repondre@localhost>"
    assert link_in(message).startswith("/reinitialiser/")


def test_links_use_the_public_url_when_configured(app, client, make_family):
    app.config["PUBLIC_URL"] = "https://portail.ville-exemple.fr"
    _, user, _ = make_family()
    ask_reset(client, user.email)
    [message] = outbox(app)
    assert re.search(r"^https://portail\.ville-exemple\.fr/reinitialiser/\S+$", message.get_content(), re.MULTILINE)


def test_mail_text_is_written_as_is_not_html_escaped(app, client, make_family):
    _, user, _ = make_family(name="N'Diaye-Lefèvre")
    user.display_name = "Zoé <Œnone> N'Diaye-Lefèvre"
    db.session.commit()
    ask_reset(client, user.email)
    [message] = outbox(app)
    body = message.get_content()
    assert "Bonjour Zoé <Œnone> N'Diaye-Lefèvre," in body
    assert "&#39;" not in body and "&lt;" not in body


def test_when_the_mail_server_is_down_forgot_password_answers_the_same(app, make_family, smtp_down, caplog):
    _, user, _ = make_family()
    stranger = "z" + user.email[1:]
    with caplog.at_level(logging.ERROR):
        known = ask_reset(app.test_client(), user.email)  # the test client closes the response: delivery was tried
    unknown = ask_reset(app.test_client(), stranger)
    assert known.status_code == unknown.status_code == 200
    assert comparable(known).replace(user.email, "@") == comparable(unknown).replace(stranger, "@")
    assert "mail not delivered after the response" in caplog.text  # logged for the administrator
    assert db.session.scalar(db.select(db.func.count()).select_from(AccountToken)) == 0  # no link that never left


def test_forgot_password_answers_before_speaking_to_the_mail_server(app, make_family, slow_smtp):
    """No account enumeration by timing: the page for a known address does not wait for SMTP (it is delivered
    once the response is sent), so it comes as fast as, and is the same as, the page for an unknown address."""
    _, user, _ = make_family()
    stranger = "z" + user.email[1:]
    unknown = ask_reset(app.test_client(), stranger)
    client = app.test_client()
    page = client.get("/mot-de-passe-oublie")
    started = time.monotonic()
    known = client.post(
        "/mot-de-passe-oublie", data={"email": user.email, "csrf_token": csrf_from(page.text)}, buffered=False
    )  # the answer, before the server closes it
    assert time.monotonic() - started < 5
    assert slow_smtp.envelopes == []  # answered while the mail server still holds nothing
    assert known.status_code == unknown.status_code == 200
    assert comparable(answer_sent(known)).replace(user.email, "@") == comparable(unknown).replace(stranger, "@")
    slow_smtp.release.set()
    known.close()  # the WSGI server closes the response once sent: the mail leaves now
    [envelope] = slow_smtp.envelopes
    assert envelope.rcpt_tos == [user.email]
    message = BytesParser(policy=policy.default).parsebytes(envelope.content)
    assert app.test_client().get(link_in(message)).status_code == 200  # committed before it left


def test_when_the_mail_server_is_down_the_agent_is_told_and_nothing_is_stored(app, make_family, make_agent, smtp_down):
    fam, user, _ = make_family()
    email = user.email
    db.session.delete(user)
    db.session.commit()
    client = agent_client(app, make_agent)
    page = client.get(f"/gestion/familles/{fam.id}")
    action = re.search(r'action="(/gestion/familles/\d+/inviter/\d+)"', page.get_data(as_text=True)).group(1)
    response = client.post(action, data={"csrf_token": csrf_from(page.text)}, follow_redirects=True)
    assert response.status_code == 200
    assert "L'e-mail n'a pas pu être envoyé" in text(response)
    assert "pas encore invité" in text(response)
    assert db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none() is None
    assert db.session.scalar(db.select(db.func.count()).select_from(AccountToken)) == 0


def test_cli_creates_an_agent_with_an_activation_link(app):
    """`flask agent create` bootstraps the first agent: account without password, a working activation link."""
    from models import User, db, normalize_email

    result = app.test_cli_runner().invoke(
        args=["agent", "create", "Chef.Service@Mairie.example", "--name", "Service Enfance"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(
        db.select(User).where(User.email == normalize_email("chef.service@mairie.example"))
    ).scalar_one()
    assert user.role == "agent" and not user.has_password
    link = result.output.strip().split()[-1]
    assert "/activer/" in link
    assert len(outbox(app)) == 1 and link in outbox(app)[0].get_content()
    again = app.test_cli_runner().invoke(args=["agent", "create", "chef.service@mairie.example"])
    assert again.exit_code != 0 and "existe déjà" in again.output


def test_cli_activation_link_is_on_the_public_url(app):
    app.config["PUBLIC_URL"] = PUBLIC_URL
    result = app.test_cli_runner().invoke(args=["agent", "create", "chef.service@mairie.example"])
    assert result.exit_code == 0, result.output
    link = result.output.strip().split()[-1]
    assert link.startswith(f"{PUBLIC_URL}/activer/")
    assert link in outbox(app)[0].get_content()


# --------------------------------------------------------------------------- links never come from the Host header


@pytest.fixture
def build_app(app, database_url, tmp_path, monkeypatch, password_hash):
    """build_app(env={...}, drop=(...), **config) -> (application, a parent's e-mail): create_app() with these
    environment variables, like in production (the `app` fixture empties the PostgreSQL tables afterwards)."""
    made = []
    for name in ("PUBLIC_URL", "TRUSTED_PROXIES", "DEMO"):
        monkeypatch.delenv(name, raising=False)

    def make(env=None, drop=(), **overrides):
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / f"instance-{len(made)}"))
        config = {k: v for k, v in _config(database_url).items() if k not in drop}
        application = create_app({**config, **overrides})
        made.append(application)
        with application.app_context():
            if database_url.startswith("sqlite"):
                db.create_all()
            email = f"parent{len(made)}@example.org"
            db.session.add(User(email=email, role="parent", display_name="Camille Martin", password_hash=password_hash))
            db.session.commit()
        return application, email

    yield make
    for application in made:
        with application.app_context():
            db.engine.dispose()


def reset_link(application, email, **request) -> tuple[int, str | None]:
    """Ask for a reset link with these request options (headers, base_url); (status, the link mailed or None)."""
    client = application.test_client()
    page = client.get("/mot-de-passe-oublie", **request)
    if page.status_code != 200:
        return page.status_code, None
    response = client.post(
        "/mot-de-passe-oublie", data={"email": email, "csrf_token": csrf_from(page.text)}, buffered=True, **request
    )
    links = [re.search(r"https?://\S+", m.get_content()).group(0) for m in outbox(application)]
    assert len(links) <= 1
    return response.status_code, (links or [None])[0]


def test_a_forged_host_header_never_reaches_the_reset_link(app, client, make_family):
    app.config["PUBLIC_URL"] = PUBLIC_URL
    _, user, _ = make_family()
    page = client.get("/mot-de-passe-oublie", headers={"Host": "evil.example"})
    client.post(
        "/mot-de-passe-oublie",
        headers={"Host": "evil.example"},
        data={"email": user.email, "csrf_token": csrf_from(page.text)},
    )
    [message] = outbox(app)
    assert "evil.example" not in message.get_content()
    assert link_in(message).startswith("/reinitialiser/")
    assert re.search(rf"^{re.escape(PUBLIC_URL)}/reinitialiser/\S+$", message.get_content(), re.MULTILINE)


def test_behind_a_proxy_x_forwarded_host_is_ignored(build_app):
    """TRUSTED_PROXIES=1: the client address and scheme come from X-Forwarded-*, never the host."""
    forged = {
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "192.0.2.7",
        "Referer": "https://localhost/mot-de-passe-oublie",
    }  # CSRF checks the referrer on HTTPS
    application, email = build_app(env={"TRUSTED_PROXIES": "1"}, PUBLIC_URL=PUBLIC_URL)
    status, link = reset_link(application, email, headers=forged)
    assert status == 200 and link.startswith(f"{PUBLIC_URL}/reinitialiser/")
    # Even the test-mode fallback on the request's host (no PUBLIC_URL) takes the Host header, not X-Forwarded-Host.
    application, email = build_app(env={"TRUSTED_PROXIES": "1"})
    status, link = reset_link(application, email, headers=forged)
    assert status == 200 and link.startswith("https://localhost/reinitialiser/")  # X-Forwarded-Proto is still read


def test_in_production_links_use_public_url_and_other_hosts_are_refused(build_app):
    application, email = build_app(drop=("TESTING",), env={"TRUSTED_PROXIES": "1", "PUBLIC_URL": PUBLIC_URL + "/"})
    assert not application.testing and application.config["PUBLIC_URL"] == PUBLIC_URL
    assert reset_link(application, email, headers={"Host": "evil.example"}) == (400, None)
    assert (
        reset_link(
            application, email, headers={"Host": "portail.ville-exemple.fr", "X-Forwarded-Host": "evil.example"}
        )[0]
        == 200
    )
    [message] = outbox(application)
    assert re.search(rf"^{re.escape(PUBLIC_URL)}/reinitialiser/\S+$", message.get_content(), re.MULTILINE)
    # loopback stays allowed: health checks, a proxy that forwards to 127.0.0.1 without passing the Host on
    assert application.test_client().get("/connexion", base_url="http://127.0.0.1:8000").status_code == 200


@pytest.mark.parametrize("public_url", [None, "", "portail.ville-exemple.fr", "ftp://portail.ville-exemple.fr"])
def test_outside_demo_the_application_refuses_to_start_without_a_public_url(build_app, public_url):
    env = {} if public_url is None else {"PUBLIC_URL": public_url}
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        build_app(drop=("TESTING",), env=env)


def test_the_demo_starts_without_a_public_url_and_links_use_the_request_host(build_app):
    application, email = build_app(drop=("TESTING", "SERVER_NAME"), DEMO=True)
    assert application.config["PUBLIC_URL"] == "" and application.config["TRUSTED_HOSTS"] is None
    status, link = reset_link(application, email, base_url="http://127.0.0.1:5000")
    assert status == 200 and link.startswith("http://127.0.0.1:5000/reinitialiser/")


def test_in_production_https_answers_carry_hsts_and_the_demo_does_not(build_app):
    application, _ = build_app(drop=("TESTING",), env={"PUBLIC_URL": PUBLIC_URL})
    secure = application.test_client().get("/connexion", base_url=PUBLIC_URL)
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    demo, _ = build_app(drop=("TESTING", "SERVER_NAME"), DEMO=True)
    assert "Strict-Transport-Security" not in demo.test_client().get("/connexion", base_url="https://127.0.0.1").headers


def test_work_after_the_answer_runs_even_when_the_browser_resets_the_connection(build_app):
    """Werkzeug's server (`make run`, the browser tests) drains the socket before it closes a response, and skips the
    close when the client resets the connection meanwhile: an activation e-mail queued for after the answer was then
    never sent (seen in the browser suite on a loaded machine). The work now runs once the server has taken the body,
    whatever the client does next."""
    application, _ = build_app()
    done = threading.Event()

    @application.get("/essai/apres-reponse")
    def queue_work():
        mail.after_response(done.set, "test work")
        time.sleep(0.2)  # the client's extra bytes arrive meanwhile, unread: the drain will wait for them
        return "ok"

    server = make_server("127.0.0.1", 0, application, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as conn:
            conn.sendall(b"GET /essai/apres-reponse HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            time.sleep(0.05)
            conn.sendall(b"more bytes than the request")  # a browser's next use of the socket, say
            answer = b""
            while b"\r\n\r\nok" not in answer:
                answer += conn.recv(4096)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
        assert done.wait(5), "the work queued for after the answer never ran"
    finally:
        server.shutdown()
