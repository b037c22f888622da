"""Import of families from CSV: encodings (UTF-8, Windows-1252), bad lines reported line by line and nothing
written, the import in one transaction, the same file twice changes nothing, then inviting every family without an
account (invalid e-mails skipped and reported)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from support import csrf_from, outbox, text, text_of

from blueprints.imports import rules
from models import AccountToken, Enrollment, Family, Person, School, User, db

TODAY = dt.date(2026, 11, 23)
HEADER = ("dossier;role;civilite;nom;prenom;date_naissance;email;telephone;adresse;code_postal;ville;ecole;classe;"
          "lien;peut_recuperer;urgence;activites")
SCHOOL = "École Jean-de-La-Fontaine"


def csv_text(*lines: str) -> str:
    return "\r\n".join((HEADER, *lines)) + "\r\n"


GOOD = csv_text(
    "2026-0001;responsable;Mme;Lefèvre;Anaïs;;anais.lefevre@example.org;06 39 98 01 02;3 rue de l'Œillet;49999;"
    "Démo-sur-Loire;;;;;;",
    "2026-0001;responsable;M.;N'Diaye;Moussa;;moussa@example.org;;;;;;;;;;",
    f"2026-0001;enfant;;Lefèvre;Zoé;14/03/2018;;;;;;{SCHOOL};CE1;;;;CANTINE",
    "2026-0001;contact;Mme;Lefèvre;Odile;;;02 61 91 01 04;;;;;;grand-mère;oui;oui;",
    "2026-0002;responsable;;Œuvray;Chloé;;pas-une-adresse;;1 place;49999;Démo;;;;;;",
    f"2026-0002;enfant;;Œuvray;Noé;2019-01-02;;;;;;{SCHOOL};GS;;;;",
)


def parse(text: str):
    return rules.parse(text, schools=[SCHOOL], activities=["cantine"], today=TODAY)


# --------------------------------------------------------------------------- rules


def test_decode_utf8_with_bom_and_windows_1252():
    assert rules.decode("\ufeffnom;Œ".encode("utf-8")) == ("nom;Œ", "UTF-8")
    assert rules.decode("nom;Lefèvre;Œ".encode("cp1252")) == ("nom;Lefèvre;Œ", "Windows-1252")
    for raw, code in ((b"  \r\n", "empty"), (b"\x81\x8d\x90", "encoding")):
        with pytest.raises(rules.DecodeError) as error:
            rules.decode(raw)
        assert error.value.code == code


def test_a_good_file_parses():
    lines, problems = parse(GOOD)
    assert [(p.line, p.code) for p in problems] == [(6, "email")] and rules.blocking(problems) == []
    assert len(lines) == 6
    assert [(ln.role, ln.first_name) for ln in lines][:4] == [("guardian", "Anaïs"), ("guardian", "Moussa"),
                                                             ("child", "Zoé"), ("contact", "Odile")]
    zoe = lines[2]
    assert zoe.birth_date == dt.date(2018, 3, 14) and zoe.school == SCHOOL and zoe.activities == ("cantine",)
    assert lines[3].can_pick_up and lines[3].emergency and lines[3].relationship == "grand-mère"


@pytest.mark.parametrize("line, column, code", [
    ("2026-9;parent;;A;B;;;;;;;;;;;;", "role", "role"),
    ("2026-9;responsable;Dr;A;B;;;;;;;;;;;;", "civilite", "civility"),
    ("2026-9;responsable;;;B;;;;;;;;;;;;", "nom", "required"),
    ("2026-9;enfant;;A;B;;;;;;;;;;;;", "date_naissance", "required"),
    ("2026-9;enfant;;A;B;31/02/2018;;;;;;;;;;;", "date_naissance", "date"),
    ("2026-9;enfant;;A;B;01/01/2030;;;;;;;;;;;", "date_naissance", "date_range"),
    ("2026-9;enfant;;A;B;01/01/2018;;;;;;École inconnue;;;;;", "ecole", "school"),
    ("2026-9;enfant;;A;B;01/01/2018;;;;;;;;;;;piscine", "activites", "activity"),
    ("2026-9;contact;;A;B;;;;;;;;;;peut-être;;", "peut_recuperer", "yes_no"),
    ("2026-9;responsable;;A;B;;;;;;;;;;;;cantine", "activites", "child_only"),
    ("2026-9;responsable;;" + "x" * 10_000 + ";B;;;;;;;;;;;;", "nom", "too_long"),
    ("2026-9;responsable;;A\x07;B;;;;;;;;;;;;", "nom", "control"),
    ("2026-9;responsable;;A;B;;;;;;;;;;;;;;;", "", "too_many_cells"),
])
def test_bad_lines_are_reported_with_line_and_column(line, column, code):
    lines, problems = parse(csv_text("2026-9;responsable;;Garde;Fou;;;;;;;;;;;;", line))
    assert (3, column, code) in [(p.line, p.column, p.code) for p in problems]
    assert all(ln.number != 3 for ln in lines)


def test_family_without_guardian_duplicates_and_missing_columns():
    _lines, problems = parse(csv_text("2026-7;enfant;;A;B;01/01/2018;;;;;;;;;;;",
                                      "2026-8;responsable;;C;D;;;;;;;;;;;;", "2026-8;responsable;;c;d;;;;;;;;;;;;"))
    assert [(p.line, p.code) for p in problems] == [(4, "duplicate"), (2, "no_guardian")]
    _lines, problems = rules.parse("nom;prenom\nA;B\n", schools=[], activities=[], today=TODAY)
    assert {(p.column, p.code) for p in problems} == {("dossier", "missing_column"), ("role", "missing_column")}


# --------------------------------------------------------------------------- views


@pytest.fixture
def world(app, client, make_agent, make_activity, login_as):
    app.config["CLOCK"] = lambda: dt.datetime(2026, 11, 23, 9, tzinfo=dt.timezone.utc)
    db.session.add(School(name=SCHOOL))
    db.session.commit()
    activity, _unit, period = make_activity(code="cantine")
    activity.code = "cantine"
    db.session.commit()
    agent = make_agent()
    login_as(agent)
    return period


def upload(client, content: bytes, filename="familles.csv"):
    page = client.get("/gestion/import/")
    return client.post("/gestion/import/", content_type="multipart/form-data",
                       data={"csrf_token": csrf_from(page.text), "file": (io.BytesIO(content), filename)})


def confirm(client, report):
    token = report.text.split('name="token" type="hidden" value="')[1].split('"')[0]
    return client.post("/gestion/import/confirmer", data={"csrf_token": csrf_from(report.text), "token": token})


def counts():
    return tuple(db.session.scalar(db.select(db.func.count(m.id))) for m in (Family, Person, Enrollment))


def test_template_downloads(client, world):
    answer = client.get("/gestion/import/modele.csv")
    body = answer.data.decode("utf-8-sig")
    assert body.startswith("dossier;role;") and "Œillet" in body and SCHOOL in body
    lines, problems = parse(body)
    assert problems == [] and len(lines) == 4


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_dry_run_then_import_then_the_same_file_changes_nothing(client, world, encoding):
    report = upload(client, GOOD.encode(encoding))
    assert report.status_code == 200
    body = text_of(report)
    assert "« pas-une-adresse » : adresse e-mail invalide. La ligne est importée" in body
    assert ("Windows-1252" if encoding == "cp1252" else "UTF-8") in body
    assert "Familles créées 2" in body and "Enfants créés 2" in body and "Inscriptions créées 1" in body
    assert counts() == (0, 0, 0)  # a dry run writes nothing
    done = confirm(client, report)
    assert done.status_code == 302
    assert counts() == (2, 6, 1)
    zoe = db.session.execute(db.select(Person).where(Person.first_name == "Zoé")).scalar_one()
    assert zoe.school.name == SCHOOL and zoe.class_name == "CE1"
    family = db.session.execute(db.select(Family).where(Family.dossier_number == "2026-0001")).scalar_one()
    assert family.name == "Lefèvre" and family.address == "3 rue de l'Œillet"
    assert confirm(client, report).status_code == 302  # replayed: the kept file is gone, nothing happens
    assert counts() == (2, 6, 1)
    again = upload(client, GOOD.encode(encoding))
    assert "Tout ce fichier est déjà dans le portail : rien à importer." in text(again)
    assert counts() == (2, 6, 1)


def test_a_file_with_errors_imports_nothing(client, world):
    bad = GOOD + "2026-0003;enfant;;Sans;Parent;01/01/2018;;;;;;;;;;;\r\n"
    report = upload(client, bad.encode())
    body = text_of(report)
    assert "1 problème à corriger dans le fichier : rien n'est importé" in body
    assert "Le dossier 2026-0003 n'a aucun responsable dans le fichier." in body
    assert 'name="token"' not in report.text and report.text.count("<title>Erreur") == 1
    assert counts() == (0, 0, 0)


def test_not_a_csv_file(client, world):
    answer = upload(client, b"%PDF-1.7\x00\x00binary")
    assert answer.status_code == 422 and "n'est pas un fichier CSV" in text(answer)
    answer = upload(client, b"")
    assert answer.status_code == 422


def test_confirm_with_a_forged_token(client, world):
    page = client.get("/gestion/import/")
    for token in ("../../secret_key", "x" * 40, ""):
        answer = client.post("/gestion/import/confirmer", data={"csrf_token": csrf_from(page.text), "token": token})
        assert answer.status_code == 302
    assert counts() == (0, 0, 0)


def test_invite_all_families_without_account(app, client, world):
    confirm(client, upload(client, GOOD.encode()))
    page = client.get("/gestion/import/")
    assert "2 familles n'ont pas encore de compte." in text_of(page)
    answer = client.post("/gestion/import/inviter", data={"csrf_token": csrf_from(page.text)})
    body = text_of(answer)
    assert "1 famille invitée" in body
    assert "Adresses invalides, écartées" in body and "« pas-une-adresse »" in body
    user = db.session.execute(db.select(User).where(User.role == "parent")).scalar_one()
    assert user.email == "anais.lefevre@example.org" and not user.has_password
    assert db.session.scalar(db.select(db.func.count(AccountToken.id))) == 1
    mails = outbox(app)
    assert len(mails) == 1 and mails[0]["To"] == "anais.lefevre@example.org"
    # again: the invited family has its account now, the other one is still skipped
    page = client.get("/gestion/import/")
    answer = client.post("/gestion/import/inviter", data={"csrf_token": csrf_from(page.text)})
    assert re.search(r"\b0 familles? invitées?", text_of(answer)) and len(outbox(app)) == 1


def test_import_is_for_agents(client, world, make_family, login_as):
    client.post("/deconnexion", data={"csrf_token": csrf_from(client.get("/gestion/").text)})
    _fam, parent, _kids = make_family()
    login_as(parent)
    assert client.get("/gestion/import/").status_code == 403
    assert client.get("/gestion/import/modele.csv").status_code == 403
