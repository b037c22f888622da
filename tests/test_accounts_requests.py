"""A family without a dossier key asks for an account; agents accept (the file, the login, the activation link)
or refuse with a reason (e-mailed as a link); counts per status; bad input; CSRF; agents only; replays."""

from __future__ import annotations

import datetime as dt
import re

from accounts_world import post_step
from support import PASSWORD, csrf_from, outbox, text

from models import AccountRequest, Family, Person, User, db

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
GOOD = {"civility": "Mme", "first_name": "Zoé", "last_name": "N'Diaye-Lefèvre", "email": "Zoe.Ndiaye@example.org",
        "phone": "06.12.34.56.78", "address": "4 rue de l'Œuvre", "postcode": "45000", "city": "Démo-sur-Loire",
        "children-0-first_name": "Noé", "children-0-last_name": "N'Diaye", "children-0-birth_date": "14/03/2019",
        "children-1-first_name": "Léna", "children-1-last_name": "N'Diaye", "children-1-birth_date": "2021-06-01",
        "accepted": "y"}


def at(app, when):
    app.config["CLOCK"] = lambda: when


def ask(client, data=None):
    return post_step(client, "/demande-de-compte", data or GOOD)


def link_of(message, path):
    return re.search(rf"https?://[^/\s]+({path}\S+)", message.get_content()).group(1)


def test_a_family_asks_and_follows_its_request(app, client):
    at(app, T0)
    answer = ask(client)
    assert answer.status_code == 302
    assert "zoe.ndiaye@example.org" in text(client.get(answer.headers["Location"])).lower()
    req = db.session.scalar(db.select(AccountRequest))
    assert req.status == "pending" and req.phone == "06 12 34 56 78" and req.email == "zoe.ndiaye@example.org"
    assert req.children == [{"first_name": "Noé", "last_name": "N'Diaye", "birth_date": "2019-03-14"},
                            {"first_name": "Léna", "last_name": "N'Diaye", "birth_date": "2021-06-01"}]
    [receipt] = outbox(app)
    assert receipt["To"] == "zoe.ndiaye@example.org" and "Noé" not in receipt.get_content()
    status = client.get(link_of(receipt, "/demande-de-compte/suivi/"))
    assert status.status_code == 200 and "En attente" in text(status)
    assert client.get("/demande-de-compte/suivi/inconnu").status_code == 404


def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(app, client):
    at(app, T0)
    cases = [
        ({"first_name": "x" * 10_000}, "Le prénom doit contenir au plus 100 caractères."),
        ({"phone": "pas un numéro"}, "Saisissez un numéro de téléphone"),
        ({"postcode": "4500"}, "Le code postal compte 5 chiffres"),
        ({"children-0-birth_date": "30/02/2019"}, "Saisissez une date valide"),
        ({"children-0-birth_date": "01/01/2030"}, "dans le futur"),
        ({"children-0-birth_date": "01/01/2000"}, "moins de 18 ans"),
        ({"children-1-first_name": "Léna", "children-1-last_name": "", "children-1-birth_date": ""},
         "Saisissez le nom de l'enfant."),
        ({"children-0-first_name": "", "children-0-last_name": "", "children-0-birth_date": "",
          "children-1-first_name": "", "children-1-last_name": "", "children-1-birth_date": ""},
         "Indiquez au moins un enfant"),
        ({"accepted": ""}, "Cochez la case pour attester"),
        ({"civility": "Sa Majesté"}, "Choisissez une valeur de la liste."),
    ]
    for change, message in cases:
        answer = ask(client, {**GOOD, **change})
        assert answer.status_code == 400 and message in text(answer), message
        assert "error-summary" in answer.text
    assert db.session.scalar(db.select(db.func.count()).select_from(AccountRequest)) == 0
    assert outbox(app) == []


def test_an_address_that_has_an_account_gets_the_same_answer(app, client, make_family):
    at(app, T0)
    make_family(email="deja@example.org")
    assert ask(client, {**GOOD, "email": "deja@example.org"}).status_code == 302


def test_asking_is_throttled(app, client):
    at(app, T0)
    statuses = [ask(client, {**GOOD, "email": f"n{i}@example.org"}).status_code for i in range(6)]
    assert statuses == [302] * 5 + [429]


def agent_client(app, make_agent, login_as):
    agent = make_agent()
    login_as(agent)
    return agent


def test_agents_see_counts_and_accept_a_request(app, client, make_agent, login_as):
    at(app, T0)
    ask(app.test_client())
    agent = agent_client(app, make_agent, login_as)
    listing = text(client.get("/gestion/demandes-de-compte"))
    assert "En attente : 1" in listing and "Acceptée : 0" in listing and "Zoé N'Diaye-Lefèvre" in listing
    req = db.session.scalar(db.select(AccountRequest))
    page = client.get(f"/gestion/demandes-de-compte/{req.id}")
    assert "Noé N'Diaye, né(e) le 14 mars 2019" in text(page)
    token = csrf_from(page.text)
    answer = client.post(f"/gestion/demandes-de-compte/{req.id}/accepter", data={"csrf_token": token})
    assert answer.status_code == 302
    db.session.expire_all()
    req = db.session.get(AccountRequest, req.id)
    assert req.status == "accepted" and req.decided_by_id == agent.id
    family = db.session.get(Family, req.family_id)
    assert family.name == "N'Diaye-Lefèvre" and [c.first_name for c in family.children] == ["Noé", "Léna"]
    user = db.session.scalar(db.select(User).where(User.email == "zoe.ndiaye@example.org"))
    assert user.family_id == family.id and user.person.role == "guardian" and not user.has_password
    invitation = outbox(app)[-1]
    assert invitation["To"] == "zoe.ndiaye@example.org" and "/activer/" in invitation.get_content()
    # A replay (double click) creates nothing more
    again = client.post(f"/gestion/demandes-de-compte/{req.id}/accepter", data={"csrf_token": token})
    assert again.status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Family)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(Person).where(Person.role == "guardian")) == 1
    assert "Acceptée : 1" in text(client.get("/gestion/demandes-de-compte?etat=accepted"))


def test_agents_refuse_with_a_reason_the_family_reads_it_through_a_new_link(app, client, make_agent, login_as):
    at(app, T0)
    requester = app.test_client()
    ask(requester)
    first_link = link_of(outbox(app)[0], "/demande-de-compte/suivi/")
    agent_client(app, make_agent, login_as)
    req = db.session.scalar(db.select(AccountRequest))
    token = csrf_from(client.get(f"/gestion/demandes-de-compte/{req.id}").text)
    empty = client.post(f"/gestion/demandes-de-compte/{req.id}/refuser", data={"reason": " ", "csrf_token": token})
    assert empty.status_code == 400 and "Saisissez le motif" in text(empty)
    reason = "Vous n'habitez pas la commune : adressez-vous à votre mairie."
    done = client.post(f"/gestion/demandes-de-compte/{req.id}/refuser", data={"reason": reason, "csrf_token": token})
    assert done.status_code == 302
    message = outbox(app)[-1]
    assert message["To"] == "zoe.ndiaye@example.org" and "habitez" not in message.get_content()
    page = requester.get(link_of(message, "/demande-de-compte/suivi/"))
    assert "Refusée" in text(page) and reason in text(page)
    assert requester.get(first_link).status_code == 404  # replaced by the new link
    late = client.post(f"/gestion/demandes-de-compte/{req.id}/accepter", data={"csrf_token": token})
    assert late.status_code == 302 and db.session.scalar(db.select(db.func.count()).select_from(Family)) == 0


def test_an_address_that_became_a_login_cannot_be_accepted(app, client, make_family, make_agent, login_as):
    at(app, T0)
    ask(app.test_client())
    make_family(email="zoe.ndiaye@example.org")
    agent_client(app, make_agent, login_as)
    req = db.session.scalar(db.select(AccountRequest))
    page = client.get(f"/gestion/demandes-de-compte/{req.id}")
    assert "déjà l’identifiant d’un compte" in text(page)
    answer = client.post(f"/gestion/demandes-de-compte/{req.id}/accepter", data={"csrf_token": csrf_from(page.text)})
    assert answer.status_code == 409
    assert db.session.get(AccountRequest, req.id).status == "pending"


def test_parents_may_not_see_requests_and_csrf_is_required(app, client, make_family, make_agent, login_as):
    at(app, T0)
    ask(app.test_client())
    req = db.session.scalar(db.select(AccountRequest))
    _, parent, _ = make_family()
    login_as(parent)
    assert client.get("/gestion/demandes-de-compte").status_code == 403
    assert client.get(f"/gestion/demandes-de-compte/{req.id}").status_code == 403
    agent = app.test_client()
    page = agent.get("/connexion")
    make_agent()
    agent.post("/connexion", data={"email": "agent@example.org", "password": PASSWORD,
                                   "csrf_token": csrf_from(page.text)})
    assert agent.post(f"/gestion/demandes-de-compte/{req.id}/accepter").status_code == 400
    assert agent.get("/gestion/demandes-de-compte/999999").status_code == 404
    assert db.session.get(AccountRequest, req.id).status == "pending"


def test_more_children_than_the_form_has_are_ignored_not_an_error(app, client):
    at(app, T0)
    extra = {f"children-{i}-{name}": value for i in range(4, 9)
             for name, value in (("first_name", "Zoé"), ("last_name", "X"), ("birth_date", "01/01/2020"))}
    answer = ask(client, {**GOOD, **extra, "children-99999999999-first_name": "Y"})
    assert answer.status_code in (302, 400)
    assert ask(client, {**GOOD, "children-abc-first_name": "Y"}).status_code in (302, 400)
