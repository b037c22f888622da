"""Optional FranceConnect login (OpenID Connect with Authlib) against a local fake provider started by the tests:
off unless configured; an identity logs in only to the login it was associated with from "Mon espace"; state,
nonce, signature and audience are checked; no account is found or made from an e-mail."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from fake_oidc import CLIENT_ID, CLIENT_SECRET, FakeProvider
from support import csrf_from, text

from models import FranceConnectLink, User, db


@pytest.fixture
def provider(app):
    fake = FakeProvider()
    app.config.update(FRANCECONNECT_CLIENT_ID=CLIENT_ID, FRANCECONNECT_CLIENT_SECRET=CLIENT_SECRET,
                      FRANCECONNECT_SERVER_METADATA_URL=f"{fake.url}/.well-known/openid-configuration")
    yield fake
    fake.stop()


def go_through(client, start_url: str, form_page: str):
    """Press the button at `start_url`, let the provider answer, come back: the callback's response."""
    token = csrf_from(client.get(form_page).text)
    to_provider = client.post(start_url, data={"csrf_token": token})
    assert to_provider.status_code == 302
    answer = requests.get(to_provider.headers["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(answer.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def test_off_unless_configured(app, client):
    assert "FranceConnect" not in client.get("/connexion").text
    token = csrf_from(client.get("/connexion").text)
    assert client.post("/franceconnect/connexion", data={"csrf_token": token}).status_code == 404
    assert client.get("/franceconnect/retour?code=x&state=y").status_code == 404


def test_associate_then_log_in_with_franceconnect(app, client, provider, make_family, login_as):
    _, user, _ = make_family()
    login_as(user)
    assert "Associer FranceConnect à mon compte" in text(client.get("/mon-espace"))
    linked = go_through(client, "/mon-espace/franceconnect", "/mon-espace")
    assert linked.status_code == 302 and linked.headers["Location"].endswith("/mon-espace")
    assert db.session.scalar(db.select(FranceConnectLink.sub).where(FranceConnectLink.user_id == user.id)) \
        == "fc-sub-1"
    assert provider.acr_values == ["eidas1"]

    browser = app.test_client()
    assert "S’identifier avec FranceConnect" in text(browser.get("/connexion"))
    logged = go_through(browser, "/franceconnect/connexion", "/connexion")
    assert logged.status_code == 302 and logged.headers["Location"].endswith("/mon-accueil")
    assert browser.get("/mon-accueil").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at is not None


def test_an_identity_associated_with_nobody_logs_in_nowhere(app, client, provider, make_family):
    make_family(email="camille@example.org")  # same e-mail as the identity: never used to find the account
    answer = go_through(client, "/franceconnect/connexion", "/connexion")
    assert answer.status_code == 403 and "Aucun compte n’est associé" in text(answer)
    assert client.get("/mon-accueil").status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(FranceConnectLink)) == 0


def test_a_withdrawn_login_cannot_use_its_identity(app, client, provider, make_family, login_as):
    _, user, _ = make_family()
    db.session.add(FranceConnectLink(user_id=user.id, sub="fc-sub-1"))
    user.active = False
    db.session.commit()
    assert go_through(client, "/franceconnect/connexion", "/connexion").status_code == 403


@pytest.mark.parametrize("tamper", [{"aud": "un-autre-service"}, {"nonce": "rejoue"}, {"iss": "http://ailleurs"},
                                    {"exp": 1}])
def test_a_forged_or_replayed_id_token_is_refused(app, client, provider, make_family, tamper):
    _, user, _ = make_family()
    db.session.add(FranceConnectLink(user_id=user.id, sub="fc-sub-1"))
    db.session.commit()
    provider.tamper = tamper
    answer = go_through(client, "/franceconnect/connexion", "/connexion")
    assert answer.status_code == 400 and "n’a pas abouti" in text(answer)
    assert client.get("/mon-accueil").status_code == 302


def test_a_callback_without_the_state_of_this_browser_is_refused(app, client, provider, make_family):
    token = csrf_from(client.get("/connexion").text)
    to_provider = client.post("/franceconnect/connexion", data={"csrf_token": token})
    answer = requests.get(to_provider.headers["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(answer.headers["Location"])
    other = app.test_client()
    assert other.get(f"{back.path}?{back.query}").status_code == 400


def test_an_identity_already_associated_elsewhere_is_not_moved(app, client, provider, make_family, login_as):
    _, first, _ = make_family()
    _, second, _ = make_family(name="Bernard")
    db.session.add(FranceConnectLink(user_id=first.id, sub="fc-sub-1"))
    db.session.commit()
    login_as(second)
    answer = go_through(client, "/mon-espace/franceconnect", "/mon-espace")
    assert answer.status_code == 302
    assert "déjà associée à un autre compte" in text(client.get("/mon-espace"))
    assert db.session.scalar(db.select(FranceConnectLink.user_id)) == first.id


def test_unlink_and_csrf(app, client, provider, make_family, login_as):
    _, user, _ = make_family()
    db.session.add(FranceConnectLink(user_id=user.id, sub="fc-sub-1"))
    db.session.commit()
    login_as(user)
    assert client.post("/mon-espace/franceconnect/dissocier").status_code == 400
    assert client.post("/franceconnect/connexion").status_code == 400
    token = csrf_from(client.get("/mon-espace").text)
    assert client.post("/mon-espace/franceconnect/dissocier", data={"csrf_token": token}).status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(FranceConnectLink)) == 0
