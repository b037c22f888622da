"""Payments, credit notes and the family account (blueprints/billing/service.py): a payment is recorded once per
(method, reference), never above what is left to pay; counter payments get a gap-free receipt number."""

import datetime as dt

import pytest

from blueprints.billing import service
from blueprints.billing.service import PaymentRefused
from models import Invoice, Payment, db

NOW = dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def invoice(make_family):
    family, _user, _kids = make_family()
    return make_invoice(family.id, 4250)


def make_invoice(family_id, total, month=dt.date(2026, 11, 1)):
    inv = Invoice(number=service.next_number("invoice", 2026), family_id=family_id, month=month, issued_at=NOW,
                  due_date=dt.date(2026, 12, 31), total_cents=total, family_name="Martin")
    db.session.add(inv)
    db.session.commit()
    return inv


def test_payment_recorded_once_per_reference(invoice):
    first = service.record_payment(invoice, 1000, "online", "PAYFIP-123", NOW)
    db.session.commit()
    again = service.record_payment(invoice, 1000, "online", "PAYFIP-123", NOW + dt.timedelta(hours=2))
    db.session.commit()
    assert again.id == first.id
    assert db.session.query(Payment).count() == 1
    assert service.invoice_due_cents(invoice) == 3250
    assert invoice.status == "unpaid"


def test_same_reference_other_amount_or_invoice_refused(invoice):
    service.record_payment(invoice, 1000, "online", "REF-1", NOW)
    db.session.commit()
    with pytest.raises(PaymentRefused) as refused:
        service.record_payment(invoice, 999, "online", "REF-1", NOW)
    assert refused.value.code == "reference_conflict"
    other = make_invoice(invoice.family_id, 500, month=dt.date(2026, 10, 1))
    with pytest.raises(PaymentRefused):
        service.record_payment(other, 1000, "online", "REF-1", NOW)
    # the same reference through another method is another payment
    service.record_payment(invoice, 1000, "cheque", "REF-1", NOW)
    assert db.session.query(Payment).count() == 2


@pytest.mark.parametrize("amount, method, reference, code", [
    (0, "cash", "A", "amount"), (-5, "cash", "A", "amount"), (10.5, "cash", "A", "amount"),
    (True, "cash", "A", "amount"),
    ("100", "cash", "A", "amount"), (100, "bitcoin", "A", "method"), (100, "cash", "  ", "reference"),
    (100, "cash", "x" * 65, "reference"), (4251, "cash", "A", "too_much"),
])
def test_bad_payments_refused(invoice, amount, method, reference, code):
    with pytest.raises(PaymentRefused) as refused:
        service.record_payment(invoice, amount, method, reference, NOW)
    assert refused.value.code == code
    assert db.session.query(Payment).count() == 0


def test_full_payment_marks_paid_then_settled(invoice):
    service.record_payment(invoice, 4250, "cash", "C-1", NOW)
    db.session.commit()
    assert invoice.status == "paid"
    with pytest.raises(PaymentRefused) as refused:
        service.record_payment(invoice, 1, "cash", "C-2", NOW)
    assert refused.value.code == "settled"


def test_counter_receipts_numbered_without_gaps(invoice):
    a = service.record_payment(invoice, 100, "cash", "C-1", NOW)
    b = service.record_payment(invoice, 100, "cheque", "1234567", NOW)
    c = service.record_payment(invoice, 100, "online", "P-1", NOW)
    d = service.record_payment(invoice, 100, "cesu", "CESU-9", NOW)
    assert (a.receipt_number, b.receipt_number, c.receipt_number, d.receipt_number) == (
        "R-2026-000001", "R-2026-000002", None, "R-2026-000003")


def test_balance_counts_invoices_credits_and_received_payments(invoice):
    make_invoice(invoice.family_id, 1000, month=dt.date(2026, 10, 1))
    service.record_payment(invoice, 2000, "online", "P-1", NOW)
    rejected = service.record_payment(invoice, 250, "direct_debit", "DD-1", NOW)
    rejected.status = "rejected"
    note = service.issue_credit_note(invoice, invoice.family_id, 500, "Repas compté deux fois", NOW)
    db.session.commit()
    assert note.number == "AV-2026-000001"
    balance = service.family_balance(invoice.family_id)
    assert (balance.invoiced_cents, balance.credited_cents, balance.paid_cents) == (5250, 500, 2000)
    assert balance.due_cents == 2750


def test_credit_note_covering_the_invoice_marks_it_credited(invoice):
    with pytest.raises(PaymentRefused):
        service.issue_credit_note(invoice, invoice.family_id, 4251, "Trop", NOW)
    with pytest.raises(PaymentRefused):
        service.issue_credit_note(invoice, invoice.family_id, 100, "   ", NOW)
    service.issue_credit_note(invoice, invoice.family_id, 4250, "Facture annulée : fermeture", NOW)
    db.session.commit()
    assert invoice.status == "credited"
