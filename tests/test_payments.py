"""Online payment with the local fake PayFiP: the parent's journey (pay, refuse, abandon), and every kind of
notification (replayed, forged, wrong amount, wrong reference, late, unknown) against the rule that a payment is
credited once and only when the bank itself says so. Table-driven: each row sets the bank's side, sends the
notification(s) and checks what was recorded and logged."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from support import PG_URL, csrf_from, outbox, text_of

from blueprints.billing import service as billing
from blueprints.payments import fakebank
from models import Invoice, Payment, PaymentAttempt, PaymentNotice, db

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def world(app, make_family, client, login_as):
    app.config["CLOCK"] = lambda: NOW
    family, user, _kids = make_family(children=("Zoé",))
    invoice = Invoice(number=billing.next_number("invoice", 2026), family_id=family.id, month=dt.date(2026, 11, 1),
                      issued_at=NOW, due_date=dt.date(2026, 12, 31), total_cents=4560, family_name="Martin")
    db.session.add(invoice)
    db.session.commit()
    login_as(user)

    class World:
        pass

    w = World()
    w.app, w.client, w.family, w.user, w.invoice = app, client, family, user, invoice
    w.invoice_id = invoice.id
    return w


def go_to_bank(w) -> tuple[str, dict]:
    """The parent presses "Payer": returns the idop and the fake bank's record of the operation."""
    page = w.client.get(f"/factures/{w.invoice_id}/paiement")
    assert page.status_code == 200
    sent = w.client.post(f"/factures/{w.invoice_id}/paiement", data={"csrf_token": csrf_from(page.text)})
    assert sent.status_code == 303, sent.text
    idop = parse_qs(urlsplit(sent.headers["Location"]).query)["idop"][0]
    return idop, fakebank.operations(w.app)[idop]


def bank_says(w, idop, choice):
    """The parent's choice on the bank's page; returns the response (a redirect back to the portal)."""
    page = w.client.get(f"/banque-fictive/paiement?idop={idop}")
    return w.client.post("/banque-fictive/paiement", data={"csrf_token": csrf_from(page.text), "idop": idop,
                                                          "choix": choice})


def notify(w, idop, **extra):
    return w.client.post("/paiement/notification", data={"idOp": idop, **extra})


def payments():
    db.session.expire_all()
    return db.session.query(Payment).filter_by(method="online").all()


def outcomes():
    db.session.expire_all()
    return [n.outcome for n in db.session.query(PaymentNotice).order_by(PaymentNotice.id)]


def test_parent_pays_sees_paiement_accepte_and_gets_one_receipt(world):
    page = world.client.get(f"/factures/{world.invoice_id}/paiement")
    assert "45,60" in text_of(page) and "Payer 45,60" in text_of(page)
    idop, operation = go_to_bank(world)
    assert operation["montant"] == "4560" and operation["mel"] == world.user.email
    assert operation["urlnotif"].endswith("/paiement/notification")
    back = bank_says(world, idop, "payer")
    assert back.status_code == 303
    result = world.client.get(back.headers["Location"], follow_redirects=True)
    assert "Paiement accepté" in text_of(result)
    assert "Reste à payer sur la facture 0,00" in text_of(result)
    assert [p.amount_cents for p in payments()] == [4560]
    assert db.session.get(Invoice, world.invoice_id).status == "paid"
    # the bank's notifications arrive afterwards, twice: nothing more is credited, both are logged
    for url, pending in fakebank.outbox(world.app):
        assert notify(world, pending).status_code == 200
    assert len(payments()) == 1
    assert outcomes() == ["credited", "duplicate"]
    mails = [m for m in outbox(world.app) if m["Subject"] == "Paiement accepté"]
    assert len(mails) == 1 and mails[0]["To"] == world.user.email
    body = mails[0].get_content()
    assert "/paiement/" in body and "45,60" not in body and "Martin" not in body  # a link, no personal data


@pytest.mark.parametrize(("choice", "title", "status"), [("refuser", "Paiement refusé", "refused"),
                                                         ("abandonner", "Paiement abandonné", "abandoned")])
def test_refused_or_abandoned_leaves_the_invoice_to_pay(world, choice, title, status):
    idop, _operation = go_to_bank(world)
    result = world.client.get(bank_says(world, idop, choice).headers["Location"], follow_redirects=True)
    assert title in text_of(result) and "Reste à payer sur la facture 45,60" in text_of(result)
    assert payments() == []
    assert db.session.query(PaymentAttempt).one().status == status
    assert db.session.get(Invoice, world.invoice_id).status == "unpaid"
    # and the parent can try again: a new attempt, a new reference
    idop2, _ = go_to_bank(world)
    assert idop2 != idop


def test_a_second_click_resumes_the_open_attempt(world):
    first, _ = go_to_bank(world)
    second, _ = go_to_bank(world)
    assert first == second
    assert db.session.query(PaymentAttempt).count() == 1


def _tamper(field, value):
    def change(operation):
        operation[field] = value
    return change


# Each row: what the bank's side looks like, what is POSTed as notifications, the outcomes logged, the payments.
SCENARIOS = {
    "paid": dict(result="P", sends=["own"], outcomes=["credited"], paid=[4560]),
    "replayed": dict(result="P", sends=["own", "own", "own"], outcomes=["credited", "duplicate", "duplicate"],
                     paid=[4560]),
    "unknown idop": dict(result="P", sends=["bogus"], outcomes=["unknown"], paid=[]),
    "empty": dict(result="P", sends=[""], outcomes=["unknown"], paid=[]),
    "forged content, bank says in progress": dict(
        result=None, sends=["own+claims"], outcomes=["pending"], paid=[]),
    "wrong amount at the bank": dict(result="P", tamper=_tamper("montant", "456"), sends=["own"],
                                     outcomes=["wrong_amount"], paid=[]),
    "wrong reference at the bank": dict(result="P", tamper=_tamper("refdet", "F2026000999XAAAAAA"), sends=["own"],
                                        outcomes=["wrong_reference"], paid=[]),
    "another client number": dict(result="P", tamper=_tamper("numcli", "999999"), sends=["own"],
                                  outcomes=["wrong_client"], paid=[]),
    "operation vanished at the bank": dict(result="P", vanish=True, sends=["own"], outcomes=["unverified"], paid=[]),
    "refused": dict(result="R", sends=["own", "own"], outcomes=["refused", "ignored"], paid=[]),
    "abandoned": dict(result="A", sends=["own"], outcomes=["abandoned"], paid=[]),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_notifications(world, name):
    row = SCENARIOS[name]
    idop, operation = go_to_bank(world)
    if row["result"]:
        operation.update(resultrans=row["result"], dattrans="03122026", heurtrans="1100")
    if row.get("tamper"):
        row["tamper"](operation)
    if row.get("vanish"):
        del fakebank.operations(world.app)[idop]
    for send in row["sends"]:
        if send == "own":
            answer = notify(world, idop)
        elif send == "own+claims":  # the notification's own fields are never believed
            answer = notify(world, idop, resultrans="P", montant="4560", refdet=operation["refdet"])
        elif send == "bogus":
            answer = notify(world, "0" * 32)
        else:
            answer = notify(world, send)
        assert answer.status_code == 200 and answer.text == "OK"
    assert outcomes() == row["outcomes"]
    assert [p.amount_cents for p in payments()] == row["paid"]
    assert db.session.get(Invoice, world.invoice_id).status == ("paid" if row["paid"] else "unpaid")


def test_late_notification_after_the_attempt_expired_is_credited_once(world):
    idop, operation = go_to_bank(world)
    world.app.config["CLOCK"] = lambda: NOW + dt.timedelta(hours=1)
    go_to_bank(world)  # the parent starts again an hour later: the first attempt is closed as expired
    first = db.session.query(PaymentAttempt).filter_by(idop=idop).one()
    assert first.status == "expired"
    operation.update(resultrans="P", dattrans="03122026", heurtrans="1101")  # ...but it had been paid after all
    notify(world, idop)
    notify(world, idop)
    assert outcomes() == ["credited_late", "duplicate"]
    assert [p.amount_cents for p in payments()] == [4560]


def test_late_notification_after_the_invoice_was_paid_at_the_counter_is_not_counted_twice(world):
    idop, operation = go_to_bank(world)
    billing.record_payment(db.session.get(Invoice, world.invoice_id), 4560, "cheque", "1234567", NOW)
    db.session.commit()
    operation.update(resultrans="P", dattrans="03122026", heurtrans="1101")
    notify(world, idop)
    notify(world, idop)
    db.session.expire_all()
    assert outcomes() == ["paid_not_allocated", "duplicate"]
    assert payments() == []  # the money is flagged in the log for an agent, never allocated twice
    assert db.session.query(PaymentNotice).first().detail == "record_payment refused: settled"


def test_another_familys_invoice_and_attempt_are_404(world, make_family, client, login_as):
    idop, operation = go_to_bank(world)
    _other, stranger, _ = make_family(name="Bernard", children=("Léo",))
    client.post("/deconnexion", data={"csrf_token": csrf_from(client.get("/").text)})
    login_as(stranger)
    assert client.get(f"/factures/{world.invoice_id}/paiement").status_code == 404
    assert client.get(f"/paiement/{operation['refdet']}").status_code == 404
    assert client.get("/paiement/../../etc").status_code == 404


def test_paying_needs_a_csrf_token_and_nothing_due_is_refused(world):
    assert world.client.post(f"/factures/{world.invoice_id}/paiement").status_code == 400
    billing.record_payment(db.session.get(Invoice, world.invoice_id), 4560, "cash", "R1", NOW)
    db.session.commit()
    page = world.client.get(f"/factures/{world.invoice_id}/paiement")
    assert "Payer 45,60" not in text_of(page)
    sent = world.client.post(f"/factures/{world.invoice_id}/paiement", data={"csrf_token": csrf_from(page.text)})
    assert sent.status_code == 422 and "n'a plus rien à payer" in text_of(sent)
    assert db.session.query(PaymentAttempt).count() == 0


def test_fake_bank_refuses_unknown_operations_and_choices(world):
    assert world.client.get("/banque-fictive/paiement?idop=nope").status_code == 404
    idop, _ = go_to_bank(world)
    page = world.client.get(f"/banque-fictive/paiement?idop={idop}")
    assert world.client.post("/banque-fictive/paiement", data={"csrf_token": csrf_from(page.text), "idop": idop,
                                                              "choix": "voler"}).status_code == 400


def test_mes_factures_offers_online_payment_then_shows_the_invoice_paid(world):
    page = world.client.get(f"/factures/{world.invoice_id}")
    assert f'href="/factures/{world.invoice_id}/paiement"' in page.text
    listing = world.client.get("/factures")
    assert "Payer en ligne la facture" in text_of(listing)
    idop, _operation = go_to_bank(world)
    result = world.client.get(bank_says(world, idop, "payer").headers["Location"], follow_redirects=True)
    assert "Compte famille vous ne devez rien" in text_of(result)
    listing = world.client.get("/factures")
    assert "Payer en ligne" not in text_of(listing) and "Vous ne devez rien" in text_of(listing)


@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
def test_simultaneous_notifications_credit_once(world):
    """Six copies of the same notification at the same instant on PostgreSQL (threads, each its own transaction):
    one payment, one "credited", the others "duplicate"."""
    import threading

    from blueprints.payments import service

    idop, operation = go_to_bank(world)
    operation.update(resultrans="P", dattrans="03122026", heurtrans="1100")
    barrier, errors = threading.Barrier(6), []

    def deliver():
        with world.app.test_request_context("/paiement/notification", method="POST"):
            try:
                barrier.wait()
                service.handle(idop, "notification", NOW)
                db.session.commit()
            except Exception as error:  # noqa: BLE001  (reported below)
                errors.append(error)
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(outcomes()) == ["credited"] + ["duplicate"] * 5
    assert [p.amount_cents for p in payments()] == [4560]


@pytest.mark.parametrize("idop", ["x" * 10_000, "Œ'; DROP TABLE payment;--", "../../etc/passwd", " "])
def test_hostile_notifications_are_logged_and_ignored(world, idop):
    answer = notify(world, idop)
    assert answer.status_code == 200 and answer.text == "OK"
    assert payments() == [] and outcomes() == ["unknown"]
    assert len(db.session.query(PaymentNotice).one().idop) <= 64


@pytest.mark.parametrize("refdet", ["x" * 10_000, "ab-cd", "%00", "A" * 31])
def test_hostile_return_references_are_404(world, refdet):
    assert world.client.get(f"/paiement/{refdet}/retour").status_code in (400, 404)
    assert world.client.get(f"/paiement/{refdet}").status_code in (400, 404)
    assert db.session.query(PaymentNotice).count() == 0


def test_reloading_the_result_page_asks_the_bank_again(world):
    idop, operation = go_to_bank(world)
    back = world.client.get(f"/paiement/{operation['refdet']}/retour", follow_redirects=True)
    assert "Paiement en cours de vérification" in text_of(back)  # the parent came back before the bank decided
    operation.update(resultrans="P", dattrans="03122026", heurtrans="1100")
    again = world.client.get(f"/paiement/{operation['refdet']}")  # "Rechargez cette page"
    assert "Paiement accepté" in text_of(again)
    assert [p.amount_cents for p in payments()] == [4560]
    assert outcomes() == ["pending", "credited"]
    world.client.get(f"/paiement/{operation['refdet']}")
    assert outcomes() == ["pending", "credited"]  # once paid, the page no longer asks
