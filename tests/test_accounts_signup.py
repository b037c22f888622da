"""Registration with a dossier key ("clé enfance"): four steps, then an activation e-mail valid 24 h; single-use
keys, throttled, no account enumeration, bad input, CSRF."""

from __future__ import annotations

import datetime as dt

from accounts_world import give_key, keyless_family, post_step, register
from support import PASSWORD, csrf_from, link_in, outbox, text, text_of

from models import DossierKey, User, db

T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
NEW_PASSWORD = "Cartable-vert-et-3-crayons"
REFUSED = "Ce numéro de dossier et cette clé enfance ne vont pas ensemble"


def at(app, when):
    app.config["CLOCK"] = lambda: when


def test_a_parent_registers_with_the_key_and_activates_the_account_by_the_link(app, client):
    at(app, T0)
    family = keyless_family()
    key = give_key(family, T0)
    done = register(client, family, key.lower())  # typed in lower case, without hyphens
    assert done.status_code == 302 and done.headers["Location"].endswith("/inscription/envoyee")
    page = client.get("/inscription/envoyee")
    assert "Votre espace personnel a été créé" in text(page)
    assert "zoe.lefevre@example.org" in text(page) and "24 heures" in text(page)

    user = db.session.scalar(db.select(User).where(User.email == "zoe.lefevre@example.org"))
    assert user.family_id == family.id and user.person_id == family.guardians[0].id and not user.has_password
    row = db.session.scalar(db.select(DossierKey).where(DossierKey.family_id == family.id))
    assert row.used_at == T0 and row.used_by_id == user.id
    assert key not in str(vars(row))  # only a digest is kept

    [message] = outbox(app)
    assert message["To"] == "zoe.lefevre@example.org"
    assert "Lefèvre" not in message.get_content().split("http")[1]  # the link carries no personal data
    link = link_in(message)
    at(app, T0 + dt.timedelta(hours=23, minutes=59))
    activated = post_step(client, link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert activated.status_code == 302
    assert "Lefèvre" in text(client.get(activated.headers["Location"]))


def test_the_activation_link_expires_after_24_hours(app, client):
    at(app, T0)
    family = keyless_family()
    register(client, family, give_key(family, T0))
    link = link_in(outbox(app)[0])
    at(app, T0 + dt.timedelta(hours=24))
    assert client.get(link).status_code == 410


def test_a_wrong_key_or_number_gets_one_message_and_nothing_is_saved(app, client):
    at(app, T0)
    family = keyless_family()
    key = give_key(family, T0)
    other = keyless_family(name="Durand")
    give_key(other, T0)
    post_step(client, "/inscription", {"first_name": "Zoé", "last_name": "Lefèvre", "email": "z@example.org"})
    wrong_key = post_step(client, "/inscription/dossier", {"dossier_number": family.dossier_number,
                                                            "key": "ABCD-EFGH-JKMN"})
    wrong_number = post_step(client, "/inscription/dossier", {"dossier_number": "D-1999-0001", "key": key})
    other_family = post_step(client, "/inscription/dossier", {"dossier_number": other.dossier_number, "key": key})
    for answer in (wrong_key, wrong_number, other_family):
        assert answer.status_code == 200
        assert REFUSED in text(answer)
        assert 'aria-describedby="key-hint key-error"' in answer.text
    assert client.get("/inscription/conditions").status_code == 302  # step 2 not done
    assert db.session.scalar(db.select(User).where(User.email == "z@example.org")) is None


def test_a_key_serves_once(app, client):
    at(app, T0)
    family = keyless_family()
    key = give_key(family, T0)
    register(client, family, key)
    second = app.test_client()
    post_step(second, "/inscription", {"first_name": "Zoé", "last_name": "Lefèvre", "email": "autre@example.org"})
    answer = post_step(second, "/inscription/dossier", {"dossier_number": family.dossier_number, "key": key})
    assert REFUSED in text(answer)


def test_a_key_used_between_step_two_and_the_recap_sends_back_to_step_two(app, client):
    at(app, T0)
    family = keyless_family()
    key = give_key(family, T0)
    post_step(client, "/inscription", {"first_name": "Zoé", "last_name": "Lefèvre", "email": "a@example.org"})
    post_step(client, "/inscription/dossier", {"dossier_number": family.dossier_number, "key": key})
    post_step(client, "/inscription/conditions", {"accepted": "y"})
    register(app.test_client(), family, key, email="b@example.org")  # someone else, first
    late = post_step(client, "/inscription/recapitulatif", {})
    assert late.status_code == 409 and "vient de servir" in text(late)
    assert db.session.scalar(db.select(User).where(User.email == "a@example.org")) is None
    assert client.get("/inscription/recapitulatif").headers["Location"].endswith("/inscription/dossier")


def test_a_regenerated_key_replaces_the_old_one(app, client):
    at(app, T0)
    family = keyless_family()
    old = give_key(family, T0)
    new = give_key(family, T0 + dt.timedelta(days=1))
    assert old != new
    post_step(client, "/inscription", {"first_name": "Zoé", "last_name": "Lefèvre", "email": "z@example.org"})
    assert REFUSED in text(post_step(client, "/inscription/dossier",
                                     {"dossier_number": family.dossier_number, "key": old}))
    assert post_step(client, "/inscription/dossier",
                     {"dossier_number": family.dossier_number, "key": new}).status_code == 302


def test_an_address_that_has_an_account_gets_the_same_page_and_a_notice(app, client, make_family):
    at(app, T0)
    _, existing, _ = make_family(email="deja@example.org")
    family = keyless_family()
    fresh = keyless_family(name="Durand", first="Jean")
    known = register(client, family, give_key(family, T0), email="DEJA@example.org")
    known_page = client.get("/inscription/envoyee")
    other = app.test_client()
    new = register(other, fresh, give_key(fresh, T0), email="nouveau@example.org", first="Jean", last="Durand")
    new_page = other.get("/inscription/envoyee")
    assert known.status_code == new.status_code == 302
    assert known_page.status_code == new_page.status_code == 200
    assert text_of(known_page).replace("DEJA@example.org", "X").replace("Zoé Lefèvre", "Y") == \
        text_of(new_page).replace("nouveau@example.org", "X").replace("Jean Durand", "Y").replace(
            csrf_from(new_page.text), csrf_from(known_page.text))
    assert db.session.scalar(db.select(db.func.count()).select_from(User).where(User.family_id == family.id)) == 0
    notice, invitation = outbox(app)
    assert notice["To"] == "deja@example.org" and "déjà un espace" in notice["Subject"]
    assert invitation["To"] == "nouveau@example.org"


def test_steps_cannot_be_skipped_by_address(client):
    for url in ("/inscription/dossier", "/inscription/conditions", "/inscription/recapitulatif"):
        answer = client.get(url)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/inscription")


def test_the_recap_shows_the_answers_with_modifier_links(app, client):
    at(app, T0)
    family = keyless_family()
    key = give_key(family, T0)
    post_step(client, "/inscription", {"first_name": "Zoé", "last_name": "Lefèvre", "email": "z@example.org"})
    post_step(client, "/inscription/dossier", {"dossier_number": family.dossier_number, "key": key})
    post_step(client, "/inscription/conditions", {"accepted": "y"})
    recap = client.get("/inscription/recapitulatif")
    assert family.dossier_number in text(recap) and "Famille Lefèvre" in text(recap)
    assert key not in recap.text
    changed = post_step(client, "/inscription?retour=recap",
                        {"first_name": "Zoé", "last_name": "Lefèvre", "email": "zoe@example.org"})
    assert changed.headers["Location"].endswith("/inscription/recapitulatif")
    assert "zoe@example.org" in text(client.get("/inscription/recapitulatif"))


def test_conditions_must_be_accepted(client, app):
    at(app, T0)
    family = keyless_family()
    key = give_key(family, T0)
    post_step(client, "/inscription", {"first_name": "Zoé", "last_name": "Lefèvre", "email": "z@example.org"})
    post_step(client, "/inscription/dossier", {"dossier_number": family.dossier_number, "key": key})
    refused = post_step(client, "/inscription/conditions", {})
    assert refused.status_code == 200 and "Cochez la case" in text(refused)
    assert 'aria-describedby="accepted-error"' in refused.text


def test_bad_input_gets_french_messages_next_to_the_fields(client):
    answer = post_step(client, "/inscription", {"first_name": "x" * 10_000, "last_name": "",
                                                "email": "pas-une-adresse"})
    page = text(answer)
    assert answer.status_code == 200
    assert "Le prénom doit contenir au plus 100 caractères." in page
    assert "Saisissez votre nom." in page
    assert "Saisissez une adresse e-mail valide" in page
    assert "Il y a 3 erreurs à corriger" in page
    shape = post_step(client, "/inscription", {"first_name": "Œdipe", "last_name": "N'Diaye-Lefèvre",
                                               "email": "o@example.org"})
    assert shape.status_code == 302
    bad_key = post_step(client, "/inscription/dossier", {"dossier_number": "D-2026-0001", "key": "1234"})
    assert "12 lettres et chiffres" in text(bad_key)


def test_steps_need_the_csrf_token(client):
    answer = client.post("/inscription", data={"first_name": "Zoé", "last_name": "L", "email": "z@example.org"})
    assert answer.status_code == 400
    assert client.get("/inscription/dossier").status_code == 302  # nothing saved


def test_step_two_is_throttled_per_dossier_number(app, client):
    at(app, T0)
    family = keyless_family()
    give_key(family, T0)
    post_step(client, "/inscription", {"first_name": "Zoé", "last_name": "Lefèvre", "email": "z@example.org"})
    token = csrf_from(client.get("/inscription/dossier").text)
    statuses = [client.post("/inscription/dossier", data={"dossier_number": family.dossier_number,
                                                           "key": "ABCD-EFGH-JKMN", "csrf_token": token}).status_code
                for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_a_signed_in_parent_is_sent_home(client, make_family, login_as):
    _, user, _ = make_family()
    login_as(user)
    assert client.get("/inscription").status_code == 302


def test_the_login_page_leads_to_registration(client):
    assert "/inscription" in client.get("/connexion").text


def test_cancel_forgets_the_draft(client):
    post_step(client, "/inscription", {"first_name": "Zoé", "last_name": "Lefèvre", "email": "z@example.org"})
    post_step(client, "/inscription/dossier", {})
    token = csrf_from(client.get("/inscription/dossier").text)
    assert client.post("/inscription/annuler", data={"csrf_token": token}).status_code == 302
    assert client.get("/inscription/dossier").status_code == 302
    assert PASSWORD  # (the shared password is not needed here)
