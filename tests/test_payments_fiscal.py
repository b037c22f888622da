"""Attestation fiscale: the rules table-driven (children under 6 on 1 January, meals apart, money paid in the year
shared exactly among an invoice's lines), then the page and the tagged PDF (text read with pypdf, structure tags and
language present) for a family with payments on both sides of New Year."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from support import text_of

from blueprints.billing import service as billing
from blueprints.payments import fiscal
from models import Activity, Invoice, InvoiceLine, Person, Unit, db

UTC = dt.timezone.utc


@pytest.mark.parametrize(("birth", "year", "expected"), [
    (dt.date(2020, 1, 1), 2026, True),  # born in year - 6: counted (as the tax administration does)
    (dt.date(2019, 12, 31), 2026, False),
    (dt.date(2026, 3, 2), 2026, True),  # born during the year
    (dt.date(2027, 1, 2), 2026, False),
    (None, 2026, False),
])
def test_under_six(birth, year, expected):
    assert fiscal.under_six(birth, year) is expected


@pytest.mark.parametrize(("total", "weights", "parts"), [
    (100, [1, 1, 1], [34, 33, 33]),
    (4560, [3000, 1560], [3000, 1560]),
    (1000, [3000, 1560], [658, 342]),
    (0, [5, 5], [0, 0]),
    (7, [0, 0], [0, 0]),
    (1, [1, 1], [1, 0]),
])
def test_share_adds_up_exactly(total, weights, parts):
    assert fiscal.share(total, weights) == parts
    assert sum(fiscal.share(total, weights)) == (total if sum(weights) and total > 0 else 0)


@pytest.mark.parametrize(("slot", "kind", "meal"), [("meal", "booking", True), ("morning", "booking", False),
                                                   ("afternoon", "late_booking", False), ("", "pai", True)])
def test_is_meal(slot, kind, meal):
    assert fiscal.is_meal(slot, kind) is meal


def test_attestation_rows_and_ceiling():
    children = [(1, "Zoé Martin", dt.date(2021, 5, 4)), (2, "Léo Martin", dt.date(2015, 2, 1))]
    invoices = [
        fiscal.PaidInvoice(10_000, 10_000, (fiscal.Line(1, 6_000, False), fiscal.Line(1, 2_000, True),
                                            fiscal.Line(2, 2_000, False))),
        fiscal.PaidInvoice(10_000, 5_000, (fiscal.Line(1, 10_000, False),)),  # half paid this year
        fiscal.PaidInvoice(400_000, 400_000, (fiscal.Line(1, 400_000, False),)),
    ]
    result = fiscal.attestation(2026, children, invoices)
    assert [(r.name, r.care_cents, r.meal_cents) for r in result.rows] == [("Zoé Martin", 411_000, 2_000)]
    assert result.rows[0].retained_cents == fiscal.CEILING_CENTS


@pytest.fixture
def world(app, make_family, make_activity, login_as):
    app.config["CLOCK"] = lambda: dt.datetime(2027, 2, 1, 9, 0, tzinfo=UTC)
    family, user, (zoe,) = make_family("Œillet-d'Aubigné", children=("Zoé",))
    zoe.birth_date = dt.date(2021, 6, 1)
    older = Person(family_id=family.id, role="child", first_name="Léon", last_name="Œillet-d'Aubigné",
                   birth_date=dt.date(2018, 3, 3))
    db.session.add(older)
    periscolaire = Activity(code="peri", name="Accueil périscolaire")
    cantine = Activity(code="cantine", name="Restauration scolaire")
    db.session.add_all([periscolaire, cantine])
    db.session.flush()
    db.session.add_all([Unit(activity_id=periscolaire.id, slot="morning", label="Matin"),
                        Unit(activity_id=cantine.id, slot="meal", label="Repas")])
    invoice = Invoice(number=billing.next_number("invoice", 2026), family_id=family.id, month=dt.date(2026, 11, 1),
                      issued_at=dt.datetime(2026, 12, 1, tzinfo=UTC), due_date=dt.date(2026, 12, 31),
                      total_cents=10_000, family_name=family.name)
    invoice.lines = [
        InvoiceLine(position=0, child_id=zoe.id, child_name="Zoé", activity_id=periscolaire.id,
                    activity_name="Accueil périscolaire", unit_label="Matin", quantity=10, unit_price_cents=500,
                    amount_cents=5_000),
        InvoiceLine(position=1, child_id=zoe.id, child_name="Zoé", activity_id=cantine.id,
                    activity_name="Restauration scolaire", unit_label="Repas", quantity=10, unit_price_cents=300,
                    amount_cents=3_000),
        InvoiceLine(position=2, child_id=older.id, child_name="Léon", activity_id=periscolaire.id,
                    activity_name="Accueil périscolaire", unit_label="Matin", quantity=4, unit_price_cents=500,
                    amount_cents=2_000),
    ]
    db.session.add(invoice)
    db.session.flush()
    # 60 € paid on 31 December 2026 at 23:30 in Paris (22:30 UTC), the rest on 1 January 2027 at 00:30 Paris
    billing.record_payment(invoice, 6_000, "cheque", "111", dt.datetime(2026, 12, 31, 22, 30, tzinfo=UTC))
    billing.record_payment(invoice, 4_000, "online", "REF2", dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    db.session.commit()
    login_as(user)
    return family


def test_attestation_page_years_and_amounts(client, world):
    listing = client.get("/attestations-fiscales")
    assert "Attestation fiscale 2027" in text_of(listing) and "Attestation fiscale 2026" in text_of(listing)
    page = text_of(client.get("/attestations-fiscales/2026"))
    # 60 € of 100 € paid in 2026: Zoé's care 50 € x 0.6 = 30 €, her meals 18 €; Léon (8 on 1 January) is not listed
    assert "Zoé Œillet-d'Aubigné" in page and "30,00" in page and "18,00" in page
    assert "Léon" not in page
    page_2027 = text_of(client.get("/attestations-fiscales/2027"))
    assert "20,00" in page_2027 and "12,00" in page_2027
    assert client.get("/attestations-fiscales/2031").status_code == 404
    assert client.get("/attestations-fiscales/1999").status_code == 404


def test_attestation_pdf_is_tagged_and_says_the_same(client, world):
    answer = client.get("/attestations-fiscales/2026.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(answer.data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Attestation fiscale 2026" in text and "Zoé Œillet-d'Aubigné" in text
    assert "30,00" in text and "18,00" in text and "200 quater B" in text
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert str(root["/Lang"]).startswith("fr")


def test_another_family_sees_only_its_own(client, world, make_family, login_as):
    _other, stranger, _ = make_family("Bernard", children=("Chloé",))
    client._cookies.clear()
    login_as(stranger)
    assert "Aucun paiement enregistré" in text_of(client.get("/attestations-fiscales"))
    page = text_of(client.get("/attestations-fiscales/2026"))
    assert "Zoé" not in page and "30,00" not in page
