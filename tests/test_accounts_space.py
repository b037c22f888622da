"""« Mon espace »: change the e-mail (link to the new address, notice to the old), change the password (other
sessions end), recent logins, notification preferences; bad input, CSRF, links used twice or late."""

from __future__ import annotations

import datetime as dt

from accounts_world import post_step
from support import PASSWORD, csrf_from, outbox, text

from blueprints.accounts import service
from models import EmailChange, User, UserSession, db

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
NEW_PASSWORD = "Cartable-vert-et-3-crayons"


def at(app, when):
    app.config["CLOCK"] = lambda: when


def space_post(client, url, data):
    page = client.get("/mon-espace")
    return client.post(url, data={**data, "csrf_token": csrf_from(page.text)})


def confirm_link(message) -> str:
    import re

    return re.search(r"https?://[^/\s]+(/mon-espace/adresse/confirmer/\S+)", message.get_content()).group(1)


def test_the_page_lists_the_sections(app, client, make_family, login_as):
    at(app, T0)
    _, user, _ = make_family()
    login_as(user)
    page = text(client.get("/mon-espace"))
    for words in ("Adresse e-mail", "Mot de passe", "Connexions récentes", "Préférences de notification",
                  "Cet appareil", user.email):
        assert words in page
    assert client.get("/mon-espace", follow_redirects=False).status_code == 200


def test_the_page_needs_a_login(client):
    assert client.get("/mon-espace").status_code == 302


def test_changing_the_email_goes_through_a_link_to_the_new_address(app, client, make_family, login_as):
    at(app, T0)
    _, user, _ = make_family(email="ancienne@example.org")
    login_as(user)
    answer = space_post(client, "/mon-espace/adresse", {"new_email": "Nouvelle@Example.org", "password": PASSWORD})
    assert answer.status_code == 302
    assert "Un lien de confirmation a été envoyé" in text(client.get("/mon-espace"))
    assert db.session.get(User, user.id).email == "ancienne@example.org"  # not yet
    [link_mail] = outbox(app)
    assert link_mail["To"] == "nouvelle@example.org"
    link = confirm_link(link_mail)
    page = client.get(link)
    assert page.status_code == 200 and "nouvelle@example.org" in text(page)
    assert db.session.get(User, user.id).email == "ancienne@example.org"  # opening the link changes nothing
    at(app, T0 + dt.timedelta(hours=23))
    assert post_step(client, link, {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "nouvelle@example.org"
    notice = outbox(app)[-1]
    assert notice["To"] == "ancienne@example.org" and "changée" in notice["Subject"]
    assert "nouvelle@example.org" not in notice.get_content()  # no personal data in the notice
    assert post_step(client, link, {}).status_code == 410  # used
    client.post("/deconnexion", data={"csrf_token": csrf_from(client.get("/mon-espace").text)})
    assert client.get("/connexion").status_code == 200
    other = app.test_client()
    page = other.get("/connexion")
    logged = other.post("/connexion", data={"email": "nouvelle@example.org", "password": PASSWORD,
                                            "csrf_token": csrf_from(page.text)})
    assert logged.status_code == 302


def test_an_email_link_expires_after_24_hours_and_a_newer_request_replaces_it(app, client, make_family, login_as):
    at(app, T0)
    _, user, _ = make_family()
    login_as(user)
    space_post(client, "/mon-espace/adresse", {"new_email": "une@example.org", "password": PASSWORD})
    first = confirm_link(outbox(app)[0])
    space_post(client, "/mon-espace/adresse", {"new_email": "deux@example.org", "password": PASSWORD})
    second = confirm_link(outbox(app)[1])
    assert client.get(first).status_code == 410
    at(app, T0 + dt.timedelta(hours=24))
    assert client.get(second).status_code == 410
    assert db.session.get(User, user.id).email == user.email


def test_an_address_already_taken_gets_the_same_answer_and_a_notice(app, client, make_family, login_as):
    at(app, T0)
    make_family(email="prise@example.org")
    _, user, _ = make_family()
    login_as(user)
    answer = space_post(client, "/mon-espace/adresse", {"new_email": "prise@example.org", "password": PASSWORD})
    assert answer.status_code == 302
    assert "Un lien de confirmation a été envoyé à prise@example.org" in text(client.get("/mon-espace"))
    [notice] = outbox(app)
    assert notice["To"] == "prise@example.org" and "déjà un espace" in notice["Subject"]
    assert db.session.scalar(db.select(db.func.count()).select_from(EmailChange)) == 0


def test_the_email_form_refuses_bad_input(app, client, make_family, login_as):
    at(app, T0)
    _, user, _ = make_family()
    login_as(user)
    cases = [
        ({"new_email": "pas-une-adresse", "password": PASSWORD}, "Saisissez une adresse e-mail valide"),
        ({"new_email": "x" * 10_000 + "@example.org", "password": PASSWORD}, "au plus 254 caractères"),
        ({"new_email": "autre@example.org", "password": "mauvais"}, "Ce n'est pas votre mot de passe actuel."),
        ({"new_email": user.email.upper(), "password": PASSWORD}, "C'est déjà l'adresse de votre espace."),
        ({"new_email": "", "password": ""}, "Saisissez votre mot de passe actuel."),
    ]
    for data, message in cases:
        answer = space_post(client, "/mon-espace/adresse", data)
        assert answer.status_code == 400 and message in text(answer), message
    assert outbox(app) == []


def test_changing_the_password_ends_the_other_sessions(app, client, make_family, login_as):
    at(app, T0)
    _, user, _ = make_family()
    phone = app.test_client()
    page = phone.get("/connexion")
    phone.post("/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)})
    login_as(user)
    assert phone.get("/mon-espace").status_code == 200
    answer = space_post(client, "/mon-espace/mot-de-passe",
                        {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert answer.status_code == 302
    assert "autres appareils connectés à votre compte ont été déconnectés" in text(client.get("/mon-espace"))
    assert phone.get("/mon-espace").status_code == 302  # the phone is signed out
    open_rows = db.session.scalar(db.select(db.func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)))
    assert open_rows == 1
    assert "Cet appareil" in text(client.get("/mon-espace")) and "Déconnecté le" in text(client.get("/mon-espace"))
    [notice] = outbox(app)
    assert notice["To"] == user.email and "mot de passe" in notice["Subject"]


def test_the_password_form_refuses_bad_input(app, client, make_family, login_as):
    at(app, T0)
    _, user, _ = make_family(name="Lefèvre")
    login_as(user)
    cases = [
        ({"current": "mauvais", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, "pas votre mot de passe actuel"),
        ({"current": PASSWORD, "password": "azerty123456", "confirm": "azerty123456"}, "phrase de passe"),
        ({"current": PASSWORD, "password": NEW_PASSWORD, "confirm": "autre"}, "ne sont pas identiques"),
        ({"current": "", "password": "", "confirm": ""}, "Choisissez un mot de passe."),
    ]
    for data, message in cases:
        answer = space_post(client, "/mon-espace/mot-de-passe", data)
        assert answer.status_code == 400 and message in text(answer), (message, text(answer)[-3000:])
    assert outbox(app) == []


def test_notification_preferences_are_saved_and_read_by_wants(app, client, make_family, login_as):
    at(app, T0)
    _, user, _ = make_family()
    login_as(user)
    assert all(service.wants(user, kind) for kind in ("reminders", "news", "invoices"))
    answer = space_post(client, "/mon-espace/notifications", {"reminders": "y"})
    assert answer.status_code == 302
    assert service.wants(user, "reminders") and not service.wants(user, "news")
    assert not service.wants(user, "invoices")
    page = client.get("/mon-espace").text
    assert 'id="reminders" name="reminders" type="checkbox" value="y"' in page and "checked" in page
    space_post(client, "/mon-espace/notifications", {"news": "y", "invoices": "y"})
    assert service.preferences(user.id) == {"reminders": False, "news": True, "invoices": True}


def test_forms_of_mon_espace_need_the_csrf_token(app, client, make_family, login_as):
    _, user, _ = make_family()
    login_as(user)
    for url, data in (("/mon-espace/adresse", {"new_email": "a@example.org", "password": PASSWORD}),
                      ("/mon-espace/mot-de-passe", {"current": PASSWORD, "password": NEW_PASSWORD,
                                                    "confirm": NEW_PASSWORD}),
                      ("/mon-espace/notifications", {})):
        assert client.post(url, data=data).status_code == 400
    assert service.preferences(user.id)["news"] is True and outbox(app) == []
