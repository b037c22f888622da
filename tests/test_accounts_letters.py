"""Agents print dossier-key letters: families without an account, one PDF page per family (tagged, PDF/UA-1),
a new key each time (the previous one stops working); agents only; CSRF; nothing ticked is a French error."""

from __future__ import annotations

import datetime as dt
import io
import re

from accounts_world import give_key, keyless_family, post_step
from pypdf import PdfReader
from support import csrf_from, text

from blueprints.accounts import rules, service
from models import DossierKey, db

T0 = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)


def at(app, when):
    app.config["CLOCK"] = lambda: when


def print_letters(client, data):
    page = client.get("/gestion/cles-enfance")
    return client.post("/gestion/cles-enfance", data={**data, "csrf_token": csrf_from(page.text)})


def pdf_pages(response) -> list[str]:
    reader = PdfReader(io.BytesIO(response.data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def test_the_list_shows_families_without_an_account_only(app, client, make_family, make_agent, login_as):
    make_family(name="Martin")  # has a login
    keyless_family(name="Lefèvre")
    used = keyless_family(name="Œuvray")
    give_key(used, T0)
    login_as(make_agent())
    page = text(client.get("/gestion/cles-enfance"))
    assert "Famille Lefèvre" in page and "Famille Œuvray" in page and "Famille Martin" not in page
    assert "Aucune lettre" in page and "Lettre imprimée le" in page
    assert "2 familles sans compte" in page


def test_letters_are_one_tagged_page_per_family_with_a_new_working_key(app, client, make_agent, login_as):
    at(app, T0)
    first = keyless_family(name="Lefèvre", first="Zoé")
    second = keyless_family(name="N'Diaye", first="Aïssatou")
    old = give_key(first, T0)
    agent = make_agent()
    login_as(agent)
    answer = print_letters(client, {"famille": [str(first.id), str(second.id)]})
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert "attachment" in answer.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(answer.data))
    assert "/StructTreeRoot" in reader.trailer["/Root"] and reader.trailer["/Root"]["/Lang"] == "fr"
    pages = pdf_pages(answer)
    assert len(pages) == 2
    keys = {}
    for family, page in zip((first, second), pages, strict=True):
        assert family.dossier_number in page and "Le 3 décembre 2026" in page
        assert f"{family.guardians[0].first_name} {family.name}" in page
        assert "/inscription" in page and "24 heures" in page
        keys[family.id] = re.search(r"Clé enfance ([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})", page).group(1)
    assert rules.format_key(old) not in pages[0]
    assert service.check_key(first.dossier_number, old) is None  # the old key no longer works
    assert service.check_key(first.dossier_number, keys[first.id]) == first.id
    assert service.check_key(second.dossier_number, keys[second.id]) == second.id
    row = db.session.scalar(db.select(DossierKey).where(DossierKey.family_id == first.id))
    assert row.created_by_id == agent.id and row.used_at is None


def test_a_printed_key_opens_the_registration(app, client, make_agent, login_as):
    at(app, T0)
    family = keyless_family()
    login_as(make_agent())
    [page] = pdf_pages(print_letters(client, {"famille": str(family.id)}))
    key = re.search(r"Clé enfance ([A-Z0-9-]{14})", page).group(1)
    parent = app.test_client()
    post_step(parent, "/inscription", {"first_name": "Zoé", "last_name": "Lefèvre", "email": "z@example.org"})
    assert post_step(parent, "/inscription/dossier",
                     {"dossier_number": family.dossier_number, "key": key}).status_code == 302


def test_all_families_at_once(app, client, make_agent, login_as):
    at(app, T0)
    for name in ("Arnaud", "Bernier", "Collin"):
        keyless_family(name=name)
    login_as(make_agent())
    assert len(pdf_pages(print_letters(client, {"toutes": "1"}))) == 3


def test_nothing_ticked_or_another_familys_id_is_an_error_and_nothing_changes(app, client, make_family, make_agent,
                                                                               login_as):
    at(app, T0)
    keyless_family()
    with_login, _, _ = make_family()
    login_as(make_agent())
    for data in ({}, {"famille": str(with_login.id)}, {"famille": "99999999999"}, {"famille": "abc"}):
        answer = print_letters(client, data)
        assert answer.status_code == 400 and "Cochez au moins une famille." in text(answer)
    assert db.session.scalar(db.select(db.func.count()).select_from(DossierKey)) == 0


def test_parents_may_not_print_letters(client, make_family, login_as):
    _, parent, _ = make_family()
    login_as(parent)
    assert client.get("/gestion/cles-enfance").status_code == 403


def test_printing_needs_the_csrf_token(client, make_agent, login_as):
    login_as(make_agent())
    family = keyless_family()
    assert client.post("/gestion/cles-enfance", data={"famille": str(family.id)}).status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(DossierKey)) == 0
