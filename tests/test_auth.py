"""Accounts: login, logout, invitation links, password reset, form errors, redirects after login.

Time is moved with app.config["CLOCK"]; e-mails are read from instance/outbox (no MAIL_SERVER in tests).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from support import PASSWORD, answer_sent, csrf_from, link_in, outbox, text, title_of

from models import AccountToken, User, db

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
NEW_PASSWORD = "Cartable-vert-et-3-crayons"
LOGIN_FAILED = "Adresse e-mail ou mot de passe incorrect."


# --------------------------------------------------------------------------- helpers


def at(app, when: dt.datetime) -> None:
    app.config["CLOCK"] = lambda: when






def comparable(page) -> str:
    """A page (a response, or its text) without its per-request values (CSRF tokens, echoed input), to compare two
    answers."""
    return re.sub(r'(value="|"X-CSRFToken": ")[^"]*"', r'\1"', page if isinstance(page, str) else page.text)


def submit(client, url: str, data: dict, **kwargs):
    """Fill in the form of the page at `url` like a browser: GET it, then POST with its CSRF token."""
    page = client.get(url)
    return client.post(url, data={**data, "csrf_token": csrf_from(page.text)}, **kwargs)


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.by_id: dict[str, dict] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.by_id[attrs["id"]] = {"tag": tag, **attrs}


def element(response, element_id: str) -> dict:
    parser = _Elements()
    parser.feed(response.text)
    assert element_id in parser.by_id, f"no #{element_id} on the page"
    return parser.by_id[element_id]


def error_next_to(response, field_id: str) -> str:
    """The error message shown next to a field, after checking the field points to it (aria)."""
    field = element(response, field_id)
    assert field.get("aria-invalid") == "true"
    assert f"{field_id}-error" in field.get("aria-describedby", "").split()
    match = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', response.text, re.DOTALL)
    assert match, f"no error message next to #{field_id}"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).replace("Erreur : ", "").strip()


def error_summary(response) -> list[str]:
    block = re.search(r'<div class="error-summary".*?</div>', response.text, re.DOTALL)
    assert block, "no error summary"
    return [html.unescape(m) for m in re.findall(r'<li><a href="#[\w-]+">(.*?)</a></li>', block.group(0))]


def logout(client) -> None:
    page = client.get("/")
    assert client.post("/deconnexion", data={"csrf_token": csrf_from(page.text)}).status_code == 302


@pytest.fixture
def invite(app, make_agent):
    """invite(family) -> the agent's response: the agent clicks the invitation button on the family page."""
    agent = make_agent()
    agent_client = app.test_client()
    assert submit(agent_client, "/connexion", {"email": agent.email, "password": PASSWORD}).status_code == 302

    def do_invite(family):
        page = agent_client.get(f"/gestion/familles/{family.id}")
        action = re.search(r'<form method="post" action="(/gestion/familles/\d+/inviter/\d+)"', page.text).group(1)
        return agent_client.post(action, data={"csrf_token": csrf_from(page.text)}, follow_redirects=True)

    return do_invite


@pytest.fixture
def family_without_account(make_family):
    """A family file whose guardian has an e-mail address but no login yet."""
    fam, user, _kids = make_family(name="Lefèvre", children=("Zoé",))
    email = user.email
    db.session.delete(user)
    db.session.commit()
    return fam, email


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()


# --------------------------------------------------------------------------- login


def test_login_opens_mon_accueil_with_a_greeting(client, make_family, login_as):
    _, user, _ = make_family(name="Martin", children=("Léa", "Hugo"))
    response = login_as(user)
    assert response.status_code == 302 and response.headers["Location"] == "/mon-accueil"
    page = client.get("/mon-accueil")
    assert "Bonjour Camille Martin" in text(page)
    assert "Première connexion" in text(page)


@pytest.mark.parametrize("typed", ["{email}", "{EMAIL}", "  {Email}  "])
def test_login_ignores_the_case_of_the_address(client, make_family, login_as, typed):
    _, user, _ = make_family()
    email = user.email
    response = login_as(typed.format(email=email, EMAIL=email.upper(), Email=email.capitalize()))
    assert response.status_code == 302
    assert client.get("/mon-accueil").status_code == 200


def _failing_account(case: str, make_family) -> tuple[str, str]:
    """(e-mail, password) of a login attempt that must fail for the reason `case`."""
    _, user, _ = make_family(password=case != "no password")
    if case == "unknown address":
        return "personne@example.org", PASSWORD
    if case == "wrong password":
        return user.email, PASSWORD + "x"
    if case == "inactive account":
        user.active = False
        db.session.commit()
    return user.email, PASSWORD


FAILURES = ["unknown address", "wrong password", "inactive account", "no password"]


@pytest.mark.parametrize("case", FAILURES)
def test_login_failure_says_one_generic_thing(client, make_family, login_as, case):
    email, password = _failing_account(case, make_family)
    response = login_as(email, password)
    assert response.status_code == 200
    assert LOGIN_FAILED in text(response)
    assert title_of(response).startswith("Erreur : ")
    assert client.get("/mon-accueil").status_code == 302  # still not logged in


def test_login_failures_are_indistinguishable(app, make_family):
    """Whatever was wrong, the page is the same (no account enumeration)."""
    pages = set()
    for case in FAILURES:
        email, password = _failing_account(case, make_family)
        pages.add(comparable(submit(app.test_client(), "/connexion", {"email": email, "password": password})))
    assert len(pages) == 1


@pytest.mark.parametrize(
    ("first_login", "shown"),
    [
        (dt.datetime(2026, 1, 15, 23, 30, tzinfo=dt.UTC), "vendredi 16 janvier 2026 à 0 h 30"),  # UTC+1
        (dt.datetime(2026, 7, 1, 10, 5, tzinfo=dt.UTC), "mercredi 1er juillet 2026 à 12 h 05"),  # UTC+2
    ],
)
def test_mon_accueil_shows_the_previous_login_in_paris_time(app, client, make_family, login_as, first_login, shown):
    _, user, _ = make_family()
    at(app, first_login)
    login_as(user)
    assert "Première connexion" in text(client.get("/mon-accueil"))
    logout(client)
    at(app, first_login + dt.timedelta(days=3))
    login_as(user)
    page = text(client.get("/mon-accueil"))
    assert f"Dernière connexion le {shown}." in page
    assert "Première connexion" not in page


# --------------------------------------------------------------------------- logout


def test_logout_needs_post_with_csrf(client, make_family, login_as):
    _, user, _ = make_family()
    login_as(user)
    assert client.get("/deconnexion").status_code == 405
    refused = client.post("/deconnexion")
    assert refused.status_code == 400
    assert client.get("/mon-accueil").status_code == 200  # still logged in
    logout(client)
    after = client.get("/mon-accueil")
    assert after.status_code == 302 and after.headers["Location"].startswith("/connexion")


def test_logout_says_goodbye(client, make_family, login_as):
    _, user, _ = make_family()
    login_as(user)
    page = client.get("/mon-accueil")
    response = client.post("/deconnexion", data={"csrf_token": csrf_from(page.text)}, follow_redirects=True)
    assert "Vous êtes déconnecté(e)" in text(response)


# --------------------------------------------------------------------------- invitation


def test_invitation_lets_the_parent_choose_a_password_and_logs_in(app, client, invite, family_without_account):
    fam, email = family_without_account
    at(app, T0)
    agent_page = invite(fam)
    assert f"Invitation envoyée à {email}" in text(agent_page)
    [message] = outbox(app)
    assert message["To"] == email and "Activez votre espace" in message["Subject"]

    link = link_in(message)
    assert link.startswith("/activer/")
    form = client.get(link)
    assert form.status_code == 200 and email in text(form)
    response = client.post(
        link,
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": csrf_from(form.text)},
        follow_redirects=True,
    )
    assert response.request.path == "/mon-accueil"
    assert "Votre mot de passe est enregistré" in text(response)
    assert "Bonjour Camille Lefèvre" in text(response)
    assert "Première connexion" in text(response)

    logout(client)
    assert submit(client, "/connexion", {"email": email, "password": NEW_PASSWORD}).status_code == 302


@pytest.mark.parametrize(
    ("later", "valid"), [(dt.timedelta(hours=23, minutes=59), True), (dt.timedelta(hours=24), False)]
)
def test_invitation_link_expires_after_24_hours(app, client, invite, family_without_account, later, valid):
    fam, email = family_without_account
    at(app, T0)
    invite(fam)
    link = link_in(outbox(app)[-1])
    at(app, T0 + later)
    response = client.get(link)
    if valid:
        assert response.status_code == 200 and "Activer mon espace" in text(response)
        return
    assert response.status_code == 410
    assert "expire 24 heures après son envoi" in text(response)
    assert 'href="/mot-de-passe-oublie"' in response.text  # a way to get a new link
    assert email not in text(response) and "Lefèvre" not in text(response)
    form_post = client.post(
        link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": csrf_from(response.text)}
    )
    assert form_post.status_code == 410
    assert user_by_email(email).password_hash is None


def test_invitation_link_works_only_once(app, client, invite, family_without_account):
    fam, email = family_without_account
    at(app, T0)
    invite(fam)
    link = link_in(outbox(app)[-1])
    assert submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    first_hash = user_by_email(email).password_hash

    other = app.test_client()
    again = other.get(link)
    assert again.status_code == 410
    assert "déjà servi" in text(again)
    assert 'href="/mot-de-passe-oublie"' in again.text
    assert email not in text(again)
    replay = other.post(
        link,
        data={
            "password": "Un-autre-mot-de-passe-9",
            "confirm": "Un-autre-mot-de-passe-9",
            "csrf_token": csrf_from(again.text),
        },
    )
    assert replay.status_code == 410
    assert user_by_email(email).password_hash == first_hash


def test_resending_the_invitation_invalidates_the_older_link(app, client, invite, family_without_account):
    fam, email = family_without_account
    at(app, T0)
    invite(fam)
    at(app, T0 + dt.timedelta(hours=1))
    page = invite(fam)  # the button now says "Renvoyer l'invitation"
    assert "Renvoyer l'invitation" in text(page)
    old_link, new_link = (link_in(m) for m in outbox(app))
    assert old_link != new_link

    old = client.get(old_link)
    assert old.status_code == 410
    assert "un lien plus récent a été envoyé" in text(old)
    assert email not in text(old)
    assert client.get(new_link).status_code == 200


def test_unknown_link_says_nothing_about_any_account(client):
    response = client.get("/activer/not-a-real-token")
    assert response.status_code == 404
    assert "Ce lien n'est pas valable" in text(response)
    assert 'href="/mot-de-passe-oublie"' in response.text
    assert client.get("/reinitialiser/" + "x" * 300).status_code == 404


@pytest.mark.parametrize(
    ("password", "confirm", "field", "message"),
    [
        ("", "", "password", "Choisissez un mot de passe."),
        ("Court-1", "Court-1", "password", "Le mot de passe doit contenir au moins 12 caractères (il en a 7)."),
        ("aaaabbbbaaaabbbb", "aaaabbbbaaaabbbb", "password", "Le mot de passe est trop répétitif"),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "confirm", "Les deux mots de passe ne sont pas identiques."),
        (NEW_PASSWORD, "", "confirm", "Saisissez le mot de passe une seconde fois."),
        ("x" * 300, "x" * 300, "password", "Le mot de passe doit contenir au plus 128 caractères."),
    ],
)
def test_activation_form_explains_each_error_next_to_the_field(
    app, client, invite, family_without_account, password, confirm, field, message
):
    fam, email = family_without_account
    at(app, T0)
    invite(fam)
    link = link_in(outbox(app)[-1])
    response = submit(client, link, {"password": password, "confirm": confirm})
    assert response.status_code == 200
    assert error_next_to(response, field).startswith(message)
    assert any(m.startswith(message) for m in error_summary(response))
    assert title_of(response).startswith("Erreur : ")
    # nothing stored, the link still works, nobody is logged in
    assert user_by_email(email).password_hash is None
    assert db.session.execute(db.select(AccountToken.used_at)).scalar_one() is None
    assert client.get(link).status_code == 200
    assert client.get("/mon-accueil").status_code == 302


def test_activation_form_shows_every_problem_at_once(app, client, invite, family_without_account):
    fam, _ = family_without_account
    invite(fam)
    response = submit(client, link_in(outbox(app)[-1]), {"password": "court", "confirm": "autre"})
    assert error_next_to(response, "password").startswith("Le mot de passe doit contenir au moins 12")
    assert error_next_to(response, "confirm") == "Les deux mots de passe ne sont pas identiques."
    assert "Il y a 2 erreurs à corriger" in text(response)


# --------------------------------------------------------------------------- password reset


def test_forgotten_password_answers_the_same_whether_the_account_exists_or_not(app, make_family):
    _, user, _ = make_family()
    known = submit(app.test_client(), "/mot-de-passe-oublie", {"email": user.email})
    stranger = "inconnu" + user.email[len("inconnu") :]  # same length, no account
    unknown = submit(app.test_client(), "/mot-de-passe-oublie", {"email": stranger})
    assert known.status_code == unknown.status_code == 200
    assert comparable(known).replace(user.email, "@") == comparable(unknown).replace(stranger, "@")
    assert "Si un compte existe pour l'adresse" in text(known)
    [message] = outbox(app)  # one mail only, for the existing account
    assert message["To"] == user.email and "Réinitialisation" in message["Subject"]


def test_forgotten_password_does_the_same_work_before_answering_whatever_the_address(app, make_family):
    """No timing oracle (issue #12, item 5): until the answer has gone, an address with an account costs exactly what
    an unknown one does (same SQL statements, same templates, no link issued); the look-up, the link and the mail
    come after the answer (mail.after_response). Checked by what runs, never by a stopwatch."""
    from flask import template_rendered
    from sqlalchemy import event

    _, user, _ = make_family()
    _, never_activated, _ = make_family(name="Neuf", password=False)
    stranger = "inconnu" + user.email[len("inconnu"):]
    work = {}
    for label, email in (("account", user.email), ("never activated", never_activated.email), ("unknown", stranger)):
        client = app.test_client()
        page = client.get("/mot-de-passe-oublie")
        links_before = db.session.scalar(db.select(db.func.count()).select_from(AccountToken))
        statements, templates = [], []

        def on_statement(conn, cursor, statement, *args):
            statements.append(statement)

        def on_template(sender, template, context, **extra):
            templates.append(template.name)

        event.listen(db.engine, "before_cursor_execute", on_statement)
        template_rendered.connect(on_template, app)
        try:
            response = client.post("/mot-de-passe-oublie", data={"email": email, "csrf_token": csrf_from(page.text)},
                                   buffered=False)  # the answer as the browser gets it, before the server closes it
            work[label] = (statements[:], templates[:], comparable(answer_sent(response)).replace(email, "@"))
            links = db.session.scalar(db.select(db.func.count()).select_from(AccountToken))
            assert links == links_before  # no link issued yet, for anyone
        finally:
            event.remove(db.engine, "before_cursor_execute", on_statement)
            template_rendered.disconnect(on_template, app)
        response.close()  # the WSGI server closes the response once sent: the work for an account happens now
    assert work["account"] == work["never activated"] == work["unknown"]
    assert [m["To"] for m in outbox(app)] == [user.email, never_activated.email]


@pytest.fixture
def failing_commit(app, monkeypatch):
    """failing_commit() -> from now on the database refuses every commit (the request ends in a 500 page)."""

    def start():
        def refuse():
            raise RuntimeError("database unavailable")

        app.config["PROPAGATE_EXCEPTIONS"] = False
        monkeypatch.setattr(db.session, "commit", refuse)

    return start


def test_no_reset_mail_when_its_link_could_not_be_saved(app, client, make_family, failing_commit):
    """The link is committed before the mail is sent: a failed commit never mails a link that does not work. Both
    happen after the answer (same page as for an unknown address), so the failure is only logged."""
    _, user, _ = make_family()
    page = client.get("/mot-de-passe-oublie")
    failing_commit()
    response = client.post("/mot-de-passe-oublie", data={"email": user.email, "csrf_token": csrf_from(page.text)})
    assert response.status_code == 200 and "Si un compte existe" in text(response)
    assert outbox(app) == []


def test_no_invitation_mail_when_its_link_could_not_be_saved(app, invite, family_without_account, failing_commit):
    fam, email = family_without_account
    failing_commit()
    assert invite(fam).status_code == 500
    assert outbox(app) == []
    assert user_by_email(email) is None


def test_reset_link_sets_a_new_password_once(app, client, make_family, login_as):
    _, user, _ = make_family()
    at(app, T0)
    submit(client, "/mot-de-passe-oublie", {"email": user.email.upper()})
    link = link_in(outbox(app)[-1])
    assert link.startswith("/reinitialiser/")
    at(app, T0 + dt.timedelta(minutes=59))
    response = submit(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert response.request.path == "/mon-accueil"
    assert "Votre nouveau mot de passe est enregistré" in text(response)

    logout(client)
    assert LOGIN_FAILED in text(login_as(user.email, PASSWORD))
    assert login_as(user.email, NEW_PASSWORD).status_code == 302
    again = app.test_client().get(link)
    assert again.status_code == 410 and "déjà servi" in text(again)


def test_reset_link_expires_after_one_hour(app, client, make_family):
    _, user, _ = make_family()
    at(app, T0)
    submit(client, "/mot-de-passe-oublie", {"email": user.email})
    link = link_in(outbox(app)[-1])
    at(app, T0 + dt.timedelta(hours=1))
    response = client.get(link)
    assert response.status_code == 410
    assert "expire 1 heure après son envoi" in text(response)
    assert 'href="/mot-de-passe-oublie"' in response.text
    assert user.email not in text(response)


def test_reset_for_a_never_activated_account_sends_a_fresh_invitation(app, client, make_family):
    _, user, _ = make_family(password=False)
    at(app, T0)
    response = submit(client, "/mot-de-passe-oublie", {"email": user.email})
    assert "Si un compte existe" in text(response)
    [message] = outbox(app)
    assert "Activez votre espace" in message["Subject"]
    link = link_in(message)
    assert link.startswith("/activer/")
    at(app, T0 + dt.timedelta(hours=23))  # an invitation: 24 h, not 1 h
    assert client.get(link).status_code == 200


def test_reset_for_a_deactivated_account_sends_nothing(app, client, make_family):
    _, user, _ = make_family()
    user.active = False
    db.session.commit()
    response = submit(client, "/mot-de-passe-oublie", {"email": user.email})
    assert "Si un compte existe" in text(response)
    assert outbox(app) == []


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(app, make_family, login_as, client):
    """Someone who had the parent's session (shared computer, stolen password) is out after a reset."""
    _, user, _ = make_family()
    login_as(user)
    assert client.get("/mon-accueil").status_code == 200
    other = app.test_client()
    submit(other, "/mot-de-passe-oublie", {"email": user.email})
    submit(other, link_in(outbox(app)[-1]), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert other.get("/mon-accueil").status_code == 200  # the session that chose the password stays
    assert client.get("/mon-accueil").status_code == 302  # the older one is over


def test_choosing_a_password_closes_every_other_open_link(app, client, make_family):
    """An invitation and a reset link both open (e.g. an agent re-invited just before the parent asked for a reset):
    once one of them sets the password, the other can no longer change it."""
    from blueprints.auth import tokens

    _, user, _ = make_family(password=False)
    invitation = tokens.issue(user, "invitation", T0)
    reset = tokens.issue(user, "reset", T0)
    db.session.commit()
    at(app, T0 + dt.timedelta(minutes=5))
    assert (
        submit(client, f"/activer/{invitation}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    )
    other = app.test_client().get(f"/reinitialiser/{reset}")
    assert other.status_code == 410
    assert "n'est plus valable" in text(other)


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Saisissez votre adresse e-mail."),
        ("pas-une-adresse", "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."),
        ("a@b", "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."),
        ("x" * 290 + "@example.org", "L'adresse e-mail doit contenir au plus 254 caractères."),
    ],
)
def test_forgot_form_explains_a_bad_address_next_to_the_field(app, client, email, message):
    response = submit(client, "/mot-de-passe-oublie", {"email": email})
    assert response.status_code == 200
    assert error_next_to(response, "email") == message
    assert error_summary(response) == [message]
    assert title_of(response).startswith("Erreur : ")
    assert outbox(app) == []


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"email": "", "password": ""},
            {"email": "Saisissez votre adresse e-mail.", "password": "Saisissez votre mot de passe."},
        ),
        (
            {"email": "x" * 300, "password": PASSWORD},
            {"email": "L'adresse e-mail doit contenir au plus 254 caractères."},
        ),
    ],
)
def test_login_form_explains_missing_or_too_long_input(client, data, errors):
    response = submit(client, "/connexion", data)
    assert response.status_code == 200
    for field, message in errors.items():
        assert error_next_to(response, field) == message
    assert error_summary(response) == list(errors.values())
    assert title_of(response).startswith("Erreur : ")


def test_pages_without_errors_have_a_plain_title(client):
    assert title_of(client.get("/connexion")).startswith("Se connecter")
    assert title_of(client.get("/mot-de-passe-oublie")).startswith("Mot de passe oublié")


# --------------------------------------------------------------------------- redirect after login


def test_login_returns_to_the_page_asked_for(client, make_family, login_as):
    _, user, kids = make_family()
    page = client.get(f"/enfants/{kids[0].id}")
    assert page.status_code == 302
    login_url = page.headers["Location"]
    parts = urlsplit(login_url)
    assert parts.path == "/connexion" and parse_qs(parts.query)["next"] == [f"/enfants/{kids[0].id}"]
    form = client.get(login_url)
    response = client.post(
        login_url, data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(form.text)}
    )
    assert response.headers["Location"] == f"/enfants/{kids[0].id}"


OFF_SITE = [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "evil.example",
]


def test_login_ignores_a_next_address_off_the_site(app, make_family):
    _, user, _ = make_family()
    followed = {}
    for target in OFF_SITE:
        client = app.test_client()
        form = client.get("/connexion", query_string={"next": target})
        response = client.post(
            "/connexion",
            query_string={"next": target},
            data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(form.text)},
        )
        assert response.status_code == 302
        if response.headers["Location"] != "/mon-accueil":
            followed[target] = response.headers["Location"]
    assert followed == {}
