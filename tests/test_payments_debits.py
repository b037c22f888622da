"""Direct debit end to end: the "prélèvement automatique" démarche (IBAN checked next to the field, the conditions
accepted, an agent's validation makes the mandate and its RUM), the SEPA file of a due date (FRST then RCUR, each
invoice once), and a reject by the bank (the invoice unpaid again, the family told)."""

from __future__ import annotations

import datetime as dt

import pytest
from procedures_world import NOW, logout, offer, post_step, request_id_from, start, submit
from support import csrf_from, outbox, text_of

from blueprints.billing import service as billing
from models import DirectDebit, Invoice, Mandate, Payment, db


@pytest.fixture
def world(app, make_family, make_agent):
    app.config["CLOCK"] = lambda: NOW
    family, parent, _kids = make_family("Lefèvre", children=("Zoé",))
    return {"type": offer("prelevement"), "family": family, "parent": parent, "agent": make_agent()}


def make_invoice(family_id, total, due, month=dt.date(2026, 11, 1)):
    invoice = Invoice(number=billing.next_number("invoice", 2026), family_id=family_id, month=month, issued_at=NOW,
                      due_date=due, total_cents=total, family_name="Lefèvre")
    db.session.add(invoice)
    db.session.commit()
    return invoice.id


def agent_post(client, path, **data):
    page = client.get("/gestion/prelevements")
    return client.post(path, data={"csrf_token": csrf_from(page.text), **data})


def mandate_request(client, login_as, world, iban="FR14 2004 1010 0505 0001 3M02 606", bic=""):
    login_as(world["parent"])
    rid = request_id_from(start(client, world["type"]).location)
    answer = post_step(client, rid, "compte", {"holder": "Camille Lefèvre", "iban": iban, "bic": bic})
    assert answer.status_code == 302, text_of(answer)
    assert post_step(client, rid, "accord", {"accepted": "y"}).status_code == 302
    assert submit(client, rid).status_code == 302
    logout(client)
    return rid


def accept(client, login_as, world, rid):
    login_as(world["agent"])
    page = client.get(f"/gestion/demandes/{rid}")
    assert "FR14 2004 1010 0505 0001 3M02 606" in text_of(page)
    answer = client.post(f"/gestion/demandes/{rid}/accepter", data={"csrf_token": csrf_from(page.text)})
    assert answer.status_code == 302


@pytest.mark.parametrize(("iban", "bic", "message"), [
    ("FR76 3000 6000 0112 3456 7890 188", "", "sa clé de contrôle ne correspond pas"),
    ("FR76 3000 6000 0112 3456 7890", "", "27 pour un compte en France"),
    ("", "", "Saisissez l'IBAN écrit sur votre RIB"),
    ("FR14 2004 1010 0505 0001 3M02 606", "DEUTDEFF", "n'est pas celui d'une banque du pays"),
    ("X" * 10_000, "", "Un IBAN a au plus 34 caractères"),
])
def test_a_wrong_iban_is_said_next_to_the_field(client, login_as, world, iban, bic, message):
    login_as(world["parent"])
    rid = request_id_from(start(client, world["type"]).location)
    answer = post_step(client, rid, "compte", {"holder": "Camille Lefèvre", "iban": iban, "bic": bic})
    assert answer.status_code == 200
    assert message in text_of(answer)
    assert 'aria-invalid="true"' in answer.text


def test_the_conditions_must_be_accepted(client, login_as, world):
    login_as(world["parent"])
    rid = request_id_from(start(client, world["type"]).location)
    post_step(client, rid, "compte", {"holder": "Camille Lefèvre", "iban": "FR14 2004 1010 0505 0001 3M02 606"})
    answer = post_step(client, rid, "accord", {})
    assert answer.status_code == 200 and "J'accepte les conditions du prélèvement" in text_of(answer)


def test_agent_acceptance_makes_the_mandate_and_a_new_one_revokes_the_old(client, login_as, world):
    rid = mandate_request(client, login_as, world)
    assert db.session.query(Mandate).count() == 0  # waiting for an agent
    accept(client, login_as, world, rid)
    mandate = db.session.query(Mandate).one()
    assert (mandate.iban, mandate.bic, mandate.holder, mandate.status) == (
        "FR1420041010050500013M02606", "PSSTFRPP", "Camille Lefèvre", "active")
    assert len(mandate.rum) <= 35 and "20041" not in mandate.rum and mandate.signed_on == dt.date(2026, 11, 23)
    logout(client)
    rid2 = mandate_request(client, login_as, world, iban="fr7630006000011234567890189")
    login_as(world["agent"])
    accept_page = client.get(f"/gestion/demandes/{rid2}")
    client.post(f"/gestion/demandes/{rid2}/accepter", data={"csrf_token": csrf_from(accept_page.text)})
    db.session.expire_all()
    rows = db.session.query(Mandate).order_by(Mandate.id).all()
    assert [m.status for m in rows] == ["revoked", "active"] and rows[0].rum != rows[1].rum


def test_export_frst_then_rcur_each_invoice_once_then_a_reject(client, login_as, world, app):
    accept(client, login_as, world, mandate_request(client, login_as, world))
    family_id = world["family"].id
    first = make_invoice(family_id, 4560, dt.date(2026, 12, 15))
    second = make_invoice(family_id, 1205, dt.date(2027, 1, 15), month=dt.date(2026, 12, 1))
    page = client.get("/gestion/prelevements")
    assert "Échéance du mardi 15 décembre 2026" in text_of(page) and "Premier prélèvement (FRST)" in text_of(page)
    answer = agent_post(client, "/gestion/prelevements/2026-12-15/export")
    assert answer.status_code == 302
    batch_page = client.get(answer.location)
    assert "1 prélèvement, 45,60" in text_of(batch_page)
    xml = client.get(answer.location + "/fichier")
    assert xml.mimetype == "application/xml" and b"<SeqTp>FRST</SeqTp>" in xml.data and b"45.60" in xml.data
    assert db.session.get(Invoice, first).status == "paid"
    again = agent_post(client, "/gestion/prelevements/2026-12-15/export")  # nothing twice
    assert "Rien à prélever" in text_of(client.get(again.location))
    answer = agent_post(client, "/gestion/prelevements/2027-01-15/export")
    assert b"<SeqTp>RCUR</SeqTp>" in client.get(answer.location + "/fichier").data
    assert db.session.query(DirectDebit).count() == 2
    assert db.session.get(Invoice, second).status == "paid"

    debit = db.session.query(DirectDebit).filter_by(invoice_id=first).one()
    empty = agent_post(client, f"/gestion/prelevements/rejets/{debit.id}", motif="  ")
    assert "Indiquez le motif du rejet" in text_of(client.get(empty.location))
    agent_post(client, f"/gestion/prelevements/rejets/{debit.id}", motif="Provision insuffisante (AM04)")
    db.session.expire_all()
    assert db.session.get(Invoice, first).status == "unpaid"
    assert db.session.get(DirectDebit, debit.id).status == "rejected"
    assert db.session.get(Payment, debit.payment_id).status == "rejected"
    assert billing.family_balance(family_id).due_cents == 4560
    told = [m for m in outbox(app) if m["Subject"] == "Prélèvement rejeté : facture à payer"]
    assert len(told) == 1 and "Provision" not in told[0].get_content() and "/paiement" in told[0].get_content()
    twice = agent_post(client, f"/gestion/prelevements/rejets/{debit.id}", motif="encore")
    assert "déjà enregistré comme rejeté" in text_of(client.get(twice.location))
    assert len([m for m in outbox(app) if m["Subject"].startswith("Prélèvement rejeté")]) == 1
    # a rejected invoice is paid otherwise: it is not collected again automatically
    assert agent_post(client, "/gestion/prelevements/2026-12-15/export").status_code == 302
    assert db.session.query(DirectDebit).count() == 2


def test_direct_debit_pages_are_for_agents_only(client, login_as, world):
    login_as(world["parent"])
    assert client.get("/gestion/prelevements").status_code == 403
    assert client.get("/gestion/paiements").status_code == 403


def test_mes_factures_says_when_the_invoice_will_be_collected(client, login_as, world):
    accept(client, login_as, world, mandate_request(client, login_as, world))
    client._cookies.clear()
    invoice_id = make_invoice(world["family"].id, 4560, dt.date(2026, 12, 15))
    login_as(world["parent"])
    page = text_of(client.get(f"/factures/{invoice_id}"))
    assert "Prélèvement automatique prévu le mardi 15 décembre 2026" in page
    assert "Prélèvement automatique prévu" in text_of(client.get("/factures"))


def test_a_late_invoice_the_mandate_will_still_collect_says_so(client, login_as, world):
    """Past its due date, not yet in a direct-debit file (the service has not exported that due date yet): the
    family reads that the debit is coming, not only "En retard"; online payment stays possible, second."""
    accept(client, login_as, world, mandate_request(client, login_as, world))
    client._cookies.clear()
    db.session.query(Mandate).one().signed_on = dt.date(2026, 10, 1)
    db.session.commit()
    pending = make_invoice(world["family"].id, 4560, dt.date(2026, 11, 20))
    too_old = make_invoice(world["family"].id, 1200, dt.date(2026, 10, 20), month=dt.date(2026, 9, 1))  # 34 days late
    login_as(world["parent"])
    page = text_of(client.get(f"/factures/{pending}"))
    assert "Prélèvement automatique à venir" in page and "Vous n'avez rien à faire" in page
    assert "Prélèvement automatique à venir" not in text_of(client.get(f"/factures/{too_old}"))


def test_mes_factures_shows_the_mandate_with_a_masked_account(client, login_as, world):
    login_as(world["parent"])
    before = text_of(client.get("/factures"))
    assert "Demander le prélèvement automatique" in before and "Vous recevez vos factures sur papier" in before
    client._cookies.clear()
    accept(client, login_as, world, mandate_request(client, login_as, world))
    client._cookies.clear()
    login_as(world["parent"])
    page = text_of(client.get("/factures"))
    mandate = db.session.query(Mandate).one()
    assert mandate.rum in page and "FR14 **** **** **** **** ***2 606" in page and "FR72ZZZ123456" in page
    assert "2004 1010" not in page and "Changer de compte bancaire" in page


def test_agent_sees_and_revokes_the_mandate_on_the_family_page(client, login_as, world):
    accept(client, login_as, world, mandate_request(client, login_as, world))
    family_id = world["family"].id
    page = client.get(f"/gestion/familles/{family_id}")
    assert "FR14 2004 1010 0505 0001 3M02 606" in text_of(page) and "premier prélèvement (FRST)" in text_of(page)
    make_invoice(family_id, 4560, dt.date(2026, 12, 15))
    client.post(f"/gestion/familles/{family_id}/mandat/revoquer", data={"csrf_token": csrf_from(page.text)})
    db.session.expire_all()
    assert db.session.query(Mandate).one().status == "revoked"
    assert "Pas de prélèvement automatique" in text_of(client.get(f"/gestion/familles/{family_id}"))
    assert "Rien à prélever" in text_of(client.get("/gestion/prelevements?echeance=2026-12-15")) or \
        "Aucune facture à prélever" in text_of(client.get("/gestion/prelevements"))
