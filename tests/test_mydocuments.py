"""Mes documents: the attestation de présence's rules table-driven (which period, which days count: marks first, past
bookings without a mark, never absences), then the pages: the list, the GET form with its messages next to the
fields, the attestation and its tagged PDF (text read with pypdf, structure tags and language present), the fiche
famille and its PDF, and the scoping (another family's child is a 404; agents are refused)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from support import text_of

from blueprints.mydocuments import rules
from models import Activity, Attendance, ChildHealth, CommuneSettings, Person, Reservation, Unit, User, db

UTC = dt.timezone.utc
D = dt.date
TODAY = D(2026, 11, 23)  # a Monday


# --------------------------------------------------------------------------- rules: periods

@pytest.mark.parametrize(("kind", "year", "month", "start", "end"), [
    ("mois", 2026, 11, D(2026, 11, 1), D(2026, 11, 30)),
    ("mois", 2024, 2, D(2024, 2, 1), D(2024, 2, 29)),  # leap year
    ("scolaire", 2025, None, D(2025, 9, 1), D(2026, 8, 31)),
    ("civile", 2026, None, D(2026, 1, 1), D(2026, 12, 31)),
])
def test_period_of(kind, year, month, start, end):
    period = rules.period_of(kind, year, month)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize(("kind", "year", "month", "problem"), [
    ("mois", 2026, 11, None),  # the month in progress
    ("mois", 2026, 12, ("mois", "future")),
    ("mois", 2026, None, ("mois", "month_missing")),
    ("mois", 2026, 13, ("mois", "month_range")),
    ("mois", 2026, 0, ("mois", "month_range")),
    ("mois", None, 3, ("annee", "year_missing")),
    ("mois", 1999, 3, ("annee", "year_range")),
    ("civile", 2027, None, ("annee", "future")),
    ("civile", 2037, None, ("annee", "year_range")),
    ("civile", 2026, None, None),
    ("civile", 2026, 99, None),  # the month is not read for a year
    ("scolaire", 2026, None, None),  # 2026-2027 began in September
    ("scolaire", 2000, None, None),
    ("semaine", 2026, 1, ("periode", "kind")),
])
def test_period_problem(kind, year, month, problem):
    assert rules.period_problem(kind, year, month, TODAY) == problem


def test_a_school_year_not_begun_is_refused():
    assert rules.period_problem("scolaire", 2026, None, D(2026, 8, 31)) == ("annee", "future")


# --------------------------------------------------------------------------- rules: attended days

M, B = rules.Mark, rules.Booking
START, END = D(2026, 11, 1), D(2026, 11, 30)


@pytest.mark.parametrize(("marks", "bookings", "expected"), [
    # a past booking without a mark counts
    ([], [B(1, D(2026, 11, 2), "reserved")], {1: [D(2026, 11, 2)]}),
    # absences, justified or not, and waiting lists never count
    ([], [B(1, D(2026, 11, 2), "absent"), B(1, D(2026, 11, 3), "justified"), B(1, D(2026, 11, 5), "waiting")], {}),
    # today and days to come: not yet attended without a mark
    ([], [B(1, TODAY, "reserved"), B(1, D(2026, 11, 26), "reserved")], {}),
    # a mark "present" today counts; a mark says more than the booking
    ([M(1, TODAY, "present")], [B(1, TODAY, "reserved")], {1: [TODAY]}),
    ([M(1, D(2026, 11, 2), "absent")], [B(1, D(2026, 11, 2), "reserved")], {}),
    # present without a booking (came anyway)
    ([M(2, D(2026, 11, 4), "present")], [], {2: [D(2026, 11, 4)]}),
    # a mark on one unit does not hide the booking of another unit that day
    ([M(1, D(2026, 11, 2), "absent")], [B(2, D(2026, 11, 2), "reserved")], {2: [D(2026, 11, 2)]}),
    # outside the period: left out
    ([M(1, D(2026, 10, 30), "present")], [B(1, D(2026, 12, 1), "reserved"), B(1, D(2026, 10, 31), "reserved")], {}),
    # sorted, once per day
    ([M(1, D(2026, 11, 9), "present")], [B(1, D(2026, 11, 9), "reserved"), B(1, D(2026, 11, 3), "reserved")],
     {1: [D(2026, 11, 3), D(2026, 11, 9)]}),
])
def test_attended_days(marks, bookings, expected):
    assert rules.attended_days(marks, bookings, START, END, TODAY) == expected


def test_presence_by_activity_groups_months_units_and_totals():
    units = {1: rules.UnitInfo(1, "Matin", 0, 10, "Périscolaire", 1),
             2: rules.UnitInfo(2, "Soir", 2, 10, "Périscolaire", 1),
             3: rules.UnitInfo(3, "Repas", 0, 20, "Cantine", 0)}
    attended = {1: [D(2026, 9, 1), D(2026, 10, 2)], 2: [D(2026, 9, 1), D(2026, 9, 3)], 3: [D(2026, 9, 1)],
                99: [D(2026, 9, 1)]}  # a unit the catalogue does not know: left out
    cantine, peri = rules.presence_by_activity(attended, units)
    assert (cantine.name, cantine.units, cantine.unit_totals, cantine.total_days) == ("Cantine", ("Repas",), (1,), 1)
    assert peri.units == ("Matin", "Soir") and peri.unit_totals == (2, 2) and peri.total_days == 3
    assert [row.month for row in peri.months] == [D(2026, 9, 1), D(2026, 10, 1)]
    assert peri.months[0].days == ((D(2026, 9, 1),), (D(2026, 9, 1), D(2026, 9, 3)))
    assert peri.months[1].days == ((D(2026, 10, 2),), ())


# --------------------------------------------------------------------------- pages

def struct_tags(node, found=None) -> set[str]:
    """The structure types (/S) of a PDF's tag tree."""
    found = set() if found is None else found
    node = node.get_object() if hasattr(node, "get_object") else node
    if isinstance(node, list):
        for kid in node:
            struct_tags(kid, found)
    elif hasattr(node, "get"):
        if "/S" in node:
            found.add(str(node["/S"]))
        if "/K" in node:
            struct_tags(node["/K"], found)
    return found


@pytest.fixture
def world(app, make_family, login_as, school):
    app.config["CLOCK"] = lambda: dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    db.session.add(CommuneSettings(name="Ville de Démo-sur-Loire", service_name="Service Enfance",
                                   city="Démo-sur-Loire"))
    family, user, (zoe,) = make_family("Œillet-d'Aubigné", children=("Zoé",), school=school)
    family.allocataire_regime, family.allocataire_number, family.quotient_familial = "CAF", "1234567", 850
    db.session.add(Person(family_id=family.id, role="contact", first_name="Mamie", last_name="Jeanne",
                          relationship_label="grand-mère", can_pick_up=True, phone="06 12 34 56 78"))
    db.session.add(ChildHealth(child_id=zoe.id, allergies="Arachide", diet="Sans porc"))
    cantine = Activity(code="cantine", name="Restauration scolaire")
    db.session.add(cantine)
    db.session.flush()
    repas = Unit(activity_id=cantine.id, slot="meal", label="Repas")
    db.session.add(repas)
    db.session.flush()
    db.session.add_all([
        Reservation(child_id=zoe.id, unit_id=repas.id, date=D(2026, 11, 2), state="reserved"),
        Reservation(child_id=zoe.id, unit_id=repas.id, date=D(2026, 11, 3), state="reserved"),  # marked absent
        Reservation(child_id=zoe.id, unit_id=repas.id, date=D(2026, 11, 5), state="justified"),
        Reservation(child_id=zoe.id, unit_id=repas.id, date=D(2026, 11, 26), state="reserved"),  # to come
        Reservation(child_id=zoe.id, unit_id=repas.id, date=D(2026, 10, 13), state="reserved"),
        Attendance(child_id=zoe.id, unit_id=repas.id, date=D(2026, 11, 3), status="absent"),
        Attendance(child_id=zoe.id, unit_id=repas.id, date=D(2026, 11, 9), status="present", booked=False),
    ])
    db.session.commit()
    login_as(user)
    return family, zoe


def test_the_list_links_each_child_and_the_fiche(client, world):
    _family, zoe = world
    page = client.get("/mes-documents")
    assert page.status_code == 200
    words = text_of(page)
    assert "Attestation de présence de Zoé Œillet-d'Aubigné" in words and "Fiche famille" in words
    assert f"/mes-documents/attestation-de-presence/{zoe.id}" in page.text
    assert 'href="/mes-documents"' in client.get("/mon-accueil").text


def test_the_form_opens_on_this_month_without_an_attestation(client, world):
    _family, zoe = world
    page = client.get(f"/mes-documents/attestation-de-presence/{zoe.id}")
    assert page.status_code == 200
    assert 'value="2026"' in page.text and '<option selected value="11">' in page.text
    assert "Attestation pour" not in text_of(page)


def test_a_month_attested(client, world):
    _family, zoe = world
    page = client.get(f"/mes-documents/attestation-de-presence/{zoe.id}?periode=mois&mois=11&annee=2026")
    words = text_of(page)
    assert "Attestation pour novembre 2026" in words
    assert "Restauration scolaire" in words and "2 jours de présence au total" in words
    assert "2, 9 (2 jours)" in words  # the 3rd marked absent, the 5th justified, the 26th to come
    assert "Ville de Démo-sur-Loire" in words and "Fait à Démo-sur-Loire, le lundi 23 novembre 2026" in words
    assert f"/mes-documents/attestation-de-presence/{zoe.id}.pdf?" in page.text


def test_a_school_year_and_an_empty_year(client, world):
    _family, zoe = world
    year = text_of(client.get(f"/mes-documents/attestation-de-presence/{zoe.id}?periode=scolaire&annee=2026"))
    assert "l'année scolaire 2026-2027" in year and "3 jours de présence au total" in year
    empty = text_of(client.get(f"/mes-documents/attestation-de-presence/{zoe.id}?periode=civile&annee=2020"))
    assert "Aucune présence enregistrée pour l'année 2020" in empty


@pytest.mark.parametrize(("query", "field", "message"), [
    ("periode=mois&mois=12&annee=2026", "mois", "Cette période n'a pas encore commencé"),
    ("periode=mois&mois=11&annee=", "annee", "Saisissez l'année, par exemple 2026."),
    ("periode=mois&mois=11&annee=deux", "annee", "Saisissez un nombre entier"),
    ("periode=civile&annee=1850", "annee", "Saisissez une année de 2000 à 2026."),
    ("periode=semaine&annee=2026", "periode", "Choisissez une valeur de la liste."),
    ("periode=mois&mois=42&annee=2026", "mois", "Choisissez un mois de la liste."),
])
def test_bad_input_is_said_next_to_the_field(client, world, query, field, message):
    _family, zoe = world
    page = client.get(f"/mes-documents/attestation-de-presence/{zoe.id}?{query}")
    assert page.status_code == 200
    assert f'id="{field}-error"' in page.text and message in text_of(page)
    assert "Attestation pour" not in text_of(page)
    assert client.get(f"/mes-documents/attestation-de-presence/{zoe.id}.pdf?{query}").status_code == 404


def test_the_attestation_pdf_is_tagged_and_says_the_same(client, world):
    _family, zoe = world
    answer = client.get(f"/mes-documents/attestation-de-presence/{zoe.id}.pdf?periode=mois&mois=11&annee=2026")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert answer.headers["Cache-Control"] == "private, no-store"
    reader = PdfReader(io.BytesIO(answer.data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Attestation de présence de Zoé Œillet-d'Aubigné" in text and "Restauration scolaire" in text
    assert "2, 9 (2 jours)" in text and "le lundi 23 novembre 2026" in text and "Ville de Démo-sur-Loire" in text
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert str(root["/Lang"]).startswith("fr")
    assert {"/H1", "/Table", "/TH", "/TD", "/P"} <= struct_tags(root["/StructTreeRoot"])


def test_the_fiche_famille_page_and_pdf(client, world):
    family, _zoe = world
    words = text_of(client.get("/mes-documents/fiche-famille"))
    for expected in ("Camille Œillet-d'Aubigné", "Zoé Œillet-d'Aubigné", "École Jean-de-La-Fontaine", "CE1",
                     "Mamie Jeanne", "grand-mère",
                     "Arachide", "Sans porc", "1234567", "850", "Fiche éditée le lundi 23 novembre 2026",
                     family.dossier_number):
        assert expected in words, expected
    assert "Modifier" not in words
    answer = client.get("/mes-documents/fiche-famille.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for expected in ("Fiche famille Œillet-d'Aubigné", "Zoé Œillet-d'Aubigné", "Mamie Jeanne", "Arachide", "1234567",
                     "23 novembre 2026"):
        assert expected in text, expected
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and str(root["/Lang"]).startswith("fr")
    assert {"/H1", "/H2", "/L", "/LI"} <= struct_tags(root["/StructTreeRoot"])


def test_another_familys_child_is_a_404(client, world, make_family, login_as):
    _family, zoe = world
    _other, stranger, (chloe,) = make_family("Bernard", children=("Chloé",))
    client._cookies.clear()
    login_as(stranger)
    for url in (f"/mes-documents/attestation-de-presence/{zoe.id}",
                f"/mes-documents/attestation-de-presence/{zoe.id}?periode=mois&mois=11&annee=2026",
                f"/mes-documents/attestation-de-presence/{zoe.id}.pdf?periode=mois&mois=11&annee=2026"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/mes-documents/attestation-de-presence/{chloe.id}").status_code == 200
    sheet = text_of(client.get("/mes-documents/fiche-famille"))
    assert "Chloé Bernard" in sheet and "Zoé" not in sheet and "Arachide" not in sheet


def test_agents_and_visitors_are_refused(client, world, make_agent, login_as):
    client._cookies.clear()
    assert client.get("/mes-documents").status_code in (302, 401)
    login_as(make_agent())
    assert client.get("/mes-documents").status_code == 403
    assert client.get("/mes-documents/fiche-famille.pdf").status_code == 403


def test_in_english(client, world):
    _family, zoe = world
    client.set_cookie("langue", "en")
    page = text_of(client.get(f"/mes-documents/attestation-de-presence/{zoe.id}?periode=scolaire&annee=2026"))
    assert "Certificate for the 2026-2027 school year" in page and "3 days attended in all." in page
    assert "November" in page and "Issued in Démo-sur-Loire on" in page
    bad = text_of(client.get(f"/mes-documents/attestation-de-presence/{zoe.id}?periode=mois&mois=12&annee=2026"))
    assert "This period has not started yet" in bad
    assert "Family record" in text_of(client.get("/mes-documents/fiche-famille"))


def test_who_sees_a_childs_health(world, make_family, make_agent):
    from blueprints.families.health import may_see_child_health

    family, zoe = world
    _other, stranger, _ = make_family("Bernard")
    own = db.session.execute(db.select(User).where(User.family_id == family.id)).scalar_one()
    agent = make_agent()
    assert may_see_child_health(own, zoe) and not may_see_child_health(stranger, zoe)
    assert not may_see_child_health(agent, zoe)
    agent.can_see_health = True
    assert may_see_child_health(agent, zoe)
