"""Billing against the database: numbers, payments, credit notes, balances, tariffs, the billing run.

Stable API for other domains (online payment, direct debit, attestation fiscale):
- `record_payment(invoice, amount_cents, method, reference, now, *, actor_id=None, note="") -> Payment`: idempotent
  on (method, reference); flushes; raises PaymentRefused(code).
- `family_balance(family_id) -> Balance` (invoiced, credited, paid, due), `invoice_due_cents(invoice) -> int`.
- `issue_credit_note(invoice_or_None, family_id, amount_cents, reason, now, *, actor_id=None) -> CreditNote`.
Functions flush; callers commit (the billing run commits per family itself).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from blueprints.billing import rules
from models import (
    Activity,
    BillingCounter,
    CreditNote,
    Family,
    Invoice,
    Payment,
    QuotientRecord,
    Tariff,
    TariffBand,
    TariffPenalty,
    Unit,
    commune_settings,
    db,
)
from schema.billing import PAYMENT_METHODS

COUNTER_METHODS = ("cash", "cheque", "cesu")  # recorded at the counter by an agent, with a receipt


class PaymentRefused(Exception):
    """A payment that cannot be recorded (a code wording.PAYMENT_REFUSED says in French)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --------------------------------------------------------------------------- numbers


def next_number(kind: str, year: int) -> str:
    """The next number of `kind` (invoice, credit_note, receipt) in `year`, taken in the current transaction: the
    counter row is created if needed (INSERT ... ON CONFLICT DO NOTHING) then bumped with UPDATE ... RETURNING, which
    holds PostgreSQL's row lock (SQLite's write lock) until the transaction ends. A rolled-back write gives its number
    back: no gap, no duplicate."""
    ensure_counter(kind, year)
    return bump_number(kind, year)


def ensure_counter(kind: str, year: int) -> None:
    """Create the counter row of `kind` and `year` if it is not there (INSERT ... ON CONFLICT DO NOTHING)."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(BillingCounter).values(kind=kind, year=year, last=0)
                       .on_conflict_do_nothing(index_elements=["kind", "year"]))


def bump_number(kind: str, year: int) -> str:
    """The next number of a counter row that exists (ensure_counter), in the current transaction."""
    return rules.format_number(kind, year, bump_number_by(kind, year, 1))


def bump_number_by(kind: str, year: int, count: int) -> int:
    """Take `count` numbers at once from a counter row that exists, in the current transaction: returns the last
    one (they are last - count + 1 to last)."""
    return db.session.execute(
        update(BillingCounter).where(BillingCounter.kind == kind, BillingCounter.year == year)
        .values(last=BillingCounter.last + count).returning(BillingCounter.last)).scalar_one()


# --------------------------------------------------------------------------- balances


@dataclass(frozen=True)
class Balance:
    invoiced_cents: int
    credited_cents: int
    paid_cents: int

    @property
    def due_cents(self) -> int:
        """What the family owes (negative: the commune owes the family)."""
        return self.invoiced_cents - self.credited_cents - self.paid_cents


def family_balance(family_id: int) -> Balance:
    """The family account: every invoice, credit note and payment received (rejected payments do not count)."""
    invoiced = db.session.execute(select(func.coalesce(func.sum(Invoice.total_cents), 0))
                                  .where(Invoice.family_id == family_id)).scalar_one()
    credited = db.session.execute(select(func.coalesce(func.sum(CreditNote.amount_cents), 0))
                                  .where(CreditNote.family_id == family_id)).scalar_one()
    paid = db.session.execute(select(func.coalesce(func.sum(Payment.amount_cents), 0))
                              .where(Payment.family_id == family_id, Payment.status == "received")).scalar_one()
    return Balance(int(invoiced), int(credited), int(paid))


def invoice_settled_cents(invoice_ids) -> dict[int, int]:
    """invoice id -> credit notes plus payments received on it."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    settled = dict.fromkeys(ids, 0)
    for invoice_id, total in db.session.execute(
            select(CreditNote.invoice_id, func.sum(CreditNote.amount_cents))
            .where(CreditNote.invoice_id.in_(ids)).group_by(CreditNote.invoice_id)):
        settled[invoice_id] += int(total)
    for invoice_id, total in db.session.execute(
            select(Payment.invoice_id, func.sum(Payment.amount_cents))
            .where(Payment.invoice_id.in_(ids), Payment.status == "received").group_by(Payment.invoice_id)):
        settled[invoice_id] += int(total)
    return settled


def invoice_due_cents(invoice: Invoice) -> int:
    """What is left to pay on an invoice (never negative)."""
    return max(invoice.total_cents - invoice_settled_cents([invoice.id])[invoice.id], 0)


def _credited_cents(invoice: Invoice) -> int:
    return int(db.session.execute(select(func.coalesce(func.sum(CreditNote.amount_cents), 0))
                                  .where(CreditNote.invoice_id == invoice.id)).scalar_one())


def refresh_status(invoice: Invoice) -> str:
    """Set the invoice's status from what settles it: "credited" (credit notes cover it), "paid", else "unpaid".
    The one write to an issued invoice (its lines and amounts are never updated)."""
    db.session.flush()
    credited = _credited_cents(invoice)
    due = invoice_due_cents(invoice)
    status = "credited" if credited >= invoice.total_cents else ("paid" if due <= 0 else "unpaid")
    if status != invoice.status:
        db.session.execute(update(Invoice).where(Invoice.id == invoice.id).values(status=status))
        db.session.refresh(invoice, ["status"])
    return status


# --------------------------------------------------------------------------- payments


def record_payment(invoice: Invoice, amount_cents: int, method: str, reference: str, now: dt.datetime, *,
                   actor_id: int | None = None, note: str = "") -> Payment:
    """Record money received for `invoice`, once: the same (method, reference) recorded again returns the first
    payment (a replayed notification, a form sent twice), or refuses ("reference_conflict") when it does not say the
    same invoice and amount. Refused: a method unknown, an amount not a whole positive number of cents or above what
    is left to pay ("too_much"), an empty or too long reference, an invoice fully settled ("settled").
    Counter methods (cash, cheque, CESU) get a receipt number. Flushes; the caller commits."""
    if method not in PAYMENT_METHODS:
        raise PaymentRefused("method")
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise PaymentRefused("amount")
    reference = (reference or "").strip()
    if not reference or len(reference) > 64:
        raise PaymentRefused("reference")
    existing = _payment_by_reference(method, reference)
    if existing is not None:
        return _same_or_refused(existing, invoice, amount_cents)
    due = invoice_due_cents(invoice)
    if due <= 0:
        raise PaymentRefused("settled")
    if amount_cents > due:
        raise PaymentRefused("too_much")
    payment = Payment(family_id=invoice.family_id, invoice_id=invoice.id, amount_cents=amount_cents, method=method,
                      reference=reference, received_at=now, recorded_by_id=actor_id, note=(note or "")[:300])
    try:
        with db.session.begin_nested():
            if method in COUNTER_METHODS:
                payment.receipt_number = next_number("receipt", now.astimezone(rules.PARIS).year)
            db.session.add(payment)
    except IntegrityError:  # the same reference recorded meanwhile by another request
        existing = _payment_by_reference(method, reference)
        if existing is None:
            raise
        return _same_or_refused(existing, invoice, amount_cents)
    refresh_status(invoice)
    return payment


def _payment_by_reference(method: str, reference: str) -> Payment | None:
    return db.session.execute(select(Payment).where(Payment.method == method, Payment.reference == reference)
                              ).scalar_one_or_none()


def _same_or_refused(existing: Payment, invoice: Invoice, amount_cents: int) -> Payment:
    if existing.invoice_id != invoice.id or existing.amount_cents != amount_cents:
        raise PaymentRefused("reference_conflict")
    return existing


# --------------------------------------------------------------------------- credit notes


def issue_credit_note(invoice: Invoice | None, family_id: int, amount_cents: int, reason: str, now: dt.datetime, *,
                      actor_id: int | None = None) -> CreditNote:
    """A credit note (avoir) for the family, on an invoice (at most what is left to pay on it: "too_much") or on
    the family account. The reason is required. Flushes; the caller commits."""
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise PaymentRefused("amount")
    reason = (reason or "").strip()
    if not reason:
        raise PaymentRefused("reason")
    if invoice is not None:
        if invoice.family_id != family_id:
            raise PaymentRefused("family")
        if amount_cents > invoice_due_cents(invoice):
            raise PaymentRefused("too_much")
    note = CreditNote(number=next_number("credit_note", now.astimezone(rules.PARIS).year), family_id=family_id,
                      invoice_id=invoice.id if invoice else None, amount_cents=amount_cents, reason=reason[:300],
                      issued_at=now, created_by_id=actor_id)
    db.session.add(note)
    if invoice is not None:
        refresh_status(invoice)
    else:
        db.session.flush()
    return note


# --------------------------------------------------------------------------- tariffs


def activities_with_units() -> list[Activity]:
    return list(db.session.execute(select(Activity).options(selectinload(Activity.units))
                                   .order_by(Activity.position, Activity.name)).scalars())


def all_tariffs() -> list[Tariff]:
    """Every tariff with its bands and penalties, by activity then validity start (newest first)."""
    return list(db.session.execute(
        select(Tariff).options(selectinload(Tariff.bands), selectinload(Tariff.penalties),
                               joinedload(Tariff.activity), joinedload(Tariff.unit))
        .order_by(Tariff.activity_id, Tariff.unit_id.is_not(None), Tariff.unit_id, Tariff.valid_from.desc())
    ).scalars())


def tariff_rules() -> list[rules.TariffRule]:
    return [rules.tariff_rule(t) for t in all_tariffs()]


@dataclass
class TariffValues:
    """What an agent typed for a tariff (cents, thousandths of a per cent, per cent)."""

    activity_id: int
    unit_id: int | None
    valid_from: dt.date
    kind: str
    bands: list[tuple[int, int]]  # (qf_min, price_cents), sorted
    effort_rate_millis: int | None = None
    floor_cents: int | None = None
    ceiling_cents: int | None = None
    non_resident_mode: str = "same"
    non_resident_value: int = 0
    sibling2_percent: int = 0
    sibling3_percent: int = 0
    pai_price_cents: int | None = None
    penalties: dict[str, tuple[int, int]] | None = None  # kind -> (amount_cents, percent)


class TariffRefused(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def _bands(values: TariffValues) -> list[rules.Band]:
    rows = values.bands
    return [rules.Band(qf_min, rows[i + 1][0] - 1 if i + 1 < len(rows) else None, price)
            for i, (qf_min, price) in enumerate(rows)]


def save_tariff(tariff: Tariff | None, values: TariffValues, *, actor_id: int | None, now: dt.datetime) -> Tariff:
    """Create or replace a tariff (its bands and penalties with it). TariffRefused: "duplicate" (another tariff of
    the same activity and unit starts that day), "unit" (a unit of another activity), or a rules.tariff_problem
    code. Flushes; the caller commits."""
    bands = _bands(values) if values.kind == "grid" else []
    if len({b.qf_min for b in bands}) != len(bands):
        raise TariffRefused("band_gap")
    problem = rules.tariff_problem(rules.TariffRule(
        activity_id=values.activity_id, unit_id=values.unit_id, valid_from=values.valid_from, kind=values.kind,
        bands=tuple(bands), effort_rate_millis=values.effort_rate_millis, floor_cents=values.floor_cents,
        ceiling_cents=values.ceiling_cents))
    if problem:
        raise TariffRefused(problem)
    if values.unit_id is not None:
        unit = db.session.get(Unit, values.unit_id)
        if unit is None or unit.activity_id != values.activity_id:
            raise TariffRefused("unit")
    clash = db.session.execute(select(Tariff.id).where(
        Tariff.activity_id == values.activity_id, Tariff.valid_from == values.valid_from,
        Tariff.unit_id.is_(None) if values.unit_id is None else Tariff.unit_id == values.unit_id,
        *( [Tariff.id != tariff.id] if tariff is not None and tariff.id else []))).first()
    if clash:
        raise TariffRefused("duplicate")
    if tariff is None:
        tariff = Tariff(created_at=now, created_by_id=actor_id)
        db.session.add(tariff)
    tariff.activity_id, tariff.unit_id, tariff.valid_from = values.activity_id, values.unit_id, values.valid_from
    tariff.kind = values.kind
    effort = values.kind == "effort"
    tariff.effort_rate_millis = values.effort_rate_millis if effort else None
    tariff.floor_cents = values.floor_cents if effort else None
    tariff.ceiling_cents = values.ceiling_cents if effort else None
    tariff.non_resident_mode = values.non_resident_mode
    tariff.non_resident_value = values.non_resident_value if values.non_resident_mode != "same" else 0
    tariff.sibling2_percent, tariff.sibling3_percent = values.sibling2_percent, values.sibling3_percent
    tariff.pai_price_cents = values.pai_price_cents
    tariff.bands.clear()
    tariff.penalties.clear()
    db.session.flush()
    tariff.bands.extend(TariffBand(qf_min=b.qf_min, qf_max=b.qf_max, price_cents=b.price_cents) for b in bands)
    tariff.penalties.extend(TariffPenalty(kind=kind, amount_cents=amount, percent=percent)
                            for kind, (amount, percent) in sorted((values.penalties or {}).items()))
    db.session.flush()
    return tariff


# --------------------------------------------------------------------------- QF history


def quotient_histories(family_ids) -> dict[int, list[rules.QfRecord]]:
    """family id -> its QF records. A family whose file has a QF but no record (a file from before billing) gets
    one, in force from the month of its start date."""
    ids = list(family_ids)
    histories: dict[int, list[rules.QfRecord]] = {i: [] for i in ids}
    for chunk in _chunks(ids):
        for r in db.session.execute(select(QuotientRecord).where(QuotientRecord.family_id.in_(chunk))).scalars():
            histories[r.family_id].append(rules.QfRecord(r.quotient, r.start_date, r.recorded_at))
        missing = [i for i in chunk if not histories[i]]
        if missing:
            for fid, qf, start in db.session.execute(
                    select(Family.id, Family.quotient_familial, Family.qf_start_date)
                    .where(Family.id.in_(missing), Family.quotient_familial.is_not(None))):
                start = start or dt.date(2000, 1, 1)
                known = dt.datetime.combine(rules.month_start(start) - dt.timedelta(days=1), dt.time(12),
                                            tzinfo=dt.timezone.utc)
                histories[fid].append(rules.QfRecord(qf, start, known))
    return histories


def _chunks(items, size=500):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def family_is_resident(family: Family) -> bool:
    commune = commune_settings()
    if commune is None:
        return True
    return rules.is_resident(family.postcode, family.city, commune.postcode, commune.city)


# --------------------------------------------------------------------------- reading invoices


@dataclass(frozen=True)
class InvoiceView:
    """An invoice with what is left to pay and its state in rules.invoice_state's words."""

    invoice: Invoice
    due_cents: int
    state: str


def _views(invoices: list[Invoice], today: dt.date) -> list[InvoiceView]:
    settled = invoice_settled_cents(i.id for i in invoices)
    views = []
    for inv in invoices:
        due = max(inv.total_cents - settled.get(inv.id, 0), 0)
        views.append(InvoiceView(inv, due, rules.invoice_state(inv.status, due, inv.due_date, today)))
    return views


def family_invoices(family_id: int, today: dt.date) -> list[InvoiceView]:
    """The family's invoices, the most recent month first."""
    invoices = list(db.session.execute(select(Invoice).where(Invoice.family_id == family_id)
                                       .order_by(Invoice.month.desc(), Invoice.id.desc())).scalars())
    return _views(invoices, today)


def family_invoice(family_id: int, invoice_id: int) -> Invoice | None:
    """The invoice `invoice_id` if it is the family's (another family's: None), with its lines."""
    return db.session.execute(select(Invoice).options(selectinload(Invoice.lines))
                              .where(Invoice.id == invoice_id, Invoice.family_id == family_id)).scalar_one_or_none()


def invoice_view(invoice: Invoice, today: dt.date) -> InvoiceView:
    return _views([invoice], today)[0]


def unpaid_invoices(today: dt.date, *, late_only: bool = False) -> list[tuple[InvoiceView, Family]]:
    """Unpaid invoices, the oldest due date first, with their family."""
    query = (select(Invoice, Family).join(Family, Family.id == Invoice.family_id)
             .where(Invoice.status == "unpaid").order_by(Invoice.due_date, Invoice.number))
    if late_only:
        query = query.where(Invoice.due_date < today)
    rows = db.session.execute(query).all()
    views = _views([r[0] for r in rows], today)
    return [(view, row[1]) for view, row in zip(views, rows) if view.due_cents > 0]


def search_invoices(today: dt.date, *, month: dt.date | None = None, text: str = "",
                    limit: int = 200) -> list[tuple[InvoiceView, Family]]:
    """Invoices of a month and/or whose number, family name or dossier number contains `text`."""
    query = select(Invoice, Family).join(Family, Family.id == Invoice.family_id)
    if month is not None:
        query = query.where(Invoice.month == month)
    text = (text or "").strip()[:100]
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(func.lower(Invoice.number).like(pattern) | func.lower(Family.name).like(pattern)
                            | func.lower(Family.dossier_number).like(pattern))
    rows = db.session.execute(query.order_by(Invoice.month.desc(), Invoice.number).limit(limit)).all()
    views = _views([r[0] for r in rows], today)
    return [(view, row[1]) for view, row in zip(views, rows)]


@dataclass(frozen=True)
class Entry:
    """A line of the family account: an invoice (debit), a credit note or a payment (credit), with the balance
    after it."""

    at: dt.datetime
    kind: str  # invoice | credit_note | payment | rejected
    label: str
    reference: str
    debit_cents: int
    credit_cents: int
    balance_cents: int
    obj: object


def family_ledger(family_id: int) -> list[Entry]:
    """The family account in order (oldest first) with its running balance (positive: the family owes)."""
    items = []
    for inv in db.session.execute(select(Invoice).where(Invoice.family_id == family_id)).scalars():
        items.append((inv.issued_at, 0, "invoice", inv.number, inv.total_cents, 0, inv))
    for note in db.session.execute(select(CreditNote).where(CreditNote.family_id == family_id)).scalars():
        items.append((note.issued_at, 1, "credit_note", note.number, 0, note.amount_cents, note))
    for pay in db.session.execute(select(Payment).where(Payment.family_id == family_id)).scalars():
        received = pay.status == "received"
        items.append((pay.received_at, 2, "payment" if received else "rejected", pay.receipt_number or pay.reference,
                      0, pay.amount_cents if received else 0, pay))
    items.sort(key=lambda item: (item[0], item[1], item[3]))
    balance, entries = 0, []
    for at, _order, kind, reference, debit, credit, obj in items:
        balance += debit - credit
        entries.append(Entry(at, kind, kind, reference, debit, credit, balance, obj))
    return entries


def family_payment(family_id: int, payment_id: int) -> Payment | None:
    return db.session.execute(select(Payment).where(Payment.id == payment_id, Payment.family_id == family_id)
                              ).scalar_one_or_none()
