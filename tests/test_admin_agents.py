"""Administrators manage agents (create with an activation link, role and sites, health right, deactivate: their
sessions end); two-factor authentication: set-up at login for those who need it, the code step, recovery codes
used once, replays and wrong codes refused and throttled."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from support import PASSWORD, csrf_from, link_in, outbox, text_of

from blueprints.admin import twofactor
from models import AgentSite, RecoveryCode, School, User, UserSession, db

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def world(app, make_agent):
    app.config["CLOCK"] = lambda: NOW
    schools = [School(name="École Œillets"), School(name="École Jean-de-La-Fontaine")]
    db.session.add_all(schools)
    db.session.commit()
    return {"admin": make_agent("admin@example.org", role="admin"), "schools": schools}


def new_agent_form(client, **fields):
    page = client.get("/gestion/agents/nouveau")
    data = {"csrf_token": csrf_from(page.text), "email": "Nadia.Benali@example.org", "display_name": "Nadia Benali",
            "role": "site"}
    data.update(fields)
    return client.post("/gestion/agents/nouveau", data=data)


def test_an_admin_creates_a_site_agent_who_activates_and_sees_only_their_pages(app, client, login_as, world):
    login_as(world["admin"])
    school = world["schools"][0]
    answer = new_agent_form(client, schools=[str(school.id)])
    assert answer.status_code == 302
    agent = db.session.execute(db.select(User).where(User.email == "nadia.benali@example.org")).scalar_one()
    assert (agent.role, agent.agent_role, agent.password_hash) == ("agent", "site", None)
    assert db.session.execute(db.select(AgentSite.school_id).where(AgentSite.user_id == agent.id)).scalars().all() \
        == [school.id]
    listing = text_of(client.get("/gestion/agents"))
    assert "Nadia Benali" in listing and "Agent de site : École Œillets" in listing
    message = outbox(app)[-1]
    client.post("/deconnexion", data={"csrf_token": csrf_from(client.get("/gestion/").text)})
    link = link_in(message)
    page = client.get(link)
    done = client.post(link, data={"csrf_token": csrf_from(page.text), "password": "Tortue-orange-sous-9-lampions",
                                   "confirm": "Tortue-orange-sous-9-lampions"})
    assert done.status_code == 302, text_of(done)
    assert client.get("/gestion/").status_code == 200
    assert client.get("/gestion/familles").status_code == 403


@pytest.mark.parametrize(("fields", "message"), [
    ({"role": "site"}, "Choisissez au moins une école pour un agent de site."),
    ({"role": "chef"}, "Choisissez le rôle de l'agent."),
    ({"role": ""}, "Choisissez le rôle de l'agent."),
    ({"email": "pas-une-adresse"}, "Saisissez une adresse e-mail valide"),
    ({"email": "admin@example.org", "role": "accueil"}, "Cette adresse est déjà celle d'un autre compte."),
    ({"display_name": "N" * 10_000, "role": "accueil"}, "Le nom doit contenir au plus 200 caractères."),
    ({"role": "site", "schools": ["999999"]}, "Choisissez une valeur de la liste."),
])
def test_bad_agent_forms_say_why_and_save_nothing(client, login_as, world, fields, message):
    login_as(world["admin"])
    answer = new_agent_form(client, **fields)
    assert answer.status_code == 400
    assert message in text_of(answer)
    assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one() == 1


def test_unicode_names_and_role_changes(client, login_as, world):
    login_as(world["admin"])
    assert new_agent_form(client, display_name="Chloé d'Œuvray-Müller", role="accueil").status_code == 302
    agent = db.session.execute(db.select(User).where(User.email == "nadia.benali@example.org")).scalar_one()
    page = client.get(f"/gestion/agents/{agent.id}")
    assert "Chloé d'Œuvray-Müller" in text_of(page)
    answer = client.post(f"/gestion/agents/{agent.id}", data={
        "csrf_token": csrf_from(page.text), "display_name": "Chloé d'Œuvray-Müller", "role": "direction",
        "can_see_health": "y"})
    assert answer.status_code == 302
    db.session.expire_all()
    assert (agent.agent_role, agent.can_see_health) == ("direction", True)


def test_deactivating_an_agent_ends_their_sessions(app, client, login_as, world, make_agent):
    agent = make_agent("accueil@example.org")
    other = app.test_client()
    page = other.get("/connexion")
    other.post("/connexion", data={"email": agent.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)})
    assert other.get("/gestion/").status_code == 200
    login_as(world["admin"])
    page = client.get(f"/gestion/agents/{agent.id}")
    answer = client.post(f"/gestion/agents/{agent.id}", data={"csrf_token": csrf_from(page.text),
                                                             "action": "deactivate"})
    assert answer.status_code == 302
    assert other.get("/gestion/").status_code == 302  # back to the login page
    assert db.session.execute(db.select(UserSession).where(UserSession.user_id == agent.id,
                                                           UserSession.revoked_at.is_(None))).first() is None
    # an admin cannot lock themselves out
    own = client.post(f"/gestion/agents/{world['admin'].id}", data={"csrf_token": csrf_from(page.text),
                                                                   "action": "deactivate"})
    assert own.status_code == 302 and db.session.get(User, world["admin"].id).active


def test_agent_pages_refuse_forged_ids_and_missing_csrf(client, login_as, world, make_family):
    _family, parent, _kids = make_family()
    login_as(world["admin"])
    assert client.get("/gestion/agents/999999").status_code == 404
    assert client.get(f"/gestion/agents/{parent.id}").status_code == 404  # a parent is not an agent
    assert client.post("/gestion/agents/nouveau", data={"email": "x@example.org", "display_name": "X",
                                                         "role": "accueil"}).status_code == 400


# --------------------------------------------------------------------------- two-factor authentication


def code_at(secret, when):
    return pyotp.TOTP(secret).at(when)


def password_step(client, email):
    page = client.get("/connexion")
    return client.post("/connexion", data={"email": email, "password": PASSWORD, "csrf_token": csrf_from(page.text)})


def enrol_through_login(app, client, user):
    """Log in with the password, set up two-factor authentication: returns (secret, recovery codes)."""
    answer = password_step(client, user.email)
    assert answer.status_code == 302 and answer.location.endswith("/connexion/double-authentification")
    page = client.get("/connexion/double-authentification")
    assert page.status_code == 200
    db.session.expire_all()
    secret = twofactor.unseal(db.session.get(User, user.id).totp_secret, app.config["SECRET_KEY"])
    assert twofactor.grouped(secret) in text_of(page)  # the key as text, for screen readers and typing
    assert "<svg" in page.text
    done = client.post("/connexion/double-authentification",
                       data={"csrf_token": csrf_from(page.text), "code": code_at(secret, NOW)})
    assert done.status_code == 200
    codes = [c for c in done.text.split("<code>")[1:]]
    return secret, [c.split("</code>")[0] for c in codes]


def test_an_admin_must_set_up_two_factor_then_gives_a_code_at_each_login(app, client, world):
    app.config["TWO_FACTOR_REQUIRED"] = True
    admin = world["admin"]
    answer = password_step(client, admin.email)
    assert client.get("/gestion/").status_code == 302  # no session before the second step
    secret, codes = enrol_through_login(app, client, admin)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/gestion/").status_code == 200
    assert db.session.execute(db.select(db.func.count()).select_from(RecoveryCode)).scalar_one() == 10
    assert codes[0] not in {r.code_hash for r in db.session.execute(db.select(RecoveryCode)).scalars()}

    client.post("/deconnexion", data={"csrf_token": csrf_from(client.get("/gestion/").text)})
    answer = password_step(client, admin.email)
    assert answer.location.endswith("/connexion/code")
    page = client.get("/connexion/code")
    # the code already used for the set-up is refused (replay), the next one works
    replay = client.post("/connexion/code", data={"csrf_token": csrf_from(page.text), "code": code_at(secret, NOW)})
    assert replay.status_code == 200 and "déjà servi" in text_of(replay)
    app.config["CLOCK"] = lambda: NOW + dt.timedelta(seconds=60)
    ok = client.post("/connexion/code", data={"csrf_token": csrf_from(page.text),
                                              "code": code_at(secret, NOW + dt.timedelta(seconds=60))})
    assert ok.status_code == 302 and ok.location.endswith("/gestion/")
    assert client.get("/gestion/").status_code == 200


def test_a_recovery_code_works_once(app, client, world):
    app.config["TWO_FACTOR_REQUIRED"] = True
    _secret, codes = enrol_through_login(app, client, world["admin"])
    client.post("/deconnexion", data={"csrf_token": csrf_from(client.get("/gestion/").text)})
    for attempt, expected in ((codes[3].lower().replace("-", " "), 302), (codes[3], 200)):
        password_step(client, world["admin"].email)
        page = client.get("/connexion/code")
        answer = client.post("/connexion/code", data={"csrf_token": csrf_from(page.text), "code": attempt})
        assert answer.status_code == expected
        if expected == 302:
            assert "Il vous en reste 9" in text_of(client.get("/gestion/"))
            client.post("/deconnexion", data={"csrf_token": csrf_from(client.get("/gestion/").text)})


def test_wrong_codes_are_throttled_and_the_password_alone_opens_nothing(app, client, world):
    secret = twofactor.start_enrolment(world["admin"])
    world["admin"].totp_enabled_at = NOW
    db.session.commit()
    password_step(client, world["admin"].email)
    page = client.get("/connexion/code")
    statuses = [client.post("/connexion/code", data={"csrf_token": csrf_from(page.text), "code": bad}).status_code
                for bad in ("000000", "12345", "x" * 10_000, "", "ABCDE-FGHIJ", "999999", "111111")]
    assert statuses[:5] == [200, 200, 200, 200, 200] and statuses[-1] == 429
    # even the right code waits for the delay
    right = client.post("/connexion/code", data={"csrf_token": csrf_from(page.text), "code": code_at(secret, NOW)})
    assert right.status_code == 429
    assert client.get("/gestion/").status_code == 302


def test_a_reset_link_does_not_skip_the_second_step(app, client, world):
    from blueprints.auth.mails import reset_mail

    twofactor.start_enrolment(world["admin"])
    world["admin"].totp_enabled_at = NOW
    with app.test_request_context():
        link = reset_mail(world["admin"], NOW).link
    db.session.commit()
    path = link.split("localhost", 1)[-1]
    page = client.get(path)
    answer = client.post(path, data={"csrf_token": csrf_from(page.text), "password": "Tortue-orange-sous-9-lampions",
                                     "confirm": "Tortue-orange-sous-9-lampions"})
    assert answer.status_code == 302 and answer.location.endswith("/connexion/code")
    assert client.get("/gestion/").status_code == 302


def test_the_second_step_expires_and_cannot_be_reached_without_a_password(app, client, world):
    assert client.get("/connexion/code").status_code == 302
    assert client.get("/connexion/double-authentification").status_code == 302
    twofactor.start_enrolment(world["admin"])
    world["admin"].totp_enabled_at = NOW
    db.session.commit()
    password_step(client, world["admin"].email)
    with client.session_transaction() as session:
        pending = dict(session["_2fa_pending"])
        pending["at"] -= 601
        session["_2fa_pending"] = pending
    assert client.get("/connexion/code").location.endswith("/connexion")


def test_an_agent_with_the_health_right_is_sent_to_set_up_mid_session(app, client, login_as, make_agent, world):
    app.config["TWO_FACTOR_REQUIRED"] = True
    nurse = make_agent("infirmiere@example.org")
    nurse.agent_role = "accueil"
    db.session.commit()
    login_as(nurse)
    assert client.get("/gestion/familles").status_code == 200
    nurse = db.session.get(User, nurse.id)
    nurse.can_see_health = True
    db.session.commit()
    answer = client.get("/gestion/familles")
    assert answer.status_code == 302 and answer.location.endswith("/connexion/double-authentification")


def test_security_page_renews_recovery_codes_and_admin_resets_two_factor(app, client, login_as, world, make_agent):
    agent = make_agent("regie@example.org")
    agent.agent_role = "regie"
    db.session.commit()
    login_as(agent)
    page = client.get("/gestion/securite")
    assert "Non activée" in text_of(page)
    secret = twofactor.start_enrolment(db.session.get(User, agent.id))
    db.session.commit()
    enrol = client.get("/connexion/double-authentification")
    done = client.post("/connexion/double-authentification", data={"csrf_token": csrf_from(enrol.text),
                                                                     "code": code_at(secret, NOW)})
    assert "Vos codes de secours" in text_of(done)
    page = client.get("/gestion/securite")
    assert "Il vous reste 10 codes de secours" in text_of(page)
    renewed = client.post("/gestion/securite", data={"csrf_token": csrf_from(page.text)})
    assert renewed.status_code == 200 and renewed.text.count("<code>") == 10
    client.post("/deconnexion", data={"csrf_token": csrf_from(client.get("/gestion/").text)})
    login_as(world["admin"])
    page = client.get(f"/gestion/agents/{agent.id}")
    client.post(f"/gestion/agents/{agent.id}", data={"csrf_token": csrf_from(page.text), "action": "reset_2fa"})
    db.session.expire_all()
    assert not twofactor.enabled(db.session.get(User, agent.id))
    assert db.session.execute(db.select(RecoveryCode)).first() is None


def test_the_secret_is_stored_sealed_and_a_clear_one_is_sealed_at_its_next_use(app, world):
    key = app.config["SECRET_KEY"]
    admin = world["admin"]
    secret = twofactor.start_enrolment(admin)
    stored = db.session.get(User, admin.id).totp_secret
    assert stored.startswith(twofactor.SEALED) and secret not in stored
    assert twofactor.unseal(stored, key) == secret and twofactor.start_enrolment(admin) == secret
    assert twofactor.unseal(stored, "another-secret-key") is None  # SECRET_KEY changed: reset by an admin
    # a secret stored in clear before sealing existed still works, and is sealed once used
    admin.totp_secret, admin.totp_enabled_at = secret, NOW - dt.timedelta(days=1)
    db.session.commit()
    assert twofactor.use_code(admin, code_at(secret, NOW), NOW, key) == "totp"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, admin.id).totp_secret.startswith(twofactor.SEALED)


def test_totp_rules():
    secret = pyotp.random_base32()
    step = pyotp.TOTP(secret).timecode(NOW)
    assert twofactor.verify_code(secret, code_at(secret, NOW), NOW, None) == step
    assert twofactor.verify_code(secret, code_at(secret, NOW), NOW, step) is None  # used once
    assert twofactor.verify_code(secret, code_at(secret, NOW - dt.timedelta(seconds=30)), NOW, None) == step - 1
    assert twofactor.verify_code(secret, code_at(secret, NOW - dt.timedelta(seconds=120)), NOW, None) is None
    assert twofactor.verify_code(secret, "12 34 5", NOW, None) is None
    assert twofactor.normalise_recovery("k7qpm 3xh9a") == "K7QPM-3XH9A"
    assert twofactor.normalise_recovery("K7QPM-3XH9O") is None  # O is not in the alphabet


def test_flask_agent_create_with_a_role(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["agent", "create", "Regie@Example.org", "--name", "Régie", "--role", "regie"])
    assert result.exit_code == 0, result.output
    user = db.session.execute(db.select(User).where(User.email == "regie@example.org")).scalar_one()
    assert (user.role, user.agent_role) == ("agent", "regie")
    bad = runner.invoke(args=["agent", "create", "x@example.org", "--role", "chef"])
    assert bad.exit_code != 0
