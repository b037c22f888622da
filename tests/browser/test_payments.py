"""Online payment in a real browser (demo commune, fake PayFiP): on a phone (375 px, JavaScript on) Sophie Martin
opens an invoice from "Mes factures", pays it at the demo's "Banque fictive", sees "Paiement accepté" and her family
account go down by the amount; with JavaScript off she is refused by the bank and the invoice stays to pay. The
agents' payment log and direct-debit page. Every page and state: no axe-core violation, reflow at 320 px.

The invoice paid is one the test adds (or an unpaid one of the demo); what the test adds is removed afterwards."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import AGENT, PARENT, check_page, login

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def invoice(live_server):
    """A Martin invoice of 45,60 € to pay (added for the test, removed afterwards with what paid it)."""
    from sqlalchemy import delete, select

    from blueprints.billing import service as billing
    from models import Family, Invoice, Payment, PaymentAttempt, PaymentNotice

    live_server.app.config["PAYMENT_FAKE_DELAYS"] = "0,1"

    def add(db):
        family = db.session.execute(select(Family).where(Family.name == "Martin")).scalar_one()
        row = Invoice(number=billing.next_number("invoice", 2026), family_id=family.id, month=dt.date(2026, 8, 1),
                      issued_at=dt.datetime(2026, 11, 2, 9, tzinfo=dt.timezone.utc), due_date=dt.date(2026, 12, 15),
                      total_cents=4560, family_name="Martin", address="")
        db.session.add(row)
        db.session.commit()
        return row.id, row.number

    invoice_id, number = live_server.query(add)
    yield invoice_id, number

    def remove(db):
        attempts = select(PaymentAttempt.id).where(PaymentAttempt.invoice_id == invoice_id)
        db.session.execute(delete(PaymentNotice).where(PaymentNotice.attempt_id.in_(attempts)))
        db.session.execute(delete(PaymentAttempt).where(PaymentAttempt.invoice_id == invoice_id))
        db.session.execute(delete(Payment).where(Payment.invoice_id == invoice_id))
        db.session.execute(delete(Invoice).where(Invoice.id == invoice_id))
        db.session.commit()

    live_server.query(remove)


def balance_cents(page) -> int:
    """The "Reste à payer" of "Mes factures", in cents (0 when nothing is due)."""
    text = page.locator(".balance-amount").inner_text()
    match = re.search(r"([\d\s\u202f\xa0]+),(\d\d)", text)
    return int(re.sub(r"\D", "", match.group(1))) * 100 + int(match.group(2)) if match else 0


def test_parent_pays_an_invoice_online_on_a_phone(new_page, invoice):
    invoice_id, number = invoice
    page = new_page(viewport=PHONE)
    login(page, *PARENT)
    page.goto("/factures")
    before = balance_cents(page)
    page.goto(f"/factures/{invoice_id}")
    page.get_by_role("link", name=f"Payer en ligne la facture {number}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Payer la facture {number} en ligne")
    check_page(page)
    page.get_by_role("button", name="Payer 45,60 € avec PayFiP").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Banque fictive : paiement")
    check_page(page)
    page.get_by_role("button", name="Payer (carte acceptée)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Paiement accepté")
    expect(page.get_by_text("Reste à payer sur la facture")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Mes factures").last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes factures")
    assert balance_cents(page) == before - 4560
    expect(page.get_by_role("link", name=f"Payer en ligne la facture {number}")).to_have_count(0)
    page.get_by_role("link", name="Attestations fiscales (frais de garde)").click()
    check_page(page)
    page.get_by_role("link", name="Attestation fiscale 2026").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attestation fiscale 2026")
    check_page(page)


def test_refused_by_the_bank_without_javascript(new_page, invoice):
    invoice_id, number = invoice
    page = new_page(java_script_enabled=False, viewport=PHONE)
    login(page, *PARENT)
    page.goto(f"/factures/{invoice_id}/paiement")
    page.get_by_role("button", name="Payer 45,60 € avec PayFiP").click()
    page.get_by_role("button", name="Refuser (carte refusée)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Paiement refusé")
    expect(page.get_by_text("rien n'a été débité")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Payer la facture en ligne").click()
    expect(page.get_by_role("button", name="Payer 45,60 € avec PayFiP")).to_be_visible()


def test_agents_payment_log_and_direct_debits(new_page, invoice):
    invoice_id, _number = invoice
    parent = new_page(java_script_enabled=False)
    login(parent, *PARENT)
    parent.goto(f"/factures/{invoice_id}/paiement")
    parent.get_by_role("button", name="Payer 45,60 € avec PayFiP").click()
    parent.get_by_role("button", name="Abandonner le paiement").click()
    expect(parent.get_by_role("heading", level=1)).to_have_text("Paiement abandonné")
    page = new_page(java_script_enabled=False)
    login(page, *AGENT)
    page.goto("/gestion/paiements")
    expect(page.get_by_role("table")).to_contain_text("Abandonné par la famille")
    check_page(page)
    page.goto("/gestion/prelevements")
    expect(page.get_by_role("heading", level=1)).to_have_text("Prélèvements")
    check_page(page)


@pytest.fixture
def _requests_restored(live_server):
    """The démarches this test sends are removed afterwards (the demo is shared)."""
    from sqlalchemy import delete, select

    from models import ProcedureCounter, ProcedureEvent, ProcedureRequest

    before = live_server.query(lambda db: set(db.session.execute(select(ProcedureRequest.id)).scalars()))
    counters = live_server.query(lambda db: {(c.year, c.last) for c in db.session.execute(select(ProcedureCounter))
                                             .scalars()})
    yield

    def restore(db):
        new = set(db.session.execute(select(ProcedureRequest.id)).scalars()) - before
        if new:
            db.session.execute(delete(ProcedureEvent).where(ProcedureEvent.request_id.in_(new)))
            db.session.execute(delete(ProcedureRequest).where(ProcedureRequest.id.in_(new)))
        for year, last in counters:
            db.session.execute(ProcedureCounter.__table__.update().where(ProcedureCounter.year == year)
                               .values(last=last))
        db.session.commit()

    live_server.query(restore)


def test_direct_debit_demarche_without_javascript(new_page, _requests_restored):
    page = new_page(java_script_enabled=False, viewport=PHONE)
    login(page, *PARENT)
    page.goto("/demarches")
    page.get_by_role("link", name="Prélèvement automatique").first.click()
    page.get_by_role("button", name="Commencer").click()
    expect(page.locator("h1")).to_have_text("Compte à prélever")
    check_page(page)
    page.get_by_label(re.compile(r"^Titulaire du compte")).fill("Sophie Martin")
    page.get_by_label(re.compile(r"^IBAN")).fill("FR76 3000 6000 0112 3456 7890 188")
    page.get_by_role("button", name="Continuer").click()
    expect(page).to_have_title(re.compile(r"^Erreur : Compte à prélever"))
    expect(page.locator("#iban-error")).to_contain_text("clé de contrôle")
    check_page(page)
    page.get_by_label(re.compile(r"^IBAN")).fill("FR76 3000 6000 0112 3456 7890 189")
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("h1")).to_have_text("Autorisation de prélèvement")
    check_page(page)
    page.get_by_label(re.compile(r"^J'accepte les conditions")).check()
    page.get_by_role("button", name="Continuer").click()
    expect(page.locator("h1")).to_have_text("Le récapitulatif")
    expect(page.locator("main")).to_contain_text("FR76 3000 6000 0112 3456 7890 189")
    check_page(page)


def test_agents_paper_invoices(new_page):
    page = new_page(java_script_enabled=False)
    login(page, *AGENT)
    page.goto("/gestion/factures-papier")
    expect(page.get_by_role("heading", level=1)).to_have_text("Factures papier")
    check_page(page)
