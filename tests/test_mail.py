"""Outgoing e-mail: really over SMTP (a local aiosmtpd server), else .eml files in instance/outbox."""

from __future__ import annotations

import html
import re
import socket
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from support import PASSWORD, csrf_from, link_in, outbox

from models import AccountToken, User, db


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


@pytest.fixture
def smtp_down(app):
    """A MAIL_SERVER that refuses connections (nothing listens on the port)."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def comparable(response) -> str:
    return re.sub(r'(value="|"X-CSRFToken": ")[^"]*"', r'\1"', response.get_data(as_text=True))


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


def test_when_the_mail_server_is_down_forgot_password_answers_the_same(app, make_family, smtp_down):
    _, user, _ = make_family()
    stranger = "z" + user.email[1:]
    known = ask_reset(app.test_client(), user.email)
    unknown = ask_reset(app.test_client(), stranger)
    assert known.status_code == unknown.status_code == 200
    assert comparable(known).replace(user.email, "@") == comparable(unknown).replace(stranger, "@")
    assert db.session.scalar(db.select(db.func.count()).select_from(AccountToken)) == 0  # no link that never left


def test_when_the_mail_server_is_down_the_agent_is_told_and_nothing_is_stored(app, make_family, make_agent,
                                                                               smtp_down):
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

    result = app.test_cli_runner().invoke(args=["agent", "create", "Chef.Service@Mairie.example", "--name", "Service Enfance"])
    assert result.exit_code == 0, result.output
    user = db.session.execute(db.select(User).where(User.email == normalize_email("chef.service@mairie.example"))).scalar_one()
    assert user.role == "agent" and not user.has_password
    link = result.output.strip().split()[-1]
    assert "/activer/" in link
    assert len(outbox(app)) == 1 and link in outbox(app)[0].get_content()
    again = app.test_cli_runner().invoke(args=["agent", "create", "chef.service@mairie.example"])
    assert again.exit_code != 0 and "existe déjà" in again.output
