"""Public pages agents edit (#9): services and activities, schools, règlement intérieur (page and PDF checked by
content), tariffs (not published until a billing module exists), programmes, the contact page's text; the editor's
preview, refusals (scripts, javascript: links, files that are not what they claim), history (who, when, what)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from absences_world import tiny_pdf, tiny_png
from sqlalchemy import func, select
from support import csrf_from, main_of, text_of

from models import Activity, ContentChange, School, SiteFile, SitePage, db

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def world(app, make_agent, make_family):
    app.config["CLOCK"] = lambda: NOW

    class World:
        pass

    w = World()
    w.app = app
    db.session.add_all([School(name="École Jules-Ferry", address="2 rue Haute"),
                        Activity(code="alsh", name="Accueil de loisirs",
                                 description="Le mercredi, de 7 h 30 à 18 h 30")])
    db.session.commit()
    w.agent = make_agent()
    _f, w.parent, _c = make_family()
    return w


def login(client, user):
    page = client.get("/connexion")
    assert client.post("/connexion", data={"email": user.email, "password": "Un-mot-de-passe-solide-2026",
                                           "csrf_token": csrf_from(page.text)}).status_code == 302


def save(client, slug, action="save", **fields):
    url = f"/gestion/pages/{slug}"
    data = {"csrf_token": csrf_from(client.get(url).text), "title": "Règlement intérieur", "body": "", "action": action}
    data.update(fields)
    return client.post(url, data=data)


def add_file(client, slug, data: bytes, name: str, title="Règlement 2026-2027"):
    page = client.get(f"/gestion/pages/{slug}")
    return client.post(f"/gestion/pages/{slug}/fichiers", content_type="multipart/form-data",
                       data={"csrf_token": csrf_from(page.text), "file_title": title, "file": (io.BytesIO(data), name)})


def test_pages_before_anything_is_written(world, client):
    for slug, words in (("services", "Accueil de loisirs : Le mercredi, de 7 h 30 à 18 h 30"),
                        ("ecoles", "École Jules-Ferry , 2 rue Haute"), ("reglement", "pas encore rédigée"),
                        ("programmes", "pas encore rédigée"),
                        ("tarifs", "Le simulateur donne le prix de chaque créneau")):
        page = client.get(f"/infos/{slug}")
        assert page.status_code == 200 and words in text_of(page), slug
    assert 'href="/tarifs/simulateur"' in client.get("/infos/tarifs").text  # the tariffs are data: the simulator
    assert client.get("/infos/inconnue").status_code == 404
    assert client.get("/infos/contact").status_code == 404  # its text is on /contact


def test_agent_writes_a_page_with_a_preview_and_the_change_is_recorded(world, client):
    login(client, world.agent)
    preview = save(client, "reglement", action="preview", body="## Article 1\n\nLes **horaires**.")
    assert "<h3>Article 1</h3>" in preview.text and db.session.execute(select(func.count()).select_from(SitePage)
                                                                       ).scalar_one() == 0
    assert save(client, "reglement", body="## Article 1\n\nLes **horaires**.").status_code == 302
    visitor = world.app.test_client()
    page = visitor.get("/infos/reglement")
    assert "<strong>horaires</strong>" in page.text and "Mise à jour le lundi 23 novembre 2026" in text_of(page)
    assert save(client, "reglement", title="Règlement intérieur 2026", body="Nouveau texte").status_code == 302
    changes = db.session.execute(select(ContentChange).order_by(ContentChange.id)).scalars().all()
    assert [(c.kind, c.action, c.user_id) for c in changes] == [("page", "updated", world.agent.id)] * 2
    assert "Les **horaires**." in changes[1].before and "Nouveau texte" in changes[1].after
    history = text_of(client.get("/gestion/contenus/historique"))
    assert "modification, Page « Règlement intérieur 2026 »" in history


@pytest.mark.parametrize("body, message", [
    ("[clic](javascript:alert(1))", "page web"),
    ("![](/infos/fichiers/1)", "texte de remplacement"),
])
def test_unsafe_text_is_refused(world, client, body, message):
    login(client, world.agent)
    response = save(client, "services", body=body)
    assert response.status_code == 200 and message in text_of(main_of(response))
    assert db.session.execute(select(func.count()).select_from(SitePage)).scalar_one() == 0


def test_scripts_never_reach_the_public_page(world, client):
    login(client, world.agent)
    save(client, "programmes", title="Programmes", body="<script>alert(1)</script> <b onclick=x>Mercredis</b>")
    page = world.app.test_client().get("/infos/programmes").text
    assert "<script>alert" not in page and "onclick" not in page.replace("&lt;b onclick", "")


def test_the_reglement_pdf_is_checked_by_content_and_downloadable(world, client):
    login(client, world.agent)
    assert add_file(client, "reglement", tiny_pdf(), "reglement.pdf").status_code == 302
    file = db.session.execute(select(SiteFile)).scalar_one()
    visitor = world.app.test_client()
    page = visitor.get("/infos/reglement")
    assert "Règlement 2026-2027 (PDF" in text_of(page)
    download = visitor.get(f"/infos/fichiers/{file.id}")
    assert download.data == tiny_pdf() and download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert visitor.get("/infos/fichiers/999999").status_code == 404
    change = db.session.execute(select(ContentChange).where(ContentChange.kind == "file")).scalar_one()
    assert change.action == "created"
    page = client.get("/gestion/pages/reglement")
    assert client.post(f"/gestion/pages/fichiers/{file.id}/supprimer",
                       data={"csrf_token": csrf_from(page.text)}).status_code == 302
    assert visitor.get(f"/infos/fichiers/{file.id}").status_code == 404


@pytest.mark.parametrize("slug, data, name, message", [
    ("reglement", tiny_png(), "reglement.png", "doit être un PDF"),
    ("reglement", b"<html><script>alert(1)</script></html>", "reglement.pdf", "n'est pas un PDF"),
    ("reglement", b"%PDF-1.4 truncated", "reglement.pdf", "abîmé"),
    ("programmes", b"MZ\x90\x00", "programme.exe", "n'est pas un PDF"),
    ("programmes", b"", "vide.pdf", "vide"),
])
def test_files_that_are_not_what_they_claim_are_refused(world, client, slug, data, name, message):
    login(client, world.agent)
    response = add_file(client, slug, data, name)
    assert response.status_code == 200 and message in text_of(main_of(response))
    assert re.search(r"<title>Erreur : ", response.text)
    assert db.session.execute(select(func.count()).select_from(SiteFile)).scalar_one() == 0


def test_the_programmes_take_images_too(world, client):
    login(client, world.agent)
    assert add_file(client, "programmes", tiny_png(), "affiche.png", title="Affiche des vacances").status_code == 302
    assert "Affiche des vacances (PNG" in text_of(world.app.test_client().get("/infos/programmes"))


def test_the_contact_page_shows_the_agents_text_after_the_opening_hours(world, client):
    login(client, world.agent)
    save(client, "contact", title="Contact", body="Pour la **facturation**, écrivez au service scolaire.")
    assert "<strong>facturation</strong>" in world.app.test_client().get("/contact").text


def test_the_editor_is_for_agents_and_needs_csrf(world, client):
    visitor = world.app.test_client()
    assert visitor.get("/gestion/pages").status_code == 302
    login(client, world.parent)
    assert client.get("/gestion/pages/reglement").status_code == 403
    agent = world.app.test_client()
    login(agent, world.agent)
    assert agent.get("/gestion/pages").status_code == 200
    assert agent.get("/gestion/pages/inconnue").status_code == 404
    assert agent.post("/gestion/pages/reglement", data={"title": "X", "action": "save"}).status_code == 400
    assert db.session.execute(select(func.count()).select_from(SitePage)).scalar_one() == 0
