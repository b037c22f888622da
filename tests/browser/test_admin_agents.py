"""An administrator creates a site agent (tablet, 1024 px); the agent, on a phone (375 px) without JavaScript,
activates the account, sets up two-factor authentication (QR code and the key as text), keeps the recovery codes,
and logs in again with a recovery code. Every page passes axe and reflows. The account is removed afterwards."""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_axe_clean, assert_reflows, login

ADMIN = ("admin@example.org", "Demo-Agent-2026!")
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 375, "height": 740}
EMAIL = "chloe.oeuvray@example.org"
PASSWORD = "Tortue-orange-sous-9-lampions"


@pytest.fixture
def cleanup(live_server):
    yield
    live_server.app.config["TWO_FACTOR_REQUIRED"] = False

    def remove(db):
        from models import User

        db.session.execute(db.delete(User).where(User.email == EMAIL))
        db.session.commit()
    live_server.query(remove)


def last_link(live_server) -> str:
    folder = Path(live_server.app.instance_path) / "outbox"
    newest = max(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime)
    message = BytesParser(policy=policy.default).parsebytes(newest.read_bytes())
    return re.findall(r"https?://[^/\s]+(/\S+)", message.get_content())[0]


def test_admin_creates_a_site_agent_who_sets_up_two_factor_and_logs_in(new_page, live_server, cleanup):
    admin = new_page()
    admin.set_viewport_size(TABLET)
    login(admin, *ADMIN)
    admin.get_by_role("link", name="Agents et rôles").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Agents et rôles")
    assert_axe_clean(admin)
    admin.get_by_role("link", name="Créer un compte d'agent").click()
    admin.get_by_role("button", name="Créer le compte et envoyer le lien").click()
    expect(admin.locator(".error-summary")).to_contain_text("Choisissez le rôle de l'agent.")
    assert_axe_clean(admin)
    admin.get_by_label("Adresse e-mail professionnelle").fill(EMAIL)
    admin.get_by_label("Nom affiché").fill("Chloé d'Œuvray")
    admin.get_by_label("Agent de site : listes et pointage de ses écoles").check()
    admin.get_by_label("École maternelle Les Coquelicots").check()
    admin.get_by_label("Peut lire les données de santé").check()
    admin.get_by_role("button", name="Créer le compte et envoyer le lien").click()
    expect(admin.locator("main")).to_contain_text("Le compte de Chloé d'Œuvray est créé")
    expect(admin.locator("main table")).to_contain_text("Agent de site : École maternelle Les Coquelicots")
    assert_axe_clean(admin)
    assert_reflows(admin)

    live_server.app.config["TWO_FACTOR_REQUIRED"] = True  # as in production (the demo only offers it)
    agent = new_page(java_script_enabled=False)
    agent.set_viewport_size(PHONE)
    agent.goto(last_link(live_server))
    agent.get_by_label("Nouveau mot de passe").fill(PASSWORD)
    agent.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
    agent.get_by_role("button", name="Enregistrer mon mot de passe").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Activer la double authentification")
    assert agent.locator("main svg title").text_content().startswith("QR code")
    assert_axe_clean(agent)
    assert_reflows(agent)
    secret = agent.locator("code.secret").inner_text().replace(" ", "")
    agent.get_by_label("Code de vérification").fill("000000")
    agent.get_by_role("button", name="Activer").click()
    expect(agent.locator(".error-summary")).to_contain_text("Ce code n'est pas bon")
    assert_axe_clean(agent)
    agent.get_by_label("Code de vérification").fill(pyotp.TOTP(secret).at(live_server.clock()))
    agent.get_by_role("button", name="Activer").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Vos codes de secours")
    codes = agent.locator("main li code").all_inner_texts()
    assert len(codes) == 10
    assert_axe_clean(agent)
    assert_reflows(agent)
    agent.get_by_role("link", name="J'ai noté mes codes, continuer").click()
    expect(agent.get_by_role("heading", level=1)).to_have_text("Gestion du service Enfance")
    expect(agent.locator("main")).not_to_contain_text("Familles")

    agent.get_by_role("button", name="Se déconnecter", exact=True).click()
    login(agent, EMAIL, PASSWORD)
    expect(agent.get_by_role("heading", level=1)).to_have_text("Code de vérification")
    assert_axe_clean(agent)
    assert_reflows(agent)
    agent.get_by_label("Code de vérification").fill(codes[0])
    agent.get_by_role("button", name="Valider").click()
    expect(agent.locator("main")).to_contain_text("Il vous en reste 9")
    assert agent.goto("/gestion/familles").status == 403
