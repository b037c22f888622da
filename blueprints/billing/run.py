"""The billing run of a month: preview (totals per activity, families, anomalies), then issue.

What a family is billed comes from its reservations of the month (reserved: billed; absent, i.e. signalled too late
to cancel and not justified: the tariff's penalty; justified: not billed; waiting: not billed), priced by
rules.bill_family with the QF in force that month, corrected by the attendance lists where they were taken
(rules.apply_attendance: a presence without booking, an absence nobody signalled).

Issuing is streamed: families are read in batches (constant memory) and written a group at a time (GROUP families:
their invoices, numbers and the run's progress committed in one transaction), so a killed process loses at most the
group it was writing, and a resumed run skips the families already invoiced (Invoice is unique per family and
month: never billed twice). One run at a time: BillingRun.active is unique (a second start is refused by the
database); a run whose heartbeat is older than rules.run_is_stale's 5 minutes was killed and may be resumed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable, Iterator

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from blueprints.billing import rules, service
from blueprints.reservations import rules as booking_rules
from models import (
    Activity,
    Attendance,
    BillingRun,
    ChildHealth,
    DeadlinePolicy,
    Family,
    Invoice,
    InvoiceLine,
    Person,
    Reservation,
    Unit,
    commune_settings,
    db,
)

BATCH = 200
BILLABLE = ("reserved", "absent", "justified")


class RunRefused(Exception):
    """code: running (another run is under way), month_not_over (a month is billed once it has ended), finished."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --------------------------------------------------------------------------- reading a month


@dataclass
class MonthContext:
    month: dt.date
    now: dt.datetime
    tariffs: list[rules.TariffRule]
    booking_deadline: Callable[[int, dt.date], dt.datetime | None]
    commune: object


def context(month: dt.date, now: dt.datetime) -> MonthContext:
    commune = commune_settings()
    activities = {a.id: a for a in db.session.execute(select(Activity)).scalars()}
    policies = {p.id: p for p in db.session.execute(select(DeadlinePolicy)).scalars()}
    calendar = booking_rules.build_calendar(getattr(commune, "school_zone", "B") or "B",
                                            getattr(commune, "holiday_subdivision", None),
                                            (month.year - 1, month.year, month.year + 1))
    cache: dict[tuple[int, dt.date], dt.datetime | None] = {}

    def booking_deadline(activity_id: int, day: dt.date) -> dt.datetime | None:
        key = (activity_id, day)
        if key not in cache:
            activity = activities.get(activity_id)
            policy = policies.get(activity.booking_policy_id) if activity and activity.booking_policy_id else None
            cache[key] = booking_rules.deadline(policy, day, calendar) if policy is not None else None
        return cache[key]

    return MonthContext(month, now, service.tariff_rules(), booking_deadline, commune)


def families_to_bill(month: dt.date, *, skip_invoiced: bool = True) -> list[int]:
    """Ids of the families with a reservation in `month` (reserved, absent or justified) or a child marked present
    on an attendance list, without an invoice for that month when `skip_invoiced`."""
    end = rules.month_end(month)
    booked = (select(Person.family_id).join(Reservation, Reservation.child_id == Person.id)
              .where(Reservation.date.between(month, end), Reservation.state.in_(BILLABLE)))
    present = (select(Person.family_id).join(Attendance, Attendance.child_id == Person.id)
               .where(Attendance.date.between(month, end), Attendance.status == "present"))
    if skip_invoiced:
        not_invoiced = ~exists().where(and_(Invoice.family_id == Person.family_id, Invoice.month == month))
        booked, present = booked.where(not_invoiced), present.where(not_invoiced)
    return sorted(set(db.session.execute(booked.union(present)).scalars()))


@dataclass(frozen=True)
class FamilyInfo:
    """What billing reads of a family file (plain values: no ORM object kept across the run's commits)."""

    id: int
    name: str
    dossier_number: str
    address: str
    postcode: str
    city: str


@dataclass
class FamilyMonth:
    family: FamilyInfo
    bookings: list[rules.Booking]
    history: list[rules.QfRecord]


def read_families(family_ids: list[int], ctx: MonthContext) -> Iterator[FamilyMonth]:
    """The families' bookings of the month, a batch of families at a time (a few queries per batch)."""
    end = rules.month_end(ctx.month)
    for start in range(0, len(family_ids), BATCH):
        ids = family_ids[start:start + BATCH]
        families = {f.id: FamilyInfo(f.id, f.name, f.dossier_number, f.address, f.postcode, f.city)
                    for f in db.session.execute(select(Family.id, Family.name, Family.dossier_number, Family.address,
                                                       Family.postcode, Family.city).where(Family.id.in_(ids)))}
        per_family: dict[int, list[rules.Booking]] = defaultdict(list)
        for r in db.session.execute(_rows_of(Reservation, ids, ctx.month, end, Reservation.state.in_(BILLABLE),
                                             Reservation.state, Reservation.requested_at)):
            deadline = ctx.booking_deadline(r.activity_id, r.date)
            late = deadline is not None and r.requested_at > deadline
            per_family[r.family_id].append(_booking(r, r.state, late=late))
        marks: dict[int, list[rules.Booking]] = defaultdict(list)
        for r in db.session.execute(_rows_of(Attendance, ids, ctx.month, end, None, Attendance.status)):
            marks[r.family_id].append(_booking(r, r.status, late=False))
        histories = service.quotient_histories(ids)
        for fid in ids:
            if fid in families:
                bookings = per_family.get(fid, [])
                if fid in marks:
                    bookings = rules.apply_attendance(bookings, marks[fid])
                yield FamilyMonth(families[fid], bookings, histories.get(fid, []))


def _rows_of(table, family_ids: list[int], start: dt.date, end: dt.date, condition, *columns):
    """A month's rows of reservations or attendance marks of the families, with what a Booking needs."""
    query = (select(table.child_id, table.date, table.unit_id, Unit.activity_id, Unit.label, Unit.slot, Unit.position,
                    Activity.name, Person.family_id, Person.first_name, Person.last_name, Person.birth_date,
                    ChildHealth.pai, ChildHealth.diet, *columns)
             .join(Unit, Unit.id == table.unit_id).join(Activity, Activity.id == Unit.activity_id)
             .join(Person, Person.id == table.child_id)
             .outerjoin(ChildHealth, ChildHealth.child_id == Person.id)
             .where(Person.family_id.in_(family_ids), table.date.between(start, end)))
    return query if condition is None else query.where(condition)


def _booking(r, state: str, *, late: bool) -> rules.Booking:
    return rules.Booking(
        child_id=r.child_id, child_name=f"{r.first_name} {r.last_name}", birth_date=r.birth_date,
        activity_id=r.activity_id, activity_name=r.name, unit_id=r.unit_id, unit_label=r.label, date=r.date,
        state=state, late=bool(late), pai=bool(r.pai and r.slot == "meal" and "panier" in (r.diet or "").lower()),
        unit_position=r.position)


def bill(fm: FamilyMonth, ctx: MonthContext) -> rules.FamilyBill:
    resident = service.family_is_resident(fm.family)
    return rules.bill_family(fm.bookings, ctx.tariffs, fm.history, ctx.month, ctx.now, resident=resident)


# --------------------------------------------------------------------------- preview


@dataclass
class ActivityTotal:
    name: str
    units: int = 0
    cents: int = 0


@dataclass
class Preview:
    month: dt.date
    families: int = 0
    invoices: int = 0
    total_cents: int = 0
    already_invoiced: int = 0
    activities: dict[int, ActivityTotal] = field(default_factory=dict)
    anomalies: list[tuple[Family, str, str]] = field(default_factory=list)


def preview(month: dt.date, now: dt.datetime) -> Preview:
    """What issuing `month` would give, written nowhere."""
    ctx = context(month, now)
    result = Preview(month)
    result.already_invoiced = db.session.execute(select(func.count()).select_from(Invoice)
                                                 .where(Invoice.month == month)).scalar_one()
    ids = families_to_bill(month)
    result.families = len(ids)
    for fm in read_families(ids, ctx):
        family_bill = bill(fm, ctx)
        for code, what in family_bill.anomalies:
            result.anomalies.append((fm.family, code, what))
        if family_bill.lines:
            result.invoices += 1
            result.total_cents += family_bill.total_cents
        for line in family_bill.lines:
            total = result.activities.setdefault(line.activity_id, ActivityTotal(line.activity_name))
            total.units += line.quantity
            total.cents += line.amount_cents
    return result


# --------------------------------------------------------------------------- issuing


def active_run() -> BillingRun | None:
    return db.session.execute(select(BillingRun).where(BillingRun.active == 1)).scalar_one_or_none()


def start(month: dt.date, due_date: dt.date, now: dt.datetime, *, actor_id: int | None = None) -> BillingRun:
    """Open a run for `month` (committed), or take over the killed run of that month. RunRefused otherwise."""
    if rules.next_month(month) > rules.month_start(now.astimezone(rules.PARIS).date()):
        raise RunRefused("month_not_over")
    current = active_run()
    if current is not None:
        return _take_over(current, month, now)
    run = BillingRun(month=month, due_date=due_date, status="running", active=1, started_at=now, heartbeat_at=now,
                     started_by_id=actor_id, families_total=len(families_to_bill(month)))
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:  # another run started meanwhile
        db.session.rollback()
        raise RunRefused("running") from None
    return run


def _take_over(current: BillingRun, month: dt.date, now: dt.datetime) -> BillingRun:
    if current.month != month or not rules.run_is_stale(current.heartbeat_at, now):
        raise RunRefused("running")
    # Only one process takes it over: the UPDATE matches the heartbeat it read.
    taken = db.session.execute(update(BillingRun).where(BillingRun.id == current.id,
                                                        BillingRun.heartbeat_at == current.heartbeat_at)
                               .values(heartbeat_at=now)).rowcount
    db.session.commit()
    if not taken:
        raise RunRefused("running")
    db.session.refresh(current)
    return current


GROUP = 50  # families written per transaction by default


def execute(run_id: int, now: Callable[[], dt.datetime], *, stop_after: int | None = None,
            commit_every: int = GROUP) -> BillingRun:
    """Issue the run's invoices, then close the run. Families are written `commit_every` at a time: their invoices,
    one counter bump for their numbers and the run's progress in one transaction (a handful of statements for the
    whole group), so a killed process loses at most the group it was writing, numbers included, and the resumed run
    bills it (never twice: Invoice is unique per family and month). A group refused by the database (a family
    invoiced meanwhile by a run taken over twice) is written again family by family. `stop_after` (tests, bench):
    stop as a killed process would, after that many families, leaving the run active."""
    run = db.session.get(BillingRun, run_id)
    if run is None or run.active != 1:
        raise RunRefused("finished")
    month, due_date = run.month, run.due_date
    ctx = context(month, now())
    issued_year = now().astimezone(rules.PARIS).year
    service.ensure_counter("invoice", issued_year)
    db.session.commit()
    of_run = (run_id, month, due_date)
    size = max(commit_every, 1)
    if stop_after is not None:
        size = min(size, max(stop_after, 1))
    done, group = 0, []
    for fm in read_families(families_to_bill(month), ctx):
        if stop_after is not None and done >= stop_after:
            return db.session.get(BillingRun, run_id)
        group.append((fm.family, bill(fm, ctx)))
        if len(group) == size:
            _write_group(group, of_run, now(), issued_year)
            done, group = done + len(group), []
    if group and (stop_after is None or done < stop_after):
        _write_group(group, of_run, now(), issued_year)
    if stop_after is not None:
        return db.session.get(BillingRun, run_id)
    db.session.execute(update(BillingRun).where(BillingRun.id == run_id)
                       .values(status="done", active=None, finished_at=now(), heartbeat_at=now())
                       .execution_options(synchronize_session=False))
    db.session.commit()
    _announce(run_id, now())  # payments hook: facture dématérialisée
    return db.session.get(BillingRun, run_id)


def _write_group(group: list[tuple[FamilyInfo, rules.FamilyBill]], of_run: tuple[int, dt.date, dt.date],
                 moment: dt.datetime, year: int) -> None:
    """Write a group of families in one transaction and commit; then forget its invoices (constant memory). A group
    the database refuses is written again one family at a time; a single family refused was invoiced meanwhile: it
    only counts as done."""
    run_id = of_run[0]
    billed = [(family, family_bill) for family, family_bill in group if family_bill.lines]
    invoices = []
    try:
        last = service.bump_number_by("invoice", year, len(billed)) if billed else 0
        first = last - len(billed) + 1
        invoices = [_invoice(family, family_bill, of_run, moment, year, first + i)
                    for i, (family, family_bill) in enumerate(billed)]
        db.session.add_all(invoices)
        db.session.execute(update(BillingRun).where(BillingRun.id == run_id).values(
            families_done=BillingRun.families_done + len(group), heartbeat_at=moment,
            invoices_count=BillingRun.invoices_count + len(billed),
            total_cents=BillingRun.total_cents + sum(b.total_cents for _f, b in billed))
            .execution_options(synchronize_session=False))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if len(group) > 1:
            for one in group:
                _write_group([one], of_run, moment, year)
            return
        db.session.execute(update(BillingRun).where(BillingRun.id == run_id)
                           .values(families_done=BillingRun.families_done + 1, heartbeat_at=moment)
                           .execution_options(synchronize_session=False))
        db.session.commit()
    finally:
        for invoice in invoices:
            if invoice in db.session:
                db.session.expunge(invoice)


def _announce(run_id: int, moment: dt.datetime) -> None:
    """payments hook: e-mail the families who chose the facture en ligne (each invoice once); a failure is logged,
    never undoes the run."""
    from flask import current_app

    from blueprints.payments import paperless

    try:
        paperless.notify_run(run_id, moment)
    except Exception:  # the invoices are issued whatever the mail does
        db.session.rollback()
        current_app.logger.exception("facture en ligne: announcing run %s failed", run_id)


def _invoice(family: FamilyInfo, family_bill: rules.FamilyBill, of_run: tuple[int, dt.date, dt.date],
             moment: dt.datetime, year: int, number: int) -> Invoice:
    from blueprints.billing import wording

    address = "\n".join(x for x in (family.address, f"{family.postcode} {family.city}".strip()) if x)
    run_id, month, due_date = of_run
    invoice = Invoice(number=rules.format_number("invoice", year, number), family_id=family.id, month=month,
                      run_id=run_id, issued_at=moment, due_date=due_date, total_cents=family_bill.total_cents,
                      status="unpaid", family_name=family.name, address=address, quotient=family_bill.quotient,
                      resident=service.family_is_resident(family))
    invoice.lines = [
        InvoiceLine(position=i, child_id=line.child_id, child_name=line.child_name, activity_id=line.activity_id,
                    activity_name=line.activity_name, unit_label=line.unit_label, kind=line.kind,
                    dates=",".join(d.isoformat() for d in sorted(line.dates)), quantity=line.quantity,
                    unit_price_cents=line.unit_price_cents, amount_cents=line.amount_cents,
                    pricing=wording.pricing_text(line.basis, line.band, line.effort_rate_millis,
                                                 line.sibling_percent)[:200])
        for i, line in enumerate(family_bill.lines)]
    return invoice


def run_month(month: dt.date, due_date: dt.date, now: Callable[[], dt.datetime], *,
              actor_id: int | None = None, commit_every: int = GROUP) -> BillingRun:
    """Start (or resume) and execute a run in this process (the `flask billing run` command, tests, bench)."""
    run = start(month, due_date, now(), actor_id=actor_id)
    return execute(run.id, now, commit_every=commit_every)


def invoices_per_month(months) -> dict[dt.date, int]:
    """month -> how many invoices it has (1 query): which of the months offered are already billed."""
    months = list(months)
    if not months:
        return {}
    rows = db.session.execute(select(Invoice.month, func.count()).where(Invoice.month.in_(months))
                              .group_by(Invoice.month))
    return {month: count for month, count in rows}


def recent_runs(limit: int = 12) -> list[BillingRun]:
    return list(db.session.execute(select(BillingRun).order_by(BillingRun.started_at.desc()).limit(limit)).scalars())
