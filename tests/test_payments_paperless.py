"""Facture dématérialisée: the démarche "Facture en ligne" (applied at once), the e-mail each opted-in family gets
when the billing run issues its invoice (once, even if the run is repeated; a link only), and the agents' paper batch
of everyone else."""

from __future__ import annotations

import datetime as dt

import pytest
from billing_world import NOV, NOW, build
from procedures_world import offer, post_step, request_id_from, start, submit
from support import outbox, text_of

from blueprints.billing import run
from blueprints.payments import paperless
from models import Invoice, InvoiceMail, InvoicePreference, NotificationPreference, db

SUBJECT = "Votre nouvelle facture est disponible"


@pytest.fixture
def world(app, make_family, make_activity):
    return build(app, make_family, make_activity)


def choose(client, login_as, user, kind_type, answer):
    login_as(user)
    rid = request_id_from(start(client, kind_type).location)
    assert post_step(client, rid, "facture", {"paperless": answer}).status_code == 302
    assert submit(client, rid).status_code == 302
    client._cookies.clear()


def test_opting_in_is_a_demarche_applied_at_once_and_can_be_undone(client, login_as, world):
    kind_type = offer("facture_en_ligne")
    assert not paperless.is_paperless(world.martin.id)
    choose(client, login_as, world.martin_user, kind_type, "oui")
    db.session.expire_all()
    assert paperless.is_paperless(world.martin.id)
    choose(client, login_as, world.martin_user, kind_type, "non")
    db.session.expire_all()
    assert not paperless.is_paperless(world.martin.id)


def test_the_question_must_be_answered(client, login_as, world):
    login_as(world.martin_user)
    rid = request_id_from(start(client, offer("facture_en_ligne")).location)
    answer = post_step(client, rid, "facture", {"paperless": "peut-être"})
    assert answer.status_code == 200 and "Choisissez une valeur de la liste" in text_of(answer)


def test_the_run_mails_opted_in_families_once_and_the_others_are_printed(client, login_as, world, make_agent, app):
    paperless.set_choice(world.martin, True, NOW)
    db.session.commit()
    run.run_month(NOV, dt.date(2026, 12, 31), lambda: NOW)
    mails = [m for m in outbox(app) if m["Subject"] == SUBJECT]
    assert [m["To"] for m in mails] == [world.martin_user.email]
    martin_invoice = db.session.query(Invoice).filter_by(family_id=world.martin.id).one()
    body = mails[0].get_content()
    assert f"/factures/{martin_invoice.id}" in body and "19,98" not in body and "Martin" not in body
    assert paperless.notify_issued([martin_invoice.id], NOW) == 0  # never twice
    assert len([m for m in outbox(app) if m["Subject"] == SUBJECT]) == 1
    assert db.session.query(InvoiceMail).one().sent_at is not None

    login_as(make_agent())
    page = client.get("/gestion/factures-papier?mois=2026-11")
    bernard_invoice = db.session.query(Invoice).filter_by(family_id=world.bernard.id).one()
    assert bernard_invoice.number in text_of(page) and martin_invoice.number not in text_of(page)
    assert "1 facture à imprimer pour novembre 2026" in text_of(page)
    assert client.get("/gestion/factures-papier?mois=n'importe").status_code == 200


def test_a_login_that_turned_invoice_emails_off_gets_none(world, app):
    """"Mon espace › Préférences de notification › Factures" off: that login is not e-mailed."""
    paperless.set_choice(world.martin, True, NOW)
    db.session.add(NotificationPreference(user_id=world.martin_user.id, kind="invoices", enabled=False))
    db.session.commit()
    run.run_month(NOV, dt.date(2026, 12, 31), lambda: NOW)
    assert [m for m in outbox(app) if m["Subject"] == SUBJECT] == []


def test_a_mail_failure_leaves_the_run_done(world, app, monkeypatch):
    paperless.set_choice(world.martin, True, NOW)
    db.session.commit()

    def broken(*args, **kwargs):
        raise RuntimeError("smtp exploded")

    monkeypatch.setattr(paperless, "notify_run", broken)
    billing_run = run.run_month(NOV, dt.date(2026, 12, 31), lambda: NOW)
    assert billing_run.status == "done" and db.session.query(Invoice).count() == 2


def test_preference_rows_are_per_family(world):
    paperless.set_choice(world.bernard, True, NOW)
    paperless.set_choice(world.bernard, False, NOW)
    db.session.commit()
    assert db.session.query(InvoicePreference).count() == 1
