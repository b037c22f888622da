"""The billing run (blueprints/billing/run.py): preview, issue, numbering without gaps, one run at a time, resume
after a killed process without billing anyone twice, justified absences not billed, late cancellations and late
bookings as the tariff says; the `flask billing` commands."""

import datetime as dt

import pytest
from billing_world import BERNARD_TOTAL, MARTIN_TOTAL, NOV, NOW, build

from blueprints.billing import run, service
from models import BillingRun, Invoice, db


@pytest.fixture
def world(app, make_family, make_activity):
    return build(app, make_family, make_activity)


def clock():
    return NOW


def test_preview_totals_and_anomalies(world):
    result = run.preview(NOV, NOW)
    assert (result.families, result.invoices, result.total_cents) == (2, 2, MARTIN_TOTAL + BERNARD_TOTAL)
    assert {t.name: (t.units, t.cents) for t in result.activities.values()} == {
        "Restauration": (8, MARTIN_TOTAL + BERNARD_TOTAL)}
    assert sorted((f.name, code) for f, code, _what in result.anomalies) == [("Bernard", "no_qf"),
                                                                           ("Bernard", "no_tariff")]
    assert db.session.query(Invoice).count() == 0


def test_issue_builds_the_lines(world):
    billing_run = run.run_month(NOV, dt.date(2026, 12, 31), clock)
    assert (billing_run.status, billing_run.active, billing_run.invoices_count) == ("done", None, 2)
    assert billing_run.total_cents == MARTIN_TOTAL + BERNARD_TOTAL
    martin = db.session.query(Invoice).filter_by(family_id=world.martin.id).one()
    assert martin.number == "F-2026-000001" and martin.total_cents == MARTIN_TOTAL and martin.quotient == 850
    got = [(line.child_name, line.kind, line.dates, line.unit_price_cents, line.amount_cents) for line in martin.lines]
    assert got == [
        ("Hugo Martin", "booking", "2026-11-02,2026-11-03", 330, 660),
        ("Hugo Martin", "late_booking", "2026-11-03", 150, 150),
        ("Léa Martin", "booking", "2026-11-02,2026-11-03,2026-11-05", 297, 891),
        ("Léa Martin", "unjustified_absence", "2026-11-09", 297, 297),
    ]
    assert martin.lines[2].pricing == "QF de 623 à 1\u202f000, réduction fratrie 10 %"
    bernard = db.session.query(Invoice).filter_by(family_id=world.bernard.id).one()
    assert bernard.number == "F-2026-000002" and bernard.quotient is None and bernard.total_cents == 350
    assert bernard.lines[0].pricing == "QF non connu : tranche la plus haute"


def test_attendance_lists_bill_unsignalled_absences_and_presences_without_booking(world, make_family):
    """The pointage corrects the month where it was taken: Léa marked absent on a reserved day nobody cancelled pays
    the unjustified-absence rule, and a child of another family marked present without any booking is billed (with
    no "no_booking" rule in this tariff: the price); that family gets an invoice although it booked nothing."""
    from models import Attendance, QuotientRecord

    moreau, _user, (tom,) = make_family(name="Moreau", children=("Tom",))
    db.session.add(QuotientRecord(family_id=moreau.id, quotient=500, source="CAF", start_date=dt.date(2026, 9, 1),
                                  recorded_at=dt.datetime(2026, 9, 2, 8, tzinfo=dt.timezone.utc)))
    db.session.add_all([
        Attendance(child_id=world.lea.id, unit_id=world.meal.id, date=dt.date(2026, 11, 5), status="absent"),
        Attendance(child_id=world.lea.id, unit_id=world.meal.id, date=dt.date(2026, 11, 2), status="present"),
        Attendance(child_id=tom.id, unit_id=world.meal.id, date=dt.date(2026, 11, 3), status="present",
                   booked=False),
        Attendance(child_id=tom.id, unit_id=world.meal.id, date=dt.date(2026, 11, 6), status="absent"),
    ])
    db.session.commit()
    assert run.families_to_bill(NOV) == sorted([world.martin.id, world.bernard.id, moreau.id])
    run.run_month(NOV, dt.date(2026, 12, 31), clock)
    martin = db.session.query(Invoice).filter_by(family_id=world.martin.id).one()
    lea = [(line.kind, line.dates) for line in martin.lines if line.child_name == "Léa Martin"]
    assert lea == [("booking", "2026-11-02,2026-11-03"), ("unjustified_absence", "2026-11-05,2026-11-09")]
    assert martin.total_cents == MARTIN_TOTAL  # the unjustified absence is billed 100 % here
    tom_invoice = db.session.query(Invoice).filter_by(family_id=moreau.id).one()
    assert [(line.kind, line.dates, line.amount_cents) for line in tom_invoice.lines] == [
        ("no_booking", "2026-11-03", 100)]


def test_a_month_is_billed_once_and_only_when_over(world):
    run.run_month(NOV, dt.date(2026, 12, 31), clock)
    again = run.run_month(NOV, dt.date(2026, 12, 31), clock)
    assert again.invoices_count == 0 and db.session.query(Invoice).count() == 2
    with pytest.raises(run.RunRefused) as refused:
        run.start(dt.date(2026, 12, 1), dt.date(2027, 1, 31), NOW)
    assert refused.value.code == "month_not_over"


def test_second_run_refused_while_one_runs(world):
    first = run.start(NOV, dt.date(2026, 12, 31), NOW)
    with pytest.raises(run.RunRefused) as refused:
        run.start(dt.date(2026, 10, 1), dt.date(2026, 12, 31), NOW)
    assert refused.value.code == "running"
    with pytest.raises(run.RunRefused):  # the same month, while its process is alive
        run.start(NOV, dt.date(2026, 12, 31), NOW + dt.timedelta(minutes=4))
    run.execute(first.id, clock)
    assert run.active_run() is None


def test_killed_run_is_resumed_without_billing_twice(world):
    started = run.start(NOV, dt.date(2026, 12, 31), NOW)
    run.execute(started.id, clock, stop_after=1)  # the process dies after the first family
    db.session.expire_all()
    assert db.session.query(Invoice).count() == 1 and run.active_run().id == started.id
    later = NOW + dt.timedelta(minutes=10)
    resumed = run.start(NOV, dt.date(2026, 12, 31), later)
    assert resumed.id == started.id
    finished = run.execute(resumed.id, lambda: later)
    assert finished.active is None and finished.families_done == 2 and finished.invoices_count == 2
    numbers = sorted(i.number for i in db.session.query(Invoice))
    assert numbers == ["F-2026-000001", "F-2026-000002"]
    assert db.session.query(BillingRun).count() == 1


def test_invoice_is_immutable_credit_note_corrects_it(world):
    run.run_month(NOV, dt.date(2026, 12, 31), clock)
    invoice = db.session.query(Invoice).filter_by(family_id=world.martin.id).one()
    service.issue_credit_note(invoice, invoice.family_id, 297, "Absence du 9 novembre justifiée après coup", NOW)
    db.session.commit()
    db.session.refresh(invoice)
    assert invoice.total_cents == MARTIN_TOTAL and service.invoice_due_cents(invoice) == MARTIN_TOTAL - 297
    assert service.family_balance(world.martin.id).due_cents == MARTIN_TOTAL - 297
    ledger = service.family_ledger(world.martin.id)
    assert [(e.kind, e.balance_cents) for e in ledger] == [("invoice", MARTIN_TOTAL),
                                                          ("credit_note", MARTIN_TOTAL - 297)]


def test_qf_changed_during_the_month_applies_next_month(world):
    world.martin.quotient_familial, world.martin.qf_start_date = 1200, dt.date(2026, 11, 1)
    world.app.config["CLOCK"] = lambda: dt.datetime(2026, 11, 20, 9, tzinfo=dt.timezone.utc)
    db.session.commit()  # recorded on 20 November by the QF listener
    world.app.config["CLOCK"] = clock
    run.run_month(NOV, dt.date(2026, 12, 31), clock)
    assert db.session.query(Invoice).filter_by(family_id=world.martin.id).one().quotient == 850


def test_cli_run_and_preview(world):
    runner = world.app.test_cli_runner()
    preview = runner.invoke(args=["billing", "preview", "--month", "2026-11"])
    assert preview.exit_code == 0, preview.output
    assert "2 factures" in preview.output and "Famille Bernard" in preview.output
    bad = runner.invoke(args=["billing", "run", "--month", "novembre"])
    assert bad.exit_code != 0
    result = runner.invoke(args=["billing", "run", "--month", "2026-11", "--due", "2026-12-31"])
    assert result.exit_code == 0, result.output
    assert "2 factures" in result.output
    assert db.session.query(Invoice).count() == 2


def test_grouped_commits_bill_the_same(world):
    billing_run = run.run_month(NOV, dt.date(2026, 12, 31), clock, commit_every=50)
    assert billing_run.invoices_count == 2 and billing_run.total_cents == MARTIN_TOTAL + BERNARD_TOTAL
    runner = world.app.test_cli_runner()
    assert runner.invoke(args=["billing", "run", "--month", "2026-11", "--commit-every", "0"]).exit_code != 0


def test_a_group_refused_by_the_database_is_written_family_by_family(world, monkeypatch):
    """A family invoiced meanwhile (a run taken over twice) makes its group's transaction fail: the others of the
    group are written one by one, the numbers stay without a gap, and that family is not billed twice."""
    service.ensure_counter("invoice", 2026)
    db.session.add(Invoice(number=service.bump_number("invoice", 2026), family_id=world.bernard.id, month=NOV,
                           issued_at=NOW, due_date=dt.date(2026, 12, 31), total_cents=350, status="unpaid",
                           family_name="Bernard", address=""))
    db.session.commit()
    every_family = run.families_to_bill(NOV, skip_invoiced=False)
    monkeypatch.setattr(run, "families_to_bill", lambda month, skip_invoiced=True: every_family)
    finished = run.run_month(NOV, dt.date(2026, 12, 31), clock)
    assert (finished.families_done, finished.invoices_count, finished.total_cents) == (2, 1, MARTIN_TOTAL)
    invoices = db.session.query(Invoice).order_by(Invoice.number).all()
    assert [(i.number, i.family_id) for i in invoices] == [("F-2026-000001", world.bernard.id),
                                                          ("F-2026-000002", world.martin.id)]

