"""Billing rules, pure: no database, no Flask, no clock (callers pass `now`).

- Which tariff prices a unit on a day (`tariff_for`), which QF a month uses (`quotient_for_month`: a change applies
  from the month after it was recorded, never retroactively), the price of one unit (`unit_price`: QF band or
  effort rate with floor and ceiling, non-resident, sibling rank, PAI packed lunch), penalties (`penalty_cents`).
- The lines of a family's invoice for a month from its bookings (`bill_family`): booked days billed, justified
  absences not billed, unjustified absences (too late to cancel) billed as the tariff's penalty says (the full price
  when it says nothing), bookings made after the booking deadline with the late surcharge.
- Numbers ("F-2026-000123"), residence, money in cents (round half up).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Sequence
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
NUMBER_PREFIX = {"invoice": "F", "credit_note": "AV", "receipt": "R"}


# --------------------------------------------------------------------------- tariffs as plain values


@dataclass(frozen=True)
class Band:
    qf_min: int
    qf_max: int | None
    price_cents: int


@dataclass(frozen=True)
class Penalty:
    kind: str
    amount_cents: int = 0
    percent: int = 0


@dataclass(frozen=True)
class TariffRule:
    activity_id: int
    unit_id: int | None
    valid_from: dt.date
    kind: str = "grid"
    bands: tuple[Band, ...] = ()
    effort_rate_millis: int | None = None
    floor_cents: int | None = None
    ceiling_cents: int | None = None
    non_resident_mode: str = "same"
    non_resident_value: int = 0
    sibling2_percent: int = 0
    sibling3_percent: int = 0
    pai_price_cents: int | None = None
    penalties: tuple[Penalty, ...] = ()
    id: int | None = None


def tariff_rule(row) -> TariffRule:
    """A schema Tariff row (with its bands and penalties) as a TariffRule."""
    return TariffRule(
        id=row.id, activity_id=row.activity_id, unit_id=row.unit_id, valid_from=row.valid_from, kind=row.kind,
        bands=tuple(Band(b.qf_min, b.qf_max, b.price_cents) for b in sorted(row.bands, key=lambda b: b.qf_min)),
        effort_rate_millis=row.effort_rate_millis, floor_cents=row.floor_cents, ceiling_cents=row.ceiling_cents,
        non_resident_mode=row.non_resident_mode, non_resident_value=row.non_resident_value or 0,
        sibling2_percent=row.sibling2_percent or 0, sibling3_percent=row.sibling3_percent or 0,
        pai_price_cents=row.pai_price_cents,
        penalties=tuple(Penalty(p.kind, p.amount_cents, p.percent) for p in row.penalties))


def tariff_for(tariffs: Iterable[TariffRule], activity_id: int, unit_id: int | None, day: dt.date) -> TariffRule | None:
    """The tariff pricing `unit_id` of `activity_id` on `day`: the unit's own tariff in force (latest `valid_from`
    not after the day), else the activity's tariff for every unit, else None."""
    best_own, best_all = None, None
    for t in tariffs:
        if t.activity_id != activity_id or t.valid_from > day:
            continue
        if t.unit_id is not None and t.unit_id == unit_id:
            if best_own is None or t.valid_from > best_own.valid_from:
                best_own = t
        elif t.unit_id is None and (best_all is None or t.valid_from > best_all.valid_from):
            best_all = t
    return best_own or best_all


def tariff_problem(t: TariffRule) -> str | None:
    """Why a tariff cannot price anything (a code wording.TARIFF_PROBLEMS says), or None.
    Grid: at least one band, the first from 0, no gap nor overlap, the last without upper bound. Effort: a rate,
    floor not above ceiling."""
    if t.kind == "grid":
        if not t.bands:
            return "no_band"
        bands = sorted(t.bands, key=lambda b: b.qf_min)
        if bands[0].qf_min != 0:
            return "first_band"
        for before, after in zip(bands, bands[1:]):
            if before.qf_max is None or after.qf_min != before.qf_max + 1:
                return "band_gap"
        if bands[-1].qf_max is not None:
            return "last_band"
        return None
    if t.effort_rate_millis is None:
        return "no_rate"
    if t.floor_cents is not None and t.ceiling_cents is not None and t.floor_cents > t.ceiling_cents:
        return "floor_above_ceiling"
    return None


# --------------------------------------------------------------------------- money


def round_cents(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent_of(cents: int, percent: int) -> int:
    return round_cents(Decimal(cents) * Decimal(percent) / Decimal(100))


# --------------------------------------------------------------------------- QF of a month


@dataclass(frozen=True)
class QfRecord:
    quotient: int | None
    start_date: dt.date
    recorded_at: dt.datetime


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def month_end(month: dt.date) -> dt.date:
    return next_month(month) - dt.timedelta(days=1)


def effective_month(record: QfRecord) -> dt.date:
    """The first month a QF record prices: the month after it was recorded (Europe/Paris), and not before the
    month of its start date."""
    recorded = next_month(month_start(record.recorded_at.astimezone(PARIS).date()))
    return max(recorded, month_start(record.start_date))


def quotient_for_month(history: Iterable[QfRecord], month: dt.date, now: dt.datetime) -> int | None:
    """The QF billing uses for `month`: of the records known at `now`, the one in force that month (the latest
    effective month not after it; the latest recorded on a tie), or None (unknown QF)."""
    month = month_start(month)
    best = None
    for record in history:
        if record.recorded_at > now:
            continue
        effective = effective_month(record)
        if effective > month:
            continue
        key = (effective, record.recorded_at)
        if best is None or key > best[0]:
            best = (key, record)
    return None if best is None else best[1].quotient


# --------------------------------------------------------------------------- the price of one unit


@dataclass(frozen=True)
class Quote:
    price_cents: int
    base_cents: int  # before non-resident and sibling adjustments
    basis: str  # "band", "effort", "floor", "ceiling", "pai", "no_qf_band", "no_qf_ceiling"
    band: Band | None = None
    sibling_percent: int = 0


class NoPrice(Exception):
    """The tariff cannot price this case (no band for the QF, effort rate without ceiling for an unknown QF)."""


def base_price(t: TariffRule, quotient: int | None) -> tuple[int, str, Band | None]:
    """(cents, basis, band) before residence and siblings. An unknown QF pays the highest band, or the ceiling."""
    if t.kind == "grid":
        bands = sorted(t.bands, key=lambda b: b.qf_min)
        if not bands:
            raise NoPrice("no_band")
        if quotient is None:
            return bands[-1].price_cents, "no_qf_band", bands[-1]
        for band in bands:
            if band.qf_min <= quotient and (band.qf_max is None or quotient <= band.qf_max):
                return band.price_cents, "band", band
        raise NoPrice("no_band")
    if quotient is None:
        if t.ceiling_cents is None:
            raise NoPrice("no_ceiling")
        return t.ceiling_cents, "no_qf_ceiling", None
    cents = round_cents(Decimal(quotient) * Decimal(t.effort_rate_millis or 0) / Decimal(1000))
    if t.floor_cents is not None and cents < t.floor_cents:
        return t.floor_cents, "floor", None
    if t.ceiling_cents is not None and cents > t.ceiling_cents:
        return t.ceiling_cents, "ceiling", None
    return cents, "effort", None


def sibling_percent(t: TariffRule, rank: int) -> int:
    """The reduction of the `rank`-th child (1 = eldest billed) in per cent."""
    if rank >= 3:
        return t.sibling3_percent
    if rank == 2:
        return t.sibling2_percent
    return 0


def unit_price(t: TariffRule, quotient: int | None, *, resident: bool = True, sibling_rank: int = 1,
               pai: bool = False) -> Quote:
    """The price of one unit for a family: the PAI packed-lunch price when it applies (flat), else the QF's price,
    times or plus the non-resident surcharge, less the sibling reduction. Integer cents, half up."""
    if pai and t.pai_price_cents is not None:
        return Quote(t.pai_price_cents, t.pai_price_cents, "pai")
    cents, basis, band = base_price(t, quotient)
    price = cents
    if not resident:
        if t.non_resident_mode == "percent":
            price = percent_of(price, t.non_resident_value)
        elif t.non_resident_mode == "add":
            price = price + t.non_resident_value
    reduction = sibling_percent(t, sibling_rank)
    if reduction:
        price = price - percent_of(price, reduction)
    return Quote(max(price, 0), cents, basis, band, reduction)


def price(t: TariffRule, history: Iterable[QfRecord], month: dt.date, now: dt.datetime, *, resident: bool = True,
          sibling_rank: int = 1, pai: bool = False) -> Quote:
    """The price of one unit in `month` for a family with this QF history (the QF in force that month)."""
    return unit_price(t, quotient_for_month(history, month, now), resident=resident, sibling_rank=sibling_rank,
                      pai=pai)


def penalty_cents(t: TariffRule, kind: str, price_cents: int) -> int | None:
    """What the penalty `kind` costs for one unit priced `price_cents`, or None when the tariff has none."""
    for p in t.penalties:
        if p.kind == kind:
            return p.amount_cents + percent_of(price_cents, p.percent)
    return None


# --------------------------------------------------------------------------- residence


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(text.replace("-", " ").replace("'", " ").split())


def is_resident(family_postcode: str, family_city: str, commune_postcode: str, commune_city: str) -> bool:
    """A family lives in the commune when its city is the commune's (accents, case, hyphens ignored) and its postcode
    is the commune's when both are known. A commune without a city set treats every family as resident."""
    if not _fold(commune_city):
        return True
    if _fold(family_city) != _fold(commune_city):
        return False
    fp, cp = (family_postcode or "").replace(" ", ""), (commune_postcode or "").replace(" ", "")
    return not fp or not cp or fp == cp


# --------------------------------------------------------------------------- a family's month


@dataclass(frozen=True)
class Booking:
    """A reservation of the month as billing sees it. state: reserved | absent | justified | waiting. `late`:
    booked after the booking deadline."""

    child_id: int
    child_name: str
    birth_date: dt.date | None
    activity_id: int
    activity_name: str
    unit_id: int
    unit_label: str
    date: dt.date
    state: str
    late: bool = False
    pai: bool = False
    unit_position: int = 0


@dataclass
class Line:
    child_id: int
    child_name: str
    activity_id: int
    activity_name: str
    unit_label: str
    kind: str  # booking | pai | late_booking | unjustified_absence | no_booking
    unit_price_cents: int
    basis: str
    band: Band | None
    effort_rate_millis: int | None
    sibling_percent: int
    dates: list[dt.date] = field(default_factory=list)
    sort_key: tuple = ()

    @property
    def quantity(self) -> int:
        return len(self.dates)

    @property
    def amount_cents(self) -> int:
        return self.unit_price_cents * len(self.dates)


@dataclass
class FamilyBill:
    lines: list[Line]
    quotient: int | None
    anomalies: list[tuple[str, str]]  # (code, what: activity or unit name)

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)


LINE_ORDER = {"booking": 0, "pai": 1, "late_booking": 2, "unjustified_absence": 3, "no_booking": 4}
# Booking states that cost something: reserved, absent (not cancelled in time, not justified), and "unbooked" (present
# on the attendance list without a booking).
CHARGED = ("reserved", "absent", "unbooked")


def apply_attendance(bookings: Sequence[Booking], marks: Sequence[Booking]) -> list[Booking]:
    """The month's bookings as the attendance list (pointage) corrects them, where it was taken. `marks` are the
    attendance marks as bookings whose state is the mark ("present" or "absent"). A reserved day marked absent is an
    absence nobody signalled ("absent": not cancelled, not justified); a child marked present without a reservation
    or with one that does not count (waiting list, cancelled, justified absence) is "unbooked". A reservation
    already signalled absent or justified stays as the family or the agent left it."""
    marked = {(m.child_id, m.unit_id, m.date): m for m in marks}
    result = []
    for b in bookings:
        mark = marked.get((b.child_id, b.unit_id, b.date))
        if mark is not None and mark.state == "absent" and b.state == "reserved":
            b = replace(b, state="absent")
        result.append(b)
    charged = {(b.child_id, b.unit_id, b.date) for b in bookings if b.state in ("reserved", "absent")}
    result.extend(replace(m, state="unbooked", late=False) for key, m in marked.items()
                  if m.state == "present" and key not in charged)
    return result


def sibling_ranks(bookings: Sequence[Booking]) -> dict[tuple[int, int], int]:
    """(activity_id, child_id) -> rank among the family's children billed for that activity this month, eldest
    first (birth date, then id)."""
    per_activity: dict[int, dict[int, tuple]] = defaultdict(dict)
    for b in bookings:
        if b.state in CHARGED:
            per_activity[b.activity_id][b.child_id] = (b.birth_date or dt.date.min, b.child_id)
    ranks = {}
    for activity_id, children in per_activity.items():
        for rank, child_id in enumerate(sorted(children, key=children.get), start=1):
            ranks[(activity_id, child_id)] = rank
    return ranks


def bill_family(bookings: Sequence[Booking], tariffs: Sequence[TariffRule], history: Iterable[QfRecord],
                month: dt.date, now: dt.datetime, *, resident: bool = True) -> FamilyBill:
    """The invoice lines of a family for `month`: one line per child, activity, unit, kind and unit price, with its
    dates. Reserved days are billed; justified absences and waiting lists are not; an unjustified absence is billed
    at the tariff's "unjustified_absence" penalty (the full price when the tariff has none), a presence without
    booking ("unbooked", see apply_attendance) at its "no_booking" penalty (the same way); a late booking adds the
    "late_booking" surcharge. Days without a tariff are not billed and reported as anomalies ("no_tariff"); a family
    without QF is priced at the highest band and reported ("no_qf")."""
    history = list(history)
    quotient = quotient_for_month(history, month, now)
    ranks = sibling_ranks(bookings)
    lines: dict[tuple, Line] = {}
    anomalies: set[tuple[str, str]] = set()
    billable = [b for b in bookings if b.state in CHARGED and month_start(b.date) == month_start(month)]
    if billable and quotient is None:
        anomalies.add(("no_qf", ""))

    def add(b: Booking, kind: str, cents: int, quote: Quote | None, t: TariffRule) -> None:
        key = (b.child_id, b.activity_id, b.unit_id, kind, cents)
        line = lines.get(key)
        if line is None:
            line = lines[key] = Line(
                b.child_id, b.child_name, b.activity_id, b.activity_name, b.unit_label, kind, cents,
                quote.basis if quote else "", quote.band if quote else None,
                t.effort_rate_millis if t.kind == "effort" else None, quote.sibling_percent if quote else 0,
                sort_key=(b.birth_date or dt.date.min, b.child_id, b.activity_id, b.unit_position, b.unit_id,
                          LINE_ORDER.get(kind, 9), cents))
        line.dates.append(b.date)

    for b in sorted(billable, key=lambda b: b.date):
        t = tariff_for(tariffs, b.activity_id, b.unit_id, b.date)
        if t is None:
            anomalies.add(("no_tariff", f"{b.activity_name} – {b.unit_label}"))
            continue
        try:
            quote = unit_price(t, quotient, resident=resident, sibling_rank=ranks.get((b.activity_id, b.child_id), 1),
                               pai=b.pai)
        except NoPrice:
            anomalies.add(("no_price", f"{b.activity_name} – {b.unit_label}"))
            continue
        if b.state in ("absent", "unbooked"):
            kind = "unjustified_absence" if b.state == "absent" else "no_booking"
            charged = penalty_cents(t, kind, quote.price_cents)
            add(b, kind, quote.price_cents if charged is None else charged, quote, t)
            continue
        add(b, "pai" if quote.basis == "pai" else "booking", quote.price_cents, quote, t)
        if b.late:
            surcharge = penalty_cents(t, "late_booking", quote.price_cents)
            if surcharge:
                add(b, "late_booking", surcharge, quote, t)
    ordered = sorted(lines.values(), key=lambda line: line.sort_key)
    return FamilyBill([line for line in ordered if line.quantity], quotient, sorted(anomalies))


# --------------------------------------------------------------------------- numbers and dates


def format_number(kind: str, year: int, n: int) -> str:
    """ "F-2026-000123" (invoice), "AV-2026-000004" (credit note), "R-2026-000012" (counter receipt)."""
    return f"{NUMBER_PREFIX[kind]}-{year}-{n:06d}"


def default_due_date(issued_on: dt.date, days: int = 30) -> dt.date:
    """`days` after issuing, moved to the Monday after when it falls on a weekend (the counter is closed)."""
    due = issued_on + dt.timedelta(days=days)
    return due + dt.timedelta(days=(7 - due.weekday()) % 7) if due.weekday() >= 5 else due


def invoice_state(status: str, due_cents: int, due_date: dt.date, today: dt.date) -> str:
    """What a family reads for an invoice: "paid", "credited", "late" (unpaid after its due date) or "to_pay"."""
    if status == "credited":
        return "credited"
    if status == "paid" or due_cents <= 0:
        return "paid"
    return "late" if today > due_date else "to_pay"


def run_is_stale(heartbeat_at: dt.datetime, now: dt.datetime, minutes: int = 5) -> bool:
    """A running billing run whose process has not shown a sign of life for `minutes` was killed: it may be
    resumed."""
    return now - heartbeat_at > dt.timedelta(minutes=minutes)
