"""Rules of the pointage and of the central kitchen's orders: plain functions, no database, no Flask, no clock
(`now` and `today` are parameters).

Pointage: who is expected (booked), what a mark may be, the day's totals.
Kitchen: when the indicative (J-15) and firm (J-3) orders of a day fall due, which orders are due at `now`, the
meal counts of a day by site and diet, and the delta between what was sent and what is booked now.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
ONE_DAY = dt.timedelta(days=1)

# Booking states that make a child expected on the list (an absence signalled keeps the child on it, marked so).
EXPECTED_STATES = ("reserved", "absent", "justified")
MARKS = ("present", "absent")

# --------------------------------------------------------------------------- pointage


def mark_problem(status: str, day: dt.date, today: dt.date) -> str | None:
    """Why a mark cannot be recorded (a code), or None: an unknown status, or a day still to come."""
    if status not in MARKS:
        return "status"
    if day > today:
        return "future"
    return None


@dataclass
class Totals:
    """The day's figures of a list: expected (booked) children, marked present, absent, not marked yet, and
    children present without a booking."""

    expected: int = 0
    present: int = 0
    absent: int = 0
    unmarked: int = 0
    unbooked_present: int = 0

    @property
    def present_all(self) -> int:
        return self.present + self.unbooked_present


def totals(expected_ids: Iterable[int], marks: dict[int, str]) -> Totals:
    """Totals of a list: `expected_ids` the booked children, `marks` {child id: "present" | "absent"} (booked or
    not)."""
    expected = set(expected_ids)
    result = Totals(expected=len(expected))
    for child_id in expected:
        status = marks.get(child_id)
        if status == "present":
            result.present += 1
        elif status == "absent":
            result.absent += 1
        else:
            result.unmarked += 1
    result.unbooked_present = sum(1 for child_id, status in marks.items()
                                  if child_id not in expected and status == "present")
    return result


# --------------------------------------------------------------------------- kitchen orders


@dataclass(frozen=True)
class KitchenPolicy:
    """When the orders of a day are due: `indicative_days` and `firm_days` calendar days before, at `cutoff`."""

    indicative_days: int = 15
    firm_days: int = 3
    cutoff: dt.time = dt.time(10, 0)


def order_deadline(day: dt.date, days_before: int, cutoff: dt.time) -> dt.datetime:
    """The instant the order of `day` is due: `days_before` calendar days before it, at `cutoff` Paris time
    (aware, UTC)."""
    local = dt.datetime.combine(day - dt.timedelta(days=days_before), cutoff, PARIS)
    return local.astimezone(dt.timezone.utc)


def stage_of(day: dt.date, now: dt.datetime, policy: KitchenPolicy) -> str | None:
    """Where the order of `day` stands at `now`: "firm" once the firm deadline has passed, "indicative" once the
    indicative one has, None before; None too once the day is over (nothing more to send)."""
    if now.astimezone(PARIS).date() > day:
        return None
    if now >= order_deadline(day, policy.firm_days, policy.cutoff):
        return "firm"
    if now >= order_deadline(day, policy.indicative_days, policy.cutoff):
        return "indicative"
    return None


def days_to_consider(now: dt.datetime, policy: KitchenPolicy) -> list[dt.date]:
    """The days whose orders may be due at `now`: from today to the last day the indicative deadline reaches."""
    today = now.astimezone(PARIS).date()
    return [today + dt.timedelta(days=n) for n in range(policy.indicative_days + 1)]


@dataclass(frozen=True)
class Due:
    """An order to send: the day, its stage ("indicative", "firm" or "update"), and for an update the counts last
    sent (to say the delta)."""

    day: dt.date
    stage: str
    previous: dict | None = None


def orders_due(now: dt.datetime, policy: KitchenPolicy, sent: dict[dt.date, list[tuple[str, dict]]],
               current: dict[dt.date, dict]) -> list[Due]:
    """The orders to send at `now`. `sent`: for each day, the (stage, counts) already sent, oldest first;
    `current`: each day's counts now (days without meals may be absent or empty).

    A day gets its indicative order once its indicative deadline has passed, its firm order once the firm one has
    (the indicative one is skipped when the firm one is already due), then an update whenever its counts differ
    from the last sent. Idempotent: what was sent is never due again."""
    due = []
    for day in days_to_consider(now, policy):
        stage = stage_of(day, now, policy)
        if stage is None:
            continue
        counts = current.get(day) or {}
        history = sent.get(day, [])
        stages = {s for s, _ in history}
        if stage == "firm" and "firm" not in stages:
            if counts or history:
                due.append(Due(day, "firm"))
        elif stage == "indicative" and not stages:
            if counts:
                due.append(Due(day, "indicative"))
        elif "firm" in stages and history and history[-1][1] != counts:
            due.append(Due(day, "update", history[-1][1]))
    return due


# Keys of a day's counts that are not diet labels: the meal without a particular diet, and the adults.
STANDARD = ""
ADULTS = "~adultes"


def alphabetical(text: str) -> str:
    """Sort key of a name in French order ("École" among the E, not after Z)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _diet_order(diet: str) -> tuple:
    return (diet != STANDARD, diet == ADULTS, alphabetical(diet))


def counts_by_site(rows: Iterable[tuple[str, str]], adults: dict[str, int] | None = None) -> dict[str, dict[str, int]]:
    """Meals of a day by site and diet, from one (site name, diet label) per booked meal ("" = no particular
    diet, STANDARD); adults per site under ADULTS. Sites sorted; in each, the standard meal first, adults last."""
    found: dict[str, dict[str, int]] = {}
    for site, diet in rows:
        bucket = found.setdefault(site, {})
        bucket[diet or STANDARD] = bucket.get(diet or STANDARD, 0) + 1
    for site, n in (adults or {}).items():
        if n:
            found.setdefault(site, {})[ADULTS] = n
    return {site: dict(sorted(diets.items(), key=lambda kv: _diet_order(kv[0])))
            for site, diets in sorted(found.items(), key=lambda kv: alphabetical(kv[0]))}


def total(counts: dict[str, dict[str, int]], *, adults: bool = True) -> int:
    """All the meals of a day's counts (children and, unless told otherwise, adults)."""
    return sum(n for diets in counts.values() for diet, n in diets.items() if adults or diet != ADULTS)


@dataclass(frozen=True)
class Change:
    """One figure that changed since the last order: site, diet, before, after."""

    site: str
    diet: str
    before: int
    after: int

    @property
    def difference(self) -> int:
        return self.after - self.before


def delta(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]]) -> list[Change]:
    """The figures that differ between two counts, by site then diet."""
    changes = []
    for site in sorted(set(before) | set(after), key=alphabetical):
        old, new = before.get(site, {}), after.get(site, {})
        for diet in sorted(set(old) | set(new), key=_diet_order):
            if old.get(diet, 0) != new.get(diet, 0):
                changes.append(Change(site, diet, old.get(diet, 0), new.get(diet, 0)))
    return changes


def diet_columns(counts: dict[str, dict[str, int]]) -> list[str]:
    """The diets of a day's table (its columns): the standard meal first, adults last."""
    return sorted({diet for diets in counts.values() for diet in diets}, key=_diet_order)
