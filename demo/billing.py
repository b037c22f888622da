"""Demo billing, relative to `today`: tariffs for the five demo activities (the "cantine à 1 €" grid for meals with
sibling reductions, a PAI price and penalties; effort rates for the after-school club and the leisure centre), the
families' QF known since the start date written on their file, and invoices issued for the last two months that
have ended: the month before last issued on the 3rd of last month (due on the 20th: those unpaid are late), last
month issued on the 2nd of this month (or today) and due at the end of this month. Most of the older invoices are
paid (online, cheque, cash, CESU); the Martin family has paid the older one and has last month's to pay, the
Bernard family has a late one.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from blueprints.billing import rules, run, service
from models import (
    Activity,
    Attendance,
    Family,
    Invoice,
    Person,
    QuotientRecord,
    Reservation,
    Tariff,
    TariffBand,
    TariffPenalty,
    Unit,
    db,
)

PARIS = rules.PARIS
CANTINE = ((0, 100), (623, 330), (1001, 340), (1501, 350))
MORNING = ((0, 80), (623, 120), (1001, 150), (1501, 180))
METHODS = ("online", "cheque", "online", "cash", "cesu", "online", "direct_debit")


def _grid(activity, start, rows, **extra) -> Tariff:
    tariff = Tariff(activity_id=activity.id, valid_from=start, kind="grid", **extra)
    tariff.bands = [TariffBand(qf_min=low, qf_max=(rows[i + 1][0] - 1 if i + 1 < len(rows) else None), price_cents=p)
                    for i, (low, p) in enumerate(rows)]
    return tariff


def _effort(activity, start, rate, floor, ceiling, **extra) -> Tariff:
    return Tariff(activity_id=activity.id, valid_from=start, kind="effort", effort_rate_millis=rate,
                  floor_cents=floor, ceiling_cents=ceiling, **extra)


def add_tariffs(start: dt.date, now: dt.datetime) -> None:
    activities = {a.code: a for a in db.session.execute(select(Activity)).scalars()}
    meal = _grid(activities["restauration"], start, CANTINE, sibling2_percent=10, sibling3_percent=20,
                 pai_price_cents=120, non_resident_mode="add", non_resident_value=200)
    meal.penalties = [TariffPenalty(kind="unjustified_absence", amount_cents=0, percent=100),
                      TariffPenalty(kind="late_booking", amount_cents=150, percent=0),
                      TariffPenalty(kind="no_booking", amount_cents=200, percent=100)]
    tariffs = [
        _grid(activities["accueil-matin"], start, MORNING, non_resident_mode="percent", non_resident_value=150),
        meal,
        _effort(activities["accueil-soir"], start, 250, 120, 300, non_resident_mode="percent", non_resident_value=150),
        _effort(activities["alsh-mercredi"], start, 600, 300, 800, sibling2_percent=10, sibling3_percent=10),
        _effort(activities["alsh-vacances"], start, 600, 300, 800, sibling2_percent=10, sibling3_percent=10),
    ]
    for tariff in tariffs:
        tariff.created_at = now
    db.session.add_all(tariffs)
    db.session.flush()


def _known_since_start() -> None:
    """The QF records the seed wrote today are the families' QF as known since their start date (a file from
    before the portal), so that the months already over are priced with them."""
    for record in db.session.execute(select(QuotientRecord)).scalars():
        record.recorded_at = dt.datetime.combine(rules.month_start(record.start_date) - dt.timedelta(days=1),
                                                 dt.time(12), tzinfo=dt.timezone.utc)
    db.session.flush()


def _issue(month: dt.date, issued_at: dt.datetime, due: dt.date) -> list[Invoice]:
    billing_run = run.start(month, due, issued_at)
    run.execute(billing_run.id, lambda: issued_at)
    return list(db.session.execute(select(Invoice).where(Invoice.month == month).order_by(Invoice.id)).scalars())


def add_billing(start: dt.date, now: dt.datetime, today: dt.date) -> None:
    """Tariffs from `start` (the school year's first day), then the invoices of the two months before `today`'s
    (those with reservations), some paid. Commits per family (the billing run's own transactions)."""
    add_tariffs(start, now)
    _known_since_start()
    db.session.commit()
    this_month = rules.month_start(today)
    last = rules.month_start(this_month - dt.timedelta(days=1))
    before = rules.month_start(last - dt.timedelta(days=1))
    names = {f.id: f.name for f in db.session.execute(select(Family)).scalars()}
    older_at = dt.datetime.combine(last.replace(day=3), dt.time(9), PARIS).astimezone(dt.timezone.utc)
    older = _issue(before, min(older_at, now), last.replace(day=20))
    for i, invoice in enumerate(older):
        if names[invoice.family_id] == "Bernard" or i % 5 == 4:
            continue  # late
        _pay(invoice, METHODS[i % len(METHODS)], older_at + dt.timedelta(days=1 + i % 10), i)
    _unbooked_presence(last)
    recent_at = dt.datetime.combine(this_month.replace(day=2), dt.time(9), PARIS).astimezone(dt.timezone.utc)
    recent = _issue(last, min(recent_at, now), rules.month_end(this_month))
    for i, invoice in enumerate(recent):
        if names[invoice.family_id] in ("Martin", "Bernard") or i % 3:
            continue
        _pay(invoice, METHODS[i % len(METHODS)], min(recent_at, now) + dt.timedelta(hours=2 + i), 100 + i)
    db.session.commit()


def _unbooked_presence(month: dt.date) -> None:
    """Hugo Martin came to the evening care one day of `month` without a booking (marked on the list): his family's
    invoice has a "Présence sans réservation" line."""
    hugo = db.session.execute(select(Person).join(Family, Family.id == Person.family_id).where(
        Family.name == "Martin", Person.first_name == "Hugo")).scalar_one_or_none()
    units = db.session.execute(select(Unit).where(Unit.slot == "afternoon").order_by(Unit.id)).scalars().all()
    if hugo is None or not units:
        return
    booked = set(db.session.execute(select(Reservation.unit_id, Reservation.date).where(
        Reservation.child_id == hugo.id, Reservation.date.between(month, rules.month_end(month)),
        Reservation.state == "reserved")).all())
    school_days = sorted({day for _unit, day in booked})  # days he was there for something else
    for day in school_days:
        for unit in units:
            if (unit.id, day) not in booked:
                db.session.add(Attendance(child_id=hugo.id, unit_id=unit.id, date=day, status="present", booked=False))
                db.session.commit()
                return


def _pay(invoice: Invoice, method: str, at: dt.datetime, n: int) -> None:
    if invoice.total_cents <= 0:
        return
    service.record_payment(invoice, invoice.total_cents, method, f"DEMO-{invoice.number}-{n}", at,
                           note="Paiement de démonstration")
