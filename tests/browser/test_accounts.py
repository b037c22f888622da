"""Self-registration with a dossier key in a real browser, on a phone (375 px), with JavaScript and without:
the four steps (one in error), the recap with its "Modifier", "Valider mon inscription", the confirmation, then
the activation link from the e-mail, a password, and the family's home. Every state: no axe violation, reflow at
320 px. The family is made for the test (no login, a fresh key) and removed afterwards."""

from __future__ import annotations

import re
import uuid
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import REFLOW_VIEWPORT, assert_axe_clean, assert_reflows

PHONE = {"width": 375, "height": 740}
PASSWORD = "Cartable-vert-et-3-crayons"


def check_page(page) -> None:
    assert_axe_clean(page)
    assert_reflows(page)
    width = page.viewport_size
    page.set_viewport_size(REFLOW_VIEWPORT)
    try:
        assert_axe_clean(page)
    finally:
        page.set_viewport_size(width)


@pytest.fixture
def keyed_family(live_server):
    """A family without login and its key: (dossier number, key); the family and its login are removed after."""
    from blueprints.accounts import service
    from models import AccountToken, DossierKey, Family, Person, User, UserSession

    number = f"D-2026-T{uuid.uuid4().hex[:4].upper()}"

    def make(db):
        family = Family(dossier_number=number, name="N'Diaye", address="3 allée des Tilleuls", postcode="45000",
                        city="Démo-sur-Loire")
        family.members = [Person(role="guardian", first_name="Aïssatou", last_name="N'Diaye"),
                          Person(role="child", first_name="Moussa", last_name="N'Diaye")]
        db.session.add(family)
        db.session.flush()
        key = service.issue_keys([family.id], live_server.clock(), actor_id=None)[family.id]
        db.session.commit()
        return family.id, key

    family_id, key = live_server.query(make)
    yield number, key

    def remove(db):
        users = db.select(User.id).where(User.family_id == family_id)
        for table in (UserSession, AccountToken):
            db.session.execute(db.delete(table).where(table.user_id.in_(users)))
        db.session.execute(db.delete(DossierKey).where(DossierKey.family_id == family_id))
        db.session.execute(db.delete(User).where(User.family_id == family_id))
        db.session.execute(db.delete(Person).where(Person.family_id == family_id))
        db.session.execute(db.delete(Family).where(Family.id == family_id))
        db.session.commit()

    live_server.query(remove)


def activation_link(live_server, email: str) -> str:
    folder = Path(live_server.app.instance_path) / "outbox"
    for path in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if message["To"] == email:
            return re.search(r"https?://\S+/activer/\S+", message.get_content()).group(0)
    raise AssertionError(f"no e-mail to {email}")


def heading(page, name: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(re.escape(name)))


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_parent_creates_the_account_with_the_key_then_activates_it(new_page, live_server, keyed_family,
                                                                     javascript):
    number, key = keyed_family
    email = f"aissatou.{uuid.uuid4().hex[:6]}@example.org"
    page = new_page(java_script_enabled=javascript, viewport=PHONE)
    page.goto("/connexion")
    page.get_by_role("link", name="Créer mon espace avec ma clé enfance").click()
    heading(page, "Étape 1 sur 4 : Mes informations")
    check_page(page)

    page.get_by_label(re.compile("^Prénom")).fill("Aïssatou")
    page.get_by_label(re.compile("^Nom")).fill("N'Diaye")
    page.get_by_label(re.compile("^Adresse e-mail")).fill(email)
    page.get_by_role("button", name="Continuer").click()
    heading(page, "Étape 2 sur 4 : Mes références dossier")
    check_page(page)

    page.get_by_label(re.compile("^Numéro de dossier")).fill(number)
    page.get_by_label(re.compile("^Clé enfance")).fill("ABCD-EFGH-JKMN")
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator(".error-summary")).to_contain_text("ne vont pas ensemble")
    expect(page.get_by_label(re.compile("^Clé enfance"))).to_have_attribute("aria-invalid", "true")
    check_page(page)

    page.get_by_label(re.compile("^Clé enfance")).fill(key.lower())
    page.get_by_role("button", name="Continuer").click()
    heading(page, "Étape 3 sur 4 : Conditions d'utilisation")
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator(".error-summary")).to_contain_text("Cochez la case")
    check_page(page)
    page.get_by_label(re.compile("^J'ai lu et j'accepte")).check()
    page.get_by_role("button", name="Continuer").click()

    heading(page, "Étape 4 sur 4 : Récapitulatif")
    expect(page.locator("main")).to_contain_text(number)
    expect(page.locator("main")).to_contain_text("Famille N'Diaye")
    check_page(page)
    page.get_by_role("link", name=re.compile("^Modifier mes informations")).click()
    heading(page, "Étape 1 sur 4 : Mes informations")
    page.get_by_role("button", name="Enregistrer et revenir au récapitulatif").click()
    heading(page, "Étape 4 sur 4 : Récapitulatif")
    page.get_by_role("button", name="Valider mon inscription").click()

    heading(page, "Votre espace personnel a été créé")
    expect(page.locator("main")).to_contain_text(email)
    check_page(page)

    page.goto(activation_link(live_server, email))
    heading(page, "Activer mon espace")
    page.get_by_label(re.compile("^Nouveau mot de passe")).fill(PASSWORD)
    page.get_by_label(re.compile("^Confirmez le mot de passe")).fill(PASSWORD)
    page.get_by_role("button", name="Enregistrer mon mot de passe").click()
    expect(page.get_by_role("status")).to_contain_text("Bienvenue")
    expect(page.locator("main")).to_contain_text("Moussa")
    check_page(page)


def test_agents_key_letters_page(new_page):
    from tests.browser.helpers import AGENT, login

    page = new_page(viewport=PHONE)
    login(page, *AGENT)
    page.goto("/gestion")
    page.get_by_role("link", name="Clés enfance").click()
    heading(page, "Clés enfance")
    expect(page.get_by_role("table")).to_contain_text("Lettre imprimée le")
    check_page(page)
    page.get_by_role("button", name="Imprimer les lettres des familles cochées (PDF)").click()
    expect(page.locator(".error-summary")).to_contain_text("Cochez au moins une famille.")
    check_page(page)
    page.get_by_role("checkbox").first.check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Imprimer les lettres des familles cochées (PDF)").click()
    assert download.value.suggested_filename.startswith("cles-enfance-")
