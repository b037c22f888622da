"""Relances of late invoices (blueprints/billing/dunning_*.py): which relance is due (table-driven), recorded once per
invoice and level (a double click or a replayed form sends nothing twice), the e-mail to the family's logins that take
invoice e-mails (a letter otherwise), the letter after N days as a tagged PDF, the unpaid list showing it all, and
the route's guards: roles, CSRF, forged ids of paid or unknown invoices refused with their reason."""

import datetime as dt
import io
import re

import pytest
from billing_world import NOV, NOW, build
from pypdf import PdfReader
from support import PASSWORD, csrf_from, outbox, text_of

import mail
from blueprints.billing import dunning_service, run, service
from blueprints.billing.dunning_rules import Sent, Step, next_step
from models import Invoice, InvoiceReminder, NotificationPreference, db

UTC = dt.timezone.utc
DUE = dt.date(2026, 12, 31)
D = dt.date


# --------------------------------------------------------------------------- rules

@pytest.mark.parametrize("status, left, today, sent, has_email, expected", [
    # paid, credited, nothing left: never
    ("paid", 0, D(2027, 3, 1), [], True, Step(reason="settled")),
    ("credited", 0, D(2027, 3, 1), [], True, Step(reason="settled")),
    ("unpaid", 0, D(2027, 3, 1), [], True, Step(reason="settled")),
    ("paid", 500, D(2027, 3, 1), [], True, Step(reason="settled")),
    # not late yet: the due date itself is still in time
    ("unpaid", 500, D(2026, 12, 1), [], True, Step(reason="not_late", from_day=D(2027, 1, 1))),
    ("unpaid", 500, DUE, [], True, Step(reason="not_late", from_day=D(2027, 1, 1))),
    # late: an e-mail first, a letter when no login takes invoice e-mails
    ("unpaid", 500, D(2027, 1, 1), [], True, Step(level=1, channel="email")),
    ("unpaid", 1, D(2027, 1, 1), [], False, Step(level=1, channel="letter")),
    # the letter 15 days after the first relance, not before
    ("unpaid", 500, D(2027, 1, 15), [Sent(1, "email", D(2027, 1, 2))], True,
     Step(reason="wait", from_day=D(2027, 1, 17))),
    ("unpaid", 500, D(2027, 1, 17), [Sent(1, "email", D(2027, 1, 2))], True, Step(level=2, channel="letter")),
    ("unpaid", 500, D(2027, 1, 17), [Sent(1, "letter", D(2027, 1, 2))], False, Step(level=2, channel="letter")),
    # both sent: done; a payment since the letter: settled
    ("unpaid", 500, D(2027, 6, 1), [Sent(1, "email", D(2027, 1, 2)), Sent(2, "letter", D(2027, 1, 20))], True,
     Step(reason="done")),
    ("paid", 0, D(2027, 6, 1), [Sent(1, "email", D(2027, 1, 2))], True, Step(reason="settled")),
])
def test_next_step(status, left, today, sent, has_email, expected):
    assert next_step(status, left, DUE, today, sent, has_email) == expected


def test_an_invoice_the_direct_debit_will_collect_gets_no_relance():
    assert next_step("unpaid", 500, DUE, D(2027, 2, 1), [], True, by_debit=True) == Step(reason="debit")
    assert next_step("paid", 0, DUE, D(2027, 2, 1), [], True, by_debit=True) == Step(reason="settled")


def test_letter_delay_is_a_parameter():
    first = [Sent(1, "email", D(2027, 1, 2))]
    assert next_step("unpaid", 500, DUE, D(2027, 1, 9), first, True, letter_after_days=7).due
    assert not next_step("unpaid", 500, DUE, D(2027, 1, 8), first, True, letter_after_days=7).due


# --------------------------------------------------------------------------- the world

@pytest.fixture
def world(app, make_family, make_activity):
    world = build(app, make_family, make_activity)
    run.run_month(NOV, DUE, lambda: NOW)
    world.martin_invoice = db.session.query(Invoice).filter_by(family_id=world.martin.id).one()
    world.bernard_invoice = db.session.query(Invoice).filter_by(family_id=world.bernard.id).one()
    return world


def at(app, day: dt.date) -> None:
    app.config["CLOCK"] = lambda: dt.datetime.combine(day, dt.time(9), tzinfo=UTC)


def relance_mails(app):
    return [m for m in outbox(app) if "paiement en retard" in m["Subject"]]


def send(app, ids, batch="a" * 32):
    """What the route does, without the page."""
    today = app.config["CLOCK"]().date()
    plan = dunning_service.plan(ids, today, batch, app.config["CLOCK"]())
    rows = dunning_service.record(plan.due, app.config["CLOCK"](), None, batch)
    db.session.commit()
    failed = dunning_service.send_emails(rows)
    db.session.commit()
    return plan, rows, failed


# --------------------------------------------------------------------------- service

def test_first_relance_is_an_email_recorded_once(world, app):
    at(app, D(2027, 1, 4))
    plan, rows, failed = send(app, [world.martin_invoice.id])
    assert not plan.refused and not failed
    assert [(r.level, r.channel, r.emails, r.left_cents) for r in rows] == [(1, "email", 1, 1998)]
    mails = relance_mails(app)
    assert len(mails) == 1 and mails[0]["To"] == world.martin_user.email
    body = mails[0].get_content()
    assert "F-2026-000001" in body and "19,98" in body and "jeudi 31 décembre 2026" in body
    assert re.search(rf"https?://[^/\s]+/factures/{world.martin_invoice.id}\s", body)
    # again (another sending, the same day): refused, nothing sent
    plan, rows, _failed = send(app, [world.martin_invoice.id], batch="b" * 32)
    assert rows == [] and plan.refused[0][2].reason == "wait"
    # the same sending replayed: "repeated", not refused
    plan, rows, _failed = send(app, [world.martin_invoice.id])
    assert rows == [] and plan.repeated == [world.martin_invoice] and not plan.refused
    assert len(relance_mails(app)) == 1
    assert db.session.query(InvoiceReminder).count() == 1


def test_a_level_recorded_meanwhile_is_not_recorded_twice(world, app):
    at(app, D(2027, 1, 4))
    plan = dunning_service.plan([world.martin_invoice.id], D(2027, 1, 4), "c" * 32, NOW)
    first = dunning_service.record(plan.due, NOW, None, "c" * 32)
    second = dunning_service.record(plan.due, NOW, None, "d" * 32)  # the other request, same plan
    db.session.commit()
    assert len(first) == 1 and second == []
    assert db.session.query(InvoiceReminder).count() == 1


def test_letter_after_fifteen_days_then_done(world, app):
    at(app, D(2027, 1, 4))
    send(app, [world.martin_invoice.id])
    at(app, D(2027, 1, 18))
    plan, rows, _failed = send(app, [world.martin_invoice.id], batch="e" * 32)
    assert rows == [] and plan.refused[0][2] == Step(reason="wait", from_day=D(2027, 1, 19))
    at(app, D(2027, 1, 19))
    plan, rows, _failed = send(app, [world.martin_invoice.id], batch="f" * 32)
    assert [(r.level, r.channel) for r in rows] == [(2, "letter")]
    assert len(relance_mails(app)) == 1  # a letter is printed, not mailed
    at(app, D(2027, 3, 1))
    plan, rows, _failed = send(app, [world.martin_invoice.id], batch="0" * 32)
    assert rows == [] and plan.refused[0][2].reason == "done"


def test_letter_first_when_no_login_takes_invoice_emails(world, app):
    db.session.add(NotificationPreference(user_id=world.martin_user.id, kind="invoices", enabled=False))
    db.session.commit()
    at(app, D(2027, 1, 4))
    _plan, rows, _failed = send(app, [world.martin_invoice.id])
    assert [(r.level, r.channel) for r in rows] == [(1, "letter")]
    assert relance_mails(app) == []


def test_paid_or_credited_invoices_get_nothing(world, app):
    service.record_payment(world.martin_invoice, 1998, "cash", "C-1", NOW)
    service.issue_credit_note(world.bernard_invoice, world.bernard.id, 350, "Erreur", NOW)
    db.session.commit()
    at(app, D(2027, 1, 4))
    plan, rows, _failed = send(app, [world.martin_invoice.id, world.bernard_invoice.id, 999999])
    assert rows == []
    assert [(invoice_id, step.reason if step else None) for _inv, invoice_id, step in plan.refused] == [
        (world.martin_invoice.id, "settled"), (world.bernard_invoice.id, "settled"), (999999, None)]


def test_direct_debit_families_are_relanced_only_after_a_reject(world, app):
    """A family with an active mandate: its invoice is collected at its due date, no relance; once the bank rejected
    the collection (the invoice is not collected again), the relances apply."""
    from models import DirectDebit, DirectDebitBatch, Mandate

    mandate = Mandate(family_id=world.martin.id, rum="RUM-TEST-0001", holder="Martin",
                      iban="FR7630006000011234567890189",
                      bic="AGRIFRPP", signed_on=D(2026, 10, 1), status="active")
    db.session.add(mandate)
    db.session.commit()
    at(app, D(2027, 1, 4))
    plan, rows, _failed = send(app, [world.martin_invoice.id])
    assert rows == [] and [step.reason for _inv, _id, step in plan.refused] == ["debit"]
    batch = DirectDebitBatch(due_date=DUE, exporter="pain008", created_at=NOW)
    db.session.add(batch)
    db.session.flush()
    db.session.add(DirectDebit(batch_id=batch.id, invoice_id=world.martin_invoice.id, mandate_id=mandate.id,
                               end_to_end_id="PRLV-1", sequence="FRST", amount_cents=1998, status="rejected"))
    db.session.commit()
    plan, rows, _failed = send(app, [world.martin_invoice.id], batch="b" * 32)
    assert [(r.level, r.channel) for r in rows] == [(1, "email")]


def test_mail_failure_removes_the_record(world, app, monkeypatch):
    def down(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr(mail, "send", down)
    at(app, D(2027, 1, 4))
    _plan, rows, failed = send(app, [world.martin_invoice.id])
    assert failed == ["F-2026-000001"]
    assert db.session.query(InvoiceReminder).count() == 0  # sent again next time
    monkeypatch.undo()
    _plan, rows, failed = send(app, [world.martin_invoice.id], batch="9" * 32)
    assert len(rows) == 1 and not failed


def test_an_e_mail_relance_a_killed_process_never_sent_can_be_sent_again(world, app):
    """Recorded, committed, then the process died before the e-mail: the row says 0 e-mails. Ten minutes later it
    does not count as sent: the relance is offered again and recorded in place of the dead one."""
    at(app, D(2027, 1, 4))
    today, now = D(2027, 1, 4), app.config["CLOCK"]()
    plan = dunning_service.plan([world.martin_invoice.id], today, "e" * 32, now)
    dunning_service.record(plan.due, now, None, "e" * 32)
    db.session.commit()  # ... and no send_emails: killed
    assert not dunning_service.plan([world.martin_invoice.id], today, "f" * 32, now + dt.timedelta(minutes=5)).due
    later = now + dt.timedelta(minutes=11)
    app.config["CLOCK"] = lambda: later
    plan, rows, failed = send(app, [world.martin_invoice.id], batch="f" * 32)
    assert [(r.level, r.channel, r.emails) for r in rows] == [(1, "email", 1)] and not failed
    assert db.session.query(InvoiceReminder).count() == 1 and len(relance_mails(app)) == 1


def test_a_replayed_sending_never_sends_a_second_level(world, app):
    """With no delay before the letter, a double click must not record the letter right after the e-mail."""
    app.config["INVOICE_LETTER_AFTER_DAYS"] = 0
    at(app, D(2027, 1, 4))
    send(app, [world.martin_invoice.id], batch="a" * 32)
    plan, rows, _failed = send(app, [world.martin_invoice.id], batch="a" * 32)
    assert rows == [] and plan.repeated == [world.martin_invoice]
    assert [r.level for r in db.session.query(InvoiceReminder)] == [1]


# --------------------------------------------------------------------------- pages

def login(app, user):
    client = app.test_client()
    page = client.get("/connexion")
    response = client.post("/connexion", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    return client


@pytest.fixture
def regie(world, make_agent):
    user = make_agent("regie@example.org")
    user.agent_role = "regie"
    db.session.commit()
    return login(world.app, user)


def post(client, data, page="/gestion/facturation/impayes"):
    token = csrf_from(client.get(page).text)
    return client.post("/gestion/facturation/relances", data={"csrf_token": token, **data})


def test_unpaid_page_sends_per_row_then_shows_it(world, app, regie):
    at(app, D(2027, 1, 4))
    page = regie.get("/gestion/facturation/impayes")
    body = text_of(page)
    assert "Courriel de relance à envoyer" in body and "Aucune" in body
    assert f'name="facture" value="{world.martin_invoice.id}"' in page.text
    lot = re.search(r'name="lot" value="([0-9a-f]+)"', page.text)[1]
    response = regie.post("/gestion/facturation/relances", data={
        "csrf_token": csrf_from(page.text), "lot": lot, "une": str(world.martin_invoice.id)})
    assert response.status_code == 302 and f"lot={lot}" in response.location
    after = text_of(regie.get(response.location))
    assert "Relances envoyées : 1 courriel." in after
    assert "Relancée le lundi 4 janvier 2027 (courriel)" in after
    assert "Lettre de relance possible à partir du mardi 19 janvier 2027" in after
    # the same form sent again (double click, reload): nothing sent twice
    again = regie.post("/gestion/facturation/relances", data={
        "csrf_token": csrf_from(page.text), "lot": lot, "une": str(world.martin_invoice.id)})
    assert "rien n'a été envoyé deux fois" in text_of(regie.get(again.location))
    assert len(relance_mails(app)) == 1


def test_select_all_without_js_and_letters_pdf(world, app, regie):
    db.session.add(NotificationPreference(user_id=world.bernard_user.id, kind="invoices", enabled=False))
    db.session.commit()
    at(app, D(2027, 1, 4))
    ticked = regie.get("/gestion/facturation/impayes?tout=1").text
    assert ticked.count(" checked>") == 2
    response = post(regie, {"toutes": "1"})
    after = regie.get(response.location)
    assert "Relances envoyées : 1 courriel et 1 lettre à imprimer." in text_of(after)
    link = re.search(r'href="(/gestion/facturation/relances/[0-9a-f]+/lettres\.pdf)"', after.text)[1]
    pdf = regie.get(link)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    flat = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    for expected in ("Relance : facture F-2026-000002 impayée", "Camille Bernard", "1 rue de l'École",
                     "45000 Démo-sur-Loire", "novembre 2026", "3,50 €", "jeudi 31 décembre 2026", "Comment payer",
                     "PayFiP", "Trésor public", "guichet"):
        assert expected in flat, expected
    assert "F-2026-000001" not in flat  # Martin's was an e-mail
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog and catalog["/MarkInfo"]["/Marked"] and catalog["/Lang"] == "fr"
    assert "Relance de facture impayée" in str(reader.metadata.title)
    # printed again from the row
    again = regie.get(f"/gestion/facturation/factures/{world.bernard_invoice.id}/relance.pdf")
    assert again.status_code == 200
    assert regie.get(f"/gestion/facturation/factures/{world.martin_invoice.id}/relance.pdf").status_code == 404


def test_second_level_letter_says_the_first(world, app, regie):
    at(app, D(2027, 1, 4))
    post(regie, {"facture": str(world.martin_invoice.id)})
    at(app, D(2027, 1, 20))
    response = post(regie, {"facture": str(world.martin_invoice.id)})
    assert "1 lettre à imprimer" in text_of(regie.get(response.location))
    pdf = regie.get(f"/gestion/facturation/factures/{world.martin_invoice.id}/relance.pdf")
    flat = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert "Deuxième relance : facture F-2026-000001 impayée" in flat
    assert "rappelé par courriel le lundi 4 janvier 2027" in flat and "19,98 €" in flat
    assert "Relances terminées" in text_of(regie.get("/gestion/facturation/impayes"))


def test_forged_ids_refused_with_their_reason(world, app, regie):
    service.record_payment(world.martin_invoice, 1998, "cash", "C-1", NOW)
    db.session.commit()
    at(app, D(2027, 1, 4))
    response = post(regie, {"facture": [str(world.martin_invoice.id), "999999"]})
    page = text_of(regie.get(response.location))
    assert "La facture F-2026-000001 est réglée (payée ou annulée par un avoir) : aucune relance envoyée." in page
    assert "La facture n° 999999 n'existe pas" in page
    nothing = post(regie, {})
    assert "Cochez au moins une facture à relancer." in text_of(regie.get(nothing.location))
    for tampered in ({"facture": ["²", "-3", "1e9", "0", "x" * 40]}, {"une": "²"}, {"une": "99999999999"}):
        answer = post(regie, tampered)
        assert answer.status_code == 302, tampered  # never a 500
        assert "Cochez au moins une facture à relancer." in text_of(regie.get(answer.location))
    at(app, D(2026, 12, 20))
    response = post(regie, {"facture": str(world.bernard_invoice.id)})
    assert "n'est pas en retard" in text_of(regie.get(response.location))
    assert db.session.query(InvoiceReminder).count() == 0 and relance_mails(app) == []


def test_csrf_and_roles(world, app, regie, make_agent):
    at(app, D(2027, 1, 4))
    assert regie.post("/gestion/facturation/relances",
                      data={"une": str(world.martin_invoice.id)}).status_code == 400
    accueil_user = make_agent("accueil@example.org")
    accueil_user.agent_role = "accueil"
    db.session.commit()
    accueil = login(app, accueil_user)
    token = csrf_from(accueil.get("/gestion/securite").text)
    assert accueil.get("/gestion/facturation/impayes").status_code == 403
    assert accueil.post("/gestion/facturation/relances", data={
        "csrf_token": token, "une": str(world.martin_invoice.id)}).status_code == 403
    parent = login(app, world.martin_user)
    assert parent.get("/gestion/facturation/impayes").status_code == 403
    assert db.session.query(InvoiceReminder).count() == 0 and relance_mails(app) == []
