"""Co-représentants: the first login invites a second guardian (own login on the same family, activation link),
the family sees who has access and withdraws it; scoped to the family; no enumeration; CSRF."""

from __future__ import annotations

import datetime as dt

from support import PASSWORD, csrf_from, link_in, outbox, text

from models import User, UserSession, db

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
NEW_PASSWORD = "Cartable-vert-et-3-crayons"


def at(app, when):
    app.config["CLOCK"] = lambda: when


def post(client, url, data):
    page = client.get("/mon-espace/acces")
    return client.post(url, data={**data, "csrf_token": csrf_from(page.text)})


def invite(client, email="paul.martin@example.org", first="Paul", last="Martin"):
    return post(client, "/mon-espace/acces/inviter", {"first_name": first, "last_name": last, "email": email})


def sign_in(app, email, password=PASSWORD):
    browser = app.test_client()
    page = browser.get("/connexion")
    browser.post("/connexion", data={"email": email, "password": password, "csrf_token": csrf_from(page.text)})
    return browser


def test_the_first_guardian_invites_a_co_guardian_who_gets_their_own_login(app, client, make_family, login_as):
    at(app, T0)
    family, first, _ = make_family(name="Martin")
    login_as(first)
    page = text(client.get("/mon-espace/acces"))
    assert first.email in page and "Premier représentant" in page and "Envoyer l’invitation" in page
    answer = invite(client)
    assert answer.status_code == 302
    assert "Invitation envoyée à paul.martin@example.org" in text(client.get("/mon-espace/acces"))
    second = db.session.scalar(db.select(User).where(User.email == "paul.martin@example.org"))
    assert second.family_id == family.id and second.role == "parent" and not second.has_password
    [message] = outbox(app)
    assert message["To"] == "paul.martin@example.org"
    co = app.test_client()
    page = co.get(link_in(message))
    assert page.status_code == 200
    done = co.post(link_in(message), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
                                           "csrf_token": csrf_from(page.text)})
    assert done.status_code == 302
    listing = text(co.get("/mon-espace/acces"))
    assert "Paul Martin (vous)" in listing and "Retirer mon accès" in listing
    assert "Envoyer l’invitation" not in listing  # only the first login invites
    assert "Léa" in text(co.get("/mon-accueil"))  # the same family


def test_the_invited_guardian_is_linked_to_the_guardian_of_that_name(app, client, make_family, login_as):
    from models import Person

    at(app, T0)
    family, first, _ = make_family(name="Martin")
    paul = Person(family_id=family.id, role="guardian", first_name="Paul", last_name="Martin")
    db.session.add(paul)
    db.session.commit()
    login_as(first)
    invite(client, first="paul", last="MARTIN")
    assert db.session.scalar(db.select(User.person_id).where(User.email == "paul.martin@example.org")) == paul.id


def test_the_first_guardian_withdraws_an_access_and_its_sessions_end(app, client, make_family, login_as):
    at(app, T0)
    family, first, _ = make_family(name="Martin")
    _, other, _ = make_family(name="Autre")
    co = User(email="co@example.org", role="parent", family_id=family.id, display_name="Paul Martin",
              password_hash=first.password_hash, created_at=T0 + dt.timedelta(days=1))
    db.session.add(co)
    db.session.commit()
    co_browser = sign_in(app, "co@example.org")
    assert co_browser.get("/mon-espace/acces").status_code == 200
    login_as(first)
    assert post(client, f"/mon-espace/acces/{other.id}/retirer", {}).status_code == 404  # another family's
    assert post(client, f"/mon-espace/acces/{first.id}/retirer", {}).status_code == 403  # cannot leave alone
    assert post(client, f"/mon-espace/acces/{co.id}/retirer", {}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, co.id).active
    assert co_browser.get("/mon-espace/acces").status_code == 302  # signed out
    assert db.session.scalar(db.select(db.func.count()).select_from(UserSession).where(
        UserSession.user_id == co.id, UserSession.revoked_at.is_(None))) == 0
    assert "Accès retiré" in text(client.get("/mon-espace/acces"))
    assert sign_in(app, "co@example.org").get("/mon-espace").status_code == 302  # cannot log in again
    # invited again: access given back with a new activation link
    invite(client, email="co@example.org")
    db.session.expire_all()
    again = db.session.get(User, co.id)
    assert again.active and not again.has_password and outbox(app)[-1]["To"] == "co@example.org"


def test_a_co_guardian_cannot_invite_nor_withdraw_others_but_may_leave(app, client, make_family, login_as):
    at(app, T0)
    family, first, _ = make_family(name="Martin")
    co = User(email="co@example.org", role="parent", family_id=family.id, display_name="Paul Martin",
              password_hash=first.password_hash, created_at=T0 + dt.timedelta(days=1))
    db.session.add(co)
    db.session.commit()
    login_as(co)
    assert invite(client, email="x@example.org").status_code == 403
    assert post(client, f"/mon-espace/acces/{first.id}/retirer", {}).status_code == 403
    assert post(client, f"/mon-espace/acces/{co.id}/retirer", {}).status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, co.id).active and db.session.get(User, first.id).active
    assert db.session.scalar(db.select(db.func.count()).select_from(User).where(User.email == "x@example.org")) == 0


def test_an_address_with_an_account_gets_the_same_answer_and_a_notice(app, client, make_family, make_agent, login_as):
    at(app, T0)
    _, first, _ = make_family(name="Martin")
    _, elsewhere, _ = make_family(name="Autre", email="ailleurs@example.org")
    make_agent()
    login_as(first)
    for email in ("ailleurs@example.org", "agent@example.org"):
        assert invite(client, email=email).status_code == 302
        assert f"Invitation envoyée à {email}" in text(client.get("/mon-espace/acces"))
        db.session.expire_all()
        assert db.session.scalar(db.select(User.family_id).where(User.email == email)) != first.family_id
    notices = outbox(app)
    assert [m["To"] for m in notices] == ["ailleurs@example.org", "agent@example.org"]
    assert all("déjà un espace" in m["Subject"] for m in notices)


def test_bad_input_and_csrf(app, client, make_family, login_as):
    at(app, T0)
    _, first, _ = make_family(name="Martin")
    login_as(first)
    cases = [({"first_name": "x" * 10_000, "last_name": "Martin", "email": "a@example.org"}, "au plus 100"),
             ({"first_name": "Paul", "last_name": "", "email": "a@example.org"}, "Saisissez son nom."),
             ({"first_name": "Paul", "last_name": "Martin", "email": "pas-une-adresse"}, "adresse e-mail valide"),
             ({"first_name": "Paul", "last_name": "Martin", "email": first.email.upper()}, "votre propre adresse")]
    for data, message in cases:
        answer = post(client, "/mon-espace/acces/inviter", data)
        assert answer.status_code == 400 and message in text(answer), message
    assert client.post("/mon-espace/acces/inviter", data={"first_name": "Paul", "last_name": "Martin",
                                                          "email": "a@example.org"}).status_code == 400
    assert outbox(app) == []


def test_agents_have_no_family_access_page(client, make_agent, login_as):
    login_as(make_agent())
    assert client.get("/mon-espace/acces").status_code == 404
