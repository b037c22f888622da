"""Billing pages: Mes factures (list with states and the family account, an invoice in HTML and as a tagged PDF,
another family's invoice is 404), the agents' pages (guarded), issuing a month from the preview, the progress page
(htmx block), counter payments with a receipt (sent twice: one payment), credit notes, tariffs edited as data with
French errors, and the public simulator (prefilled for a family)."""

import datetime as dt
import io
import re

import pytest
from billing_world import MARTIN_TOTAL, NOV, NOW, build
from pypdf import PdfReader
from support import PASSWORD, csrf_from, text_of

from blueprints.billing import run, service
from models import Invoice, Payment, Tariff, db


@pytest.fixture
def world(app, make_family, make_activity):
    return build(app, make_family, make_activity)


@pytest.fixture
def issued(world):
    run.run_month(NOV, dt.date(2026, 12, 31), lambda: NOW)
    world.martin_invoice = db.session.query(Invoice).filter_by(family_id=world.martin.id).one()
    world.bernard_invoice = db.session.query(Invoice).filter_by(family_id=world.bernard.id).one()
    return world


def login(app, user):
    client = app.test_client()
    page = client.get("/connexion")
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    return client


@pytest.fixture
def parent(issued):
    return login(issued.app, issued.martin_user)


@pytest.fixture
def agent(world, make_agent):
    return login(world.app, make_agent())


def test_my_invoices_list_balance_and_states(issued, parent):
    service.record_payment(issued.martin_invoice, 1000, "online", "P-1", NOW)
    db.session.commit()
    page = text_of(parent.get("/factures"))
    assert "Compte famille" in page and "Reste à payer : 9,98 €" in page
    assert "Facture de novembre 2026" in page and "À payer" in page
    assert "jeudi 31 décembre 2026" in page
    issued.app.config["CLOCK"] = lambda: dt.datetime(2027, 1, 2, 9, tzinfo=dt.timezone.utc)
    assert "En retard" in text_of(parent.get("/factures"))


def test_invoice_html(issued, parent):
    page = parent.get(f"/factures/{issued.martin_invoice.id}")
    assert page.status_code == 200
    body = text_of(page)
    for expected in ("F-2026-000001", "Quotient familial retenu 850", "Léa Martin", "Restauration – Repas",
                     "2, 3 et 5", "2,97 €", "Absence non justifiée", "Majoration : réservation hors délai",
                     "19,98 €", "Comment payer"):
        assert expected in body, expected
    assert '<th scope="col">' in page.text and "<caption id=\"lines-caption\">" in page.text


def test_invoice_pdf_is_tagged_and_says_it_all(issued, parent):
    response = parent.get(f"/factures/{issued.martin_invoice.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    content = " ".join(page.extract_text() for page in reader.pages)
    flat = " ".join(content.split())
    for expected in ("Facture F-2026-000001", "novembre 2026", "Léa Martin", "Hugo Martin", "Restauration",
                     "2,97", "19,98", "QF de 623", "jeudi 31 décembre 2026", "Comment payer"):
        assert expected in flat, expected
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog and catalog["/MarkInfo"]["/Marked"]
    assert catalog["/Lang"] == "fr"
    assert "Facture F-2026-000001" in str(reader.metadata.title)


def test_another_familys_invoice_is_404(issued, parent):
    other = issued.bernard_invoice.id
    assert parent.get(f"/factures/{other}").status_code == 404
    assert parent.get(f"/factures/{other}.pdf").status_code == 404
    assert parent.get("/factures/999999").status_code == 404
    assert issued.bernard_invoice.number not in parent.get("/factures").text


def test_agents_pages_are_for_agents(issued, parent, client):
    for url in ("/gestion/facturation", "/gestion/facturation/tarifs", "/gestion/facturation/impayes",
                f"/gestion/facturation/factures/{issued.martin_invoice.id}", "/gestion/facturation/2026-11"):
        assert parent.get(url).status_code == 403, url
        assert client.get(url).status_code == 302, url
    assert client.get("/factures").status_code == 302


def test_issue_from_the_preview_then_progress(world, agent):
    page = agent.get("/gestion/facturation/2026-11")
    body = text_of(page)
    assert "2 factures seraient émises" in body and "23,48 €" in body
    assert "Quotient familial non connu" in body and "Pas de tarif pour Periscolaire – Matin" in body
    refused = agent.post("/gestion/facturation/2026-11", data={"csrf_token": csrf_from(page.text),
                                                               "due_date": "01/12/2026"})
    assert "ne peut pas être passée" in text_of(refused) and db.session.query(Invoice).count() == 0
    response = agent.post("/gestion/facturation/2026-11", data={"csrf_token": csrf_from(page.text),
                                                                "due_date": "31/12/2026"})
    assert response.status_code == 302 and "/executions/" in response.location
    progress = agent.get(response.location)
    assert "Terminée" in text_of(progress) and "2 factures émises" in text_of(progress)
    fragment = agent.get(response.location, headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="progress"') and "<html" not in fragment.text
    assert db.session.query(Invoice).count() == 2
    months = text_of(agent.get("/gestion/facturation"))
    assert "Aperçu de novembre 2026 — 2 factures émises" in months
    assert "Aperçu d'octobre 2026 — pas encore facturé" in months
    # a month not over cannot be issued
    december = agent.get("/gestion/facturation/2026-12")
    assert "pas encore être facturé" in text_of(december)


def test_counter_payment_with_receipt_once(issued, agent):
    url = f"/gestion/facturation/factures/{issued.martin_invoice.id}"
    page = agent.get(url)
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    data = {"csrf_token": csrf_from(page.text), "token": token, "method": "cash", "amount": "10,00", "note": ""}
    first = agent.post(url + "/paiement", data=data)
    assert first.status_code == 302 and "/recu" in first.location
    second = agent.post(url + "/paiement", data=data)
    assert second.location == first.location
    assert db.session.query(Payment).count() == 1
    receipt = text_of(agent.get(first.location))
    assert "Reçu n° R-2026-000001" in receipt and "10,00 €" in receipt and "Espèces" in receipt


@pytest.mark.parametrize("data, message", [
    ({"method": "cheque", "amount": "5", "reference": ""}, "Saisissez le numéro du chèque"),
    ({"method": "cash", "amount": "20,00"}, "dépasse ce qui reste à payer"),
    ({"method": "cash", "amount": "douze"}, "Saisissez un montant en euros"),
    ({"method": "cash", "amount": "1" * 10_000}, "Saisissez un montant en euros"),
    ({"method": "virement", "amount": "5"}, "Choisissez une valeur de la liste"),
    ({"method": "cash", "amount": "-5"}, "Saisissez un montant en euros"),
    ({"method": "cash", "amount": "5", "note": "é" * 10_000}, "300 caractères au maximum"),
])
def test_counter_payment_errors(issued, agent, data, message):
    url = f"/gestion/facturation/factures/{issued.bernard_invoice.id}"
    page = agent.get(url)
    response = agent.post(url + "/paiement", data={"csrf_token": csrf_from(page.text), "token": "t", **data})
    assert response.status_code == 422
    assert message in text_of(response)
    assert 'aria-invalid="true"' in response.text and "error-summary" in response.text
    assert db.session.query(Payment).count() == 0


def test_credit_note(issued, agent):
    url = f"/gestion/facturation/factures/{issued.martin_invoice.id}"
    page = agent.get(url)
    missing = agent.post(url + "/avoir", data={"csrf_token": csrf_from(page.text), "amount": "2,97", "reason": " "})
    assert "Saisissez le motif" in text_of(missing)
    done = agent.post(url + "/avoir", data={"csrf_token": csrf_from(page.text), "amount": "2,97",
                                            "reason": "Absence du 9 novembre : certificat reçu en retard"})
    assert done.status_code == 302
    page = text_of(agent.get(url))
    assert "AV-2026-000001" in page and "reste à payer : 17,01 €" in page
    assert str(MARTIN_TOTAL) not in page  # amounts in euros only


def test_unpaid_search_and_account(issued, agent):
    unpaid = text_of(agent.get("/gestion/facturation/impayes"))
    assert "F-2026-000001" in unpaid and "F-2026-000002" in unpaid and "23,48 € en tout" in unpaid
    found = text_of(agent.get("/gestion/facturation/factures?q=bern"))
    assert "F-2026-000002" in found and "F-2026-000001" not in found
    month = text_of(agent.get("/gestion/facturation/factures?mois=2026-11"))
    assert "2 factures trouvées" in month
    assert agent.get("/gestion/facturation/factures?mois=abcd&q=" + "x" * 10_000).status_code == 200
    account = text_of(agent.get(f"/gestion/facturation/familles/{issued.martin.id}"))
    assert "Reste à payer : 19,98 €" in account


def tariff_form(agent, url="/gestion/facturation/tarifs/nouveau"):
    page = agent.get(url)
    assert page.status_code == 200
    return page, {"csrf_token": csrf_from(page.text)}


def test_create_a_grid_tariff(world, agent):
    page, data = tariff_form(agent)
    data.update({"target": f"{world.morning_activity.id}:{world.morning.id}", "valid_from": "01/01/2027",
                 "kind": "grid", "bands-0-qf_min": "0", "bands-0-price": "0,80", "bands-1-qf_min": "700",
                 "bands-1-price": "1,6", "bands-2-qf_min": "", "bands-2-price": "", "non_resident_mode": "add",
                 "non_resident_add": "2", "sibling2_percent": "", "late_booking-amount": "1,50"})
    response = agent.post("/gestion/facturation/tarifs/nouveau", data=data)
    assert response.status_code == 302, text_of(response)
    tariff = db.session.query(Tariff).filter_by(activity_id=world.morning_activity.id).one()
    assert [(b.qf_min, b.qf_max, b.price_cents) for b in tariff.bands] == [(0, 699, 80), (700, None, 160)]
    assert (tariff.non_resident_mode, tariff.non_resident_value) == ("add", 200)
    assert [(p.kind, p.amount_cents, p.percent) for p in tariff.penalties] == [("late_booking", 150, 0)]
    listing = text_of(agent.get("/gestion/facturation/tarifs"))
    assert "QF de 0 à 699" in listing and "1,60 €" in listing and "vendredi 1er janvier 2027" in listing
    edit = agent.get(f"/gestion/facturation/tarifs/{tariff.id}")
    assert 'value="0,80"' in edit.text and 'value="700"' in edit.text


@pytest.mark.parametrize("changes, message", [
    ({"bands-0-qf_min": "100"}, "La première tranche doit commencer à un QF de 0"),
    ({"bands-1-price": ""}, "Saisissez le prix de cette tranche"),
    ({"bands-0-price": "3,333"}, "Saisissez un montant en euros"),
    ({"bands-0-price": "9" * 10_000}, "Saisissez un montant en euros"),
    ({"kind": "effort"}, "Saisissez le taux d'effort"),
    ({"kind": "effort", "effort_rate": "abc"}, "Saisissez un pourcentage"),
    ({"kind": "effort", "effort_rate": "0,36", "floor": "5", "ceiling": "4"}, "plancher doit être inférieur"),
    ({"valid_from": "31/02/2027"}, "Saisissez une date valide"),
    ({"target": "999:"}, "Choisissez une valeur de la liste"),
    ({"sibling2_percent": "150"}, "de 0 à 100"),
    ({"non_resident_mode": "percent"}, "Saisissez le pourcentage"),
    ({"kind": "magic"}, "Choisissez une valeur de la liste"),
])
def test_tariff_errors(world, agent, changes, message):
    page, data = tariff_form(agent)
    data.update({"target": f"{world.morning_activity.id}:", "valid_from": "01/01/2027", "kind": "grid",
                 "bands-0-qf_min": "0", "bands-0-price": "1", "bands-1-qf_min": "800", "bands-1-price": "2",
                 "non_resident_mode": "same"})
    data.update(changes)
    response = agent.post("/gestion/facturation/tarifs/nouveau", data=data)
    assert response.status_code == 200
    assert message in text_of(response)
    assert "error-summary" in response.text
    assert db.session.query(Tariff).filter_by(activity_id=world.morning_activity.id).count() == 0


def test_tariff_same_start_twice_refused(world, agent):
    page, data = tariff_form(agent)
    data.update({"target": f"{world.meal_activity.id}:", "valid_from": "01/09/2026", "kind": "grid",
                 "bands-0-qf_min": "0", "bands-0-price": "1", "non_resident_mode": "same"})
    response = agent.post("/gestion/facturation/tarifs/nouveau", data=data)
    assert "commence ce jour-là" in text_of(response)


def test_simulator_public(world, client):
    page = client.get("/tarifs/simulateur")
    assert page.status_code == 200 and "Restauration" in text_of(page)
    assert "Periscolaire" not in text_of(page)  # no tariff: not offered
    activity = world.meal_activity.id
    result = text_of(client.get(f"/tarifs/simulateur?activities={activity}&qf_known=yes&quotient=850&resident=yes"
                                "&children=2"))
    assert "QF de 623 à 1 000" in result.replace("\u202f", " ")
    assert "1er enfant : 3,30 €" in result and "2e enfant : 2,97 €" in result
    assert "16 jours par enfant : 100,32 €" in result  # 4 weeks x 4 days x (3.30 + 2.97)
    unknown = text_of(client.get(f"/tarifs/simulateur?activities={activity}&qf_known=no&resident=no&children=1"))
    assert "3,50 €" in unknown and "tranche la plus haute" in unknown
    missing = text_of(client.get(f"/tarifs/simulateur?activities={activity}&qf_known=yes&quotient="))
    assert "Saisissez votre quotient familial" in missing
    bad = client.get(f"/tarifs/simulateur?activities={activity}&qf_known=yes&quotient=" + "9" * 10_000
                     + "&children=abc&resident=maybe")
    assert bad.status_code == 200 and "Saisissez un quotient familial" in text_of(bad)


def test_simulator_prefilled_for_a_family(issued, parent):
    page = parent.get("/tarifs/simulateur")
    body = text_of(page)
    assert "rempli avec les informations de votre dossier" in body
    assert 'value="850"' in page.text and "2e enfant : 2,97 €" in body
