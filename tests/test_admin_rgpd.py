"""RGPD: a family downloads all its data (JSON and a readable PDF), its own only, without any secret; the legal
page names the data protection officer from the commune's settings."""

from __future__ import annotations

import io
import json

from pypdf import PdfReader
from support import text_of

from models import CommuneSettings, Family, db


def test_a_family_downloads_its_data_as_json_and_pdf(app, client, login_as, make_family):
    family, parent, kids = make_family("Lefèvre-Œuvray", children=("Zoé", "Maël"))
    other, _parent, _kids = make_family("Durand", children=("Noé",))
    family.calendar_token = "secret-calendar-token-123"
    db.session.commit()
    login_as(parent)
    page = client.get("/mes-donnees")
    assert page.status_code == 200 and "Télécharger mes données (PDF)" in text_of(page)
    answer = client.get("/mes-donnees.json")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert "attachment" in answer.headers["Content-Disposition"]
    data = json.loads(answer.text)["donnees"]
    assert [f["name"] for f in data["famille"]] == ["Lefèvre-Œuvray"]
    assert sorted(p["first_name"] for p in data["personnes"]) == ["Camille", "Maël", "Zoé"]
    assert data["comptes"][0]["email"] == parent.email
    assert "Durand" not in answer.text and "Noé" not in answer.text
    for secret in ("password_hash", "calendar_token", "secret-calendar-token-123", "totp_secret"):
        assert secret not in answer.text

    pdf = client.get("/mes-donnees.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    content = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Famille Lefèvre-Œuvray" in content and "Maël" in content and "Zoé" in content
    assert "Durand" not in content and "argon2" not in content
    assert db.session.get(Family, other.id) is not None


def test_only_a_signed_in_parent_gets_data(client, login_as, make_agent):
    assert client.get("/mes-donnees.json").status_code == 302
    login_as(make_agent())
    assert client.get("/mes-donnees.json").status_code in (302, 403)


def test_the_legal_page_names_the_dpo(app, client):
    db.session.add(CommuneSettings(name="Ville-Test", dpo_name="Agnès Lévêque", dpo_email="dpo@ville-test.fr",
                                   dpo_address="Hôtel de ville"))
    db.session.commit()
    page = text_of(client.get("/mentions-legales"))
    assert "Délégué(e) à la protection des données" in page
    assert "Agnès Lévêque" in page and "dpo@ville-test.fr" in page and "Mes données" in page


def test_the_demo_has_agents_with_roles_and_a_dpo(app):
    from demo import seed_demo
    from models import AgentSite, User

    seed_demo()
    site = db.session.execute(db.select(User).where(User.email == "site@example.org")).scalar_one()
    assert site.agent_role == "site"
    assert db.session.execute(db.select(AgentSite).where(AgentSite.user_id == site.id)).first() is not None
    assert db.session.execute(db.select(CommuneSettings)).scalar_one().dpo_email == "dpo@example.org"
