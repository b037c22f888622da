"""Messagerie: a family writes to a service by theme (with an attachment checked by content), follows the thread,
is told of the answer by an e-mail holding a link only; unread counts in the navigation and on "Mon accueil";
another family's conversation and attachment are 404; bad input is refused next to the field with nothing saved;
a form sent twice posts once. Agents: the inbox per service and folder, reply (from a template), assign, close,
reopen, the family's file one click away; the services, themes and templates they edit."""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
import uuid

import pytest
from absences_world import tiny_pdf
from support import PASSWORD, csrf_from, links, outbox, text_of, title_of

from blueprints.messages import rules
from models import AnswerTemplate, Conversation, Document, Message, MessageService, MessageTheme, db

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(app, make_family, make_agent):
    app.config["CLOCK"] = lambda: NOW
    scolaire = MessageService(name="Service scolaire", email="scolaire@example.org", position=0)
    peri = MessageService(name="Activités périscolaires", position=1)
    db.session.add_all([scolaire, peri])
    db.session.flush()
    billing = MessageTheme(service_id=scolaire.id, label="facturation, quotient, inscription école")
    holidays = MessageTheme(service_id=peri.id, label="inscription vacances, études")
    closed_theme = MessageTheme(service_id=peri.id, label="ancien thème", active=False)
    db.session.add_all([billing, holidays, closed_theme])
    db.session.add(AnswerTemplate(title="Attestation reçue", body="Bonjour, nous avons bien reçu votre attestation.",
                                  service_id=scolaire.id))
    db.session.commit()
    martin = make_family("Martin", children=("Léa",))
    bernard = make_family("Bernard", children=("Noé",))
    agent = make_agent()

    class World:
        pass

    w = World()
    w.app, w.billing, w.holidays, w.closed_theme, w.scolaire = app, billing, holidays, closed_theme, scolaire
    w.martin, w.bernard, w.agent = martin, bernard, agent
    return w


def login(client, user):
    page = client.get("/connexion")
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302


def write(client, theme_id, subject="Facture de novembre", body="Bonjour,\nla facture est-elle juste ?",
          file=None, token=None):
    page = client.get("/messagerie/ecrire")
    data = {"csrf_token": csrf_from(page.text), "theme_id": str(theme_id), "subject": subject, "body": body,
            "token": token or secrets.token_hex(16)}
    if file is not None:
        data["attachment"] = (io.BytesIO(file[1]), file[0])
    return client.post("/messagerie/ecrire", data=data, content_type="multipart/form-data")


def reply(client, url, body, file=None, token=None):
    page = client.get(url)
    data = {"csrf_token": csrf_from(page.text), "body": body, "token": token or secrets.token_hex(16)}
    if file is not None:
        data["attachment"] = (io.BytesIO(file[1]), file[0])
    return client.post(url, data=data, content_type="multipart/form-data")


def field_error(response, field_id):
    match = re.search(rf'id="{field_id}-error">(.*?)</p>', response.text, re.S)
    assert match, f"no error next to #{field_id}"
    return text_of(match.group(1)).removeprefix("Erreur : ")


def count(model):
    return db.session.query(model).count()


# --------------------------------------------------------------------------- rules


@pytest.mark.parametrize("value, limit, expected", [
    ("Bonjour", 10, None), ("", 10, "empty"), ("   \n ", 10, "empty"), (None, 10, "empty"),
    ("x" * 10, 10, None), ("x" * 11, 10, "too_long"), ("  x  ", 1, None),
])
def test_text_problem(value, limit, expected):
    assert rules.text_problem(value, limit) == expected


@pytest.mark.parametrize("status, action, expected", [
    ("open", "close", "closed"), ("closed", "reopen", "open"), ("closed", "family_message", "open"),
    ("closed", "service_message", "closed"), ("open", "service_message", "open"), ("open", "family_message", "open"),
])
def test_status_after(status, action, expected):
    assert rules.status_after(status, action) == expected


@pytest.mark.parametrize("action, status, allowed", [
    ("close", "open", True), ("close", "closed", False), ("reopen", "closed", True), ("reopen", "open", False),
])
def test_can(action, status, allowed):
    assert rules.can(action, status) is allowed


@pytest.mark.parametrize("folder, status, unread, assigned, expected", [
    ("unread", "open", True, None, True), ("unread", "closed", False, None, False),
    ("mine", "open", False, 7, True), ("mine", "open", False, 8, False), ("mine", "closed", False, 7, False),
    ("open", "open", False, None, True), ("closed", "closed", True, 7, True), ("closed", "open", True, 7, False),
])
def test_in_folder(folder, status, unread, assigned, expected):
    assert rules.in_folder(folder, status, unread, assigned, 7) is expected


def test_unread_is_by_message_id_and_unknown_folders_fall_back():
    assert rules.is_unread(5, 4) and not rules.is_unread(5, 5) and not rules.is_unread(0, 0)
    assert rules.folder_of("closed") == "closed" and rules.folder_of("<script>") == "unread"


# --------------------------------------------------------------------------- the family's side


def test_a_family_writes_with_an_attachment_and_reads_the_agents_reply(world, client, app):
    fam, user, _kids = world.martin
    login(client, user)
    page = client.get("/messagerie/ecrire")
    assert "Service scolaire : facturation, quotient, inscription école" in text_of(page)
    assert "ancien thème" not in text_of(page)  # an inactive theme is not offered
    response = write(client, world.billing.id, file=("facture.pdf", tiny_pdf()))
    assert response.status_code == 302
    conversation = db.session.execute(db.select(Conversation)).scalar_one()
    assert conversation.family_id == fam.id and conversation.service_id == world.scolaire.id
    message = conversation.messages[0]
    assert message.document.kind == "message" and message.document.family_id == fam.id
    thread = client.get(response.headers["Location"])
    assert "Message envoyé à : Service scolaire" in text_of(thread)
    assert "la facture est-elle juste ?" in text_of(thread) and "facture.pdf" in links(thread)
    assert client.get(links(thread)["facture.pdf"]).data.startswith(b"%PDF")
    # the service's team is told by a link to the back office, without the message
    (to_service,) = outbox(app)
    assert to_service["To"] == "scolaire@example.org" and "facture" not in to_service.get_content()
    assert f"/gestion/messagerie/{conversation.id}" in to_service.get_content()

    agent_client = app.test_client()
    login(agent_client, world.agent)
    inbox = agent_client.get("/gestion/messagerie")
    assert "Facture de novembre" in text_of(inbox) and "Non lues (1)" in text_of(inbox)
    agent_page = agent_client.get(f"/gestion/messagerie/{conversation.id}")
    assert links(agent_page)[f"Dossier de la famille Martin (n° {fam.dossier_number})"] == \
        f"/gestion/familles/{fam.id}"
    assert agent_client.get(links(agent_page)["facture.pdf"]).status_code == 200
    assert "Non lues (0)" in text_of(agent_client.get("/gestion/messagerie"))
    assert reply(agent_client, f"/gestion/messagerie/{conversation.id}",
                 "Bonjour, la facture est juste : le quotient date d'octobre.").status_code == 302

    mails = outbox(app)[1:]
    assert [m["To"] for m in mails] == [user.email]
    content = mails[0].get_content()
    assert "quotient" not in content and "Martin" not in content  # a link only, no content
    assert f"/messagerie/{conversation.id}" in content
    home = client.get("/mon-accueil")
    assert "Messagerie (1 non lue)" in text_of(home) and "(1 réponse non lue)" in text_of(home)
    thread = client.get(f"/messagerie/{conversation.id}")
    assert "le quotient date d'octobre" in text_of(thread) and "Nouveau" in text_of(thread)
    assert "non lue" not in text_of(client.get("/mon-accueil"))
    db.session.expire_all()
    assert db.session.get(Conversation, conversation.id).assigned_to_id == world.agent.id  # who answers, handles


def test_another_familys_conversation_and_attachment_are_404(world, client, app):
    _fam, martin, _kids = world.martin
    login(client, martin)
    write(client, world.billing.id, file=("facture.pdf", tiny_pdf()))
    conversation = db.session.execute(db.select(Conversation)).scalar_one()
    document_id = conversation.messages[0].document_id
    other = app.test_client()
    login(other, world.bernard[1])
    assert other.get(f"/messagerie/{conversation.id}").status_code == 404
    assert other.get("/messagerie/999999").status_code == 404
    assert other.get(f"/documents/{document_id}").status_code == 404
    page = other.get("/messagerie/ecrire")
    response = other.post(f"/messagerie/{conversation.id}", data={
        "csrf_token": csrf_from(page.text), "body": "Intrus", "token": secrets.token_hex(16)})
    assert response.status_code == 404 and count(Message) == 1
    assert "Facture de novembre" not in text_of(other.get("/messagerie"))
    # replaying Martin's form number from Bernard's session does not reveal the conversation
    token = conversation.messages[0].request_token
    assert write(other, world.billing.id, token=token).status_code == 404


def test_agents_pages_are_for_agents_and_family_pages_for_parents(world, client, app):
    login(client, world.martin[1])
    assert client.get("/gestion/messagerie").status_code == 403
    agent = app.test_client()
    login(agent, world.agent)
    assert agent.get("/messagerie").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/messagerie").status_code == 302


@pytest.mark.parametrize("fields, field_id, expected", [
    ({"theme_id": ""}, "theme_id", "Choisissez le sujet de votre message"),
    ({"theme_id": "999999"}, "theme_id", "Choisissez le sujet de votre message"),
    ({"theme_id": "abc"}, "theme_id", "Choisissez le sujet de votre message"),
    ({"subject": "  "}, "subject", "Saisissez l'objet du message"),
    ({"subject": "x" * 10_000}, "subject", "au plus 120 caractères"),
    ({"body": ""}, "body", "Écrivez votre message."),
    ({"body": "x" * 10_000}, "body", "au plus 5000 caractères"),
])
def test_bad_input_is_refused_next_to_the_field_and_nothing_is_saved(world, client, fields, field_id, expected):
    login(client, world.martin[1])
    values = {"theme_id": world.billing.id, "subject": "Objet", "body": "Message"}
    values.update(fields)
    response = write(client, **values)
    assert response.status_code == 200 and title_of(response).startswith("Erreur : ")
    assert expected in field_error(response, field_id)
    assert count(Conversation) == 0 and count(Message) == 0


def test_an_inactive_theme_cannot_be_forced(world, client):
    login(client, world.martin[1])
    response = write(client, world.closed_theme.id)
    assert "Choisissez le sujet" in field_error(response, "theme_id") and count(Conversation) == 0


@pytest.mark.parametrize("name, content", [
    ("facture.pdf", b"Ceci n'est pas un PDF"),
    ("page.pdf", b"<html><script>alert(1)</script></html>"),
    ("photo.jpg", b"\xff\xd8\xff" + b"\x00" * 20),
])
def test_an_attachment_is_checked_by_content_and_nothing_is_saved(world, client, app, name, content):
    login(client, world.martin[1])
    response = write(client, world.billing.id, file=(name, content))
    assert response.status_code == 200 and name in field_error(response, "attachment")
    assert count(Conversation) == 0 and count(Document) == 0
    uploads = app.instance_path + "/uploads"
    import os
    assert not os.path.exists(uploads) or os.listdir(uploads) == []


def test_unicode_and_markup_are_kept_as_text(world, client):
    login(client, world.martin[1])
    body = "Œdipe l'a dit : <script>alert('x')</script> & « guillemets »"
    response = write(client, world.billing.id, subject="Réponse d'Éloïse", body=body)
    thread = client.get(response.headers["Location"])
    assert "<script>alert" not in thread.text and "&lt;script&gt;" in thread.text
    assert body in text_of(thread) and "Réponse d'Éloïse" in text_of(thread)


def test_a_form_sent_twice_posts_one_message(world, client):
    login(client, world.martin[1])
    token = uuid.uuid4().hex
    first = write(client, world.billing.id, token=token)
    second = write(client, world.billing.id, token=token)
    assert first.headers["Location"] == second.headers["Location"]
    assert count(Conversation) == 1 and count(Message) == 1
    url = first.headers["Location"].split("#")[0]
    token = uuid.uuid4().hex
    reply(client, url, "Encore une question", token=token)
    reply(client, url, "Encore une question", token=token)
    assert count(Message) == 2


def test_a_post_without_csrf_is_refused(world, client):
    login(client, world.martin[1])
    response = client.post("/messagerie/ecrire", data={"theme_id": world.billing.id, "subject": "a", "body": "b",
                                                       "token": uuid.uuid4().hex})
    assert response.status_code == 400 and count(Conversation) == 0


def test_writing_again_reopens_a_closed_conversation(world, client, app):
    login(client, world.martin[1])
    url = write(client, world.billing.id).headers["Location"].split("#")[0]
    conversation_id = int(url.rsplit("/", 1)[1])
    agent = app.test_client()
    login(agent, world.agent)
    page = agent.get(f"/gestion/messagerie/{conversation_id}")
    agent.post(f"/gestion/messagerie/{conversation_id}/cloturer", data={"csrf_token": csrf_from(page.text)})
    assert "Clôturée" in text_of(client.get(url))
    reply(client, url, "Finalement, encore une chose.")
    db.session.expire_all()
    assert db.session.get(Conversation, conversation_id).status == "open"


# --------------------------------------------------------------------------- the agents' side


def test_agents_inbox_folders_assign_close_reopen_and_templates(world, client, app):
    login(client, world.martin[1])
    url = write(client, world.billing.id).headers["Location"].split("#")[0]
    write(client, world.holidays.id, subject="Inscription aux vacances")
    conversation_id = int(url.rsplit("/", 1)[1])
    agent = app.test_client()
    login(agent, world.agent)
    assert "Service scolaire (1 non lue)" in text_of(agent.get("/gestion/messagerie"))
    inbox = agent.get(f"/gestion/messagerie?service={world.scolaire.id}")
    assert "Facture de novembre" in text_of(inbox) and "Inscription aux vacances" not in text_of(inbox)
    assert "Inscription aux vacances" in text_of(agent.get("/gestion/messagerie?dossier=open"))
    page = agent.get(f"/gestion/messagerie/{conversation_id}?modele=" +
                     str(db.session.execute(db.select(AnswerTemplate.id)).scalar_one()))
    assert "nous avons bien reçu votre attestation" in page.text  # the template fills the reply
    assert "Mes agents" not in text_of(page)
    csrf = csrf_from(page.text)
    agent.post(f"/gestion/messagerie/{conversation_id}/attribuer", data={"csrf_token": csrf,
                                                                          "agent_id": str(world.agent.id)})
    mine = agent.get("/gestion/messagerie?dossier=mine")
    assert "Facture de novembre" in text_of(mine) and "Inscription aux vacances" not in text_of(mine)
    bad = agent.post(f"/gestion/messagerie/{conversation_id}/attribuer", data={"csrf_token": csrf,
                                                                                "agent_id": "999999"})
    assert "Choisissez un agent" in text_of(agent.get(bad.headers["Location"]))
    agent.post(f"/gestion/messagerie/{conversation_id}/cloturer", data={"csrf_token": csrf})
    replay = agent.post(f"/gestion/messagerie/{conversation_id}/cloturer", data={"csrf_token": csrf})
    assert "déjà clôturée" in text_of(agent.get(replay.headers["Location"]))
    assert "Facture de novembre" in text_of(agent.get("/gestion/messagerie?dossier=closed"))
    agent.post(f"/gestion/messagerie/{conversation_id}/rouvrir", data={"csrf_token": csrf})
    db.session.expire_all()
    assert db.session.get(Conversation, conversation_id).status == "open"
    empty = reply(agent, f"/gestion/messagerie/{conversation_id}", " ")
    assert "Écrivez votre message." in field_error(empty, "body")
    assert agent.get("/gestion/messagerie/999999").status_code == 404


def test_agents_edit_services_themes_and_templates(world, app):
    agent = app.test_client()
    login(agent, world.agent)
    page = agent.get("/gestion/messagerie/services/nouveau")
    response = agent.post("/gestion/messagerie/services/nouveau", data={
        "csrf_token": csrf_from(page.text), "name": "Restauration scolaire", "email": "", "active": "y"})
    assert response.status_code == 302
    service = db.session.execute(db.select(MessageService).filter_by(name="Restauration scolaire")).scalar_one()
    bad = agent.post("/gestion/messagerie/themes/nouveau", data={
        "csrf_token": csrf_from(page.text), "service_id": str(service.id), "label": ""})
    assert "Saisissez le thème" in field_error(bad, "label")
    agent.post("/gestion/messagerie/themes/nouveau", data={
        "csrf_token": csrf_from(page.text), "service_id": str(service.id), "label": "menus, allergies",
        "active": "y"})
    agent.post("/gestion/messagerie/modeles/nouveau", data={
        "csrf_token": csrf_from(page.text), "title": "Menu", "body": "Les menus sont en ligne.", "service_id": "",
        "active": "y"})
    settings = agent.get("/gestion/messagerie/reglages")
    assert "menus, allergies" in text_of(settings) and "Menu — tous les services" in text_of(settings)
    bad_mail = agent.post(f"/gestion/messagerie/services/{service.id}", data={
        "csrf_token": csrf_from(page.text), "name": "Restauration", "email": "pas une adresse"})
    assert "adresse e-mail valide" in field_error(bad_mail, "email")


def test_the_demo_has_conversations_in_several_states(app):
    from demo import DEMO_LOGINS, seed_demo
    from models import User

    seed_demo(today=dt.date(2026, 11, 23))
    conversations = db.session.execute(db.select(Conversation).order_by(Conversation.id)).scalars().all()
    assert {c.status for c in conversations} == {"open", "closed"}
    martin = db.session.execute(db.select(User).filter_by(email=DEMO_LOGINS["Martin"])).scalar_one()
    from blueprints.messages import service

    assert service.family_unread_count(martin.family_id) == 1  # the answer about the bill
    assert service.unread_for_agents() == 1  # the Bernards' question
    assert any(m.document is not None for c in conversations for m in c.messages)


def test_an_agents_attachment_is_served_to_the_family_only(world, client, app):
    from absences_world import tiny_png

    login(client, world.martin[1])
    url = write(client, world.billing.id).headers["Location"].split("#")[0]
    conversation_id = int(url.rsplit("/", 1)[1])
    agent = app.test_client()
    login(agent, world.agent)
    reply(agent, f"/gestion/messagerie/{conversation_id}", "Voici le plan d'accès.", file=("plan.png", tiny_png()))
    thread = client.get(url)
    href = links(thread)["plan.png"]
    assert client.get(href).data.startswith(b"\x89PNG")
    other = app.test_client()
    login(other, world.bernard[1])
    assert other.get(href).status_code == 404
    document = db.session.execute(db.select(Document).filter_by(kind="message")).scalar_one()
    assert document.family_id == world.martin[0].id and document.uploaded_by_id == world.agent.id


def test_the_same_form_sent_twice_at_once_posts_once_and_keeps_no_stray_file(world, client, app, monkeypatch):
    """The second request passes the early look-up before the first commits (simulated): the unique one-time
    number stops it at the database, its attachment's file is removed, and the first message is shown."""
    import os

    from blueprints.messages import service

    login(client, world.martin[1])
    token = uuid.uuid4().hex
    first = write(client, world.billing.id, token=token, file=("facture.pdf", tiny_pdf()))
    real, calls = service.find_by_token, []

    def late(value):
        calls.append(value)
        return None if len(calls) == 1 else real(value)

    monkeypatch.setattr(service, "find_by_token", late)
    second = write(client, world.billing.id, token=token, file=("facture.pdf", tiny_pdf()))
    assert second.status_code == 302 and second.headers["Location"] == first.headers["Location"]
    assert count(Conversation) == 1 and count(Message) == 1 and count(Document) == 1
    assert len(os.listdir(app.instance_path + "/uploads")) == 1
