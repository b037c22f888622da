"""The monthly agenda as data for templates: days, slots, states and locks (no Flask request code).

Built with a constant number of queries whatever the month (see service.py), so the page does not slow down as
the year fills up.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from dataclasses import dataclass, field

from blueprints.reservations import rules, service, wording


@dataclass
class SlotView:
    unit: object
    day: dt.date
    state: str | None
    full: bool
    position: int | None
    past: bool
    open_until: dt.datetime
    locked_since: dt.datetime | None
    editable: bool
    wanted: bool | None = None  # the box as last submitted, when a refused save shows the form again

    @property
    def key(self) -> str:
        return f"{self.unit.id}-{self.day.isoformat()}"

    @property
    def value(self) -> str:
        return f"{self.unit.id}:{self.day.isoformat()}"

    @property
    def checked(self) -> bool:
        return self.state is not None if self.wanted is None else self.wanted


@dataclass
class DayView:
    day: dt.date
    slots: list[SlotView] = field(default_factory=list)
    closed: object | None = None  # rules.Closed (public holiday, closure) when nothing runs that day

    @property
    def key(self) -> str:
        return self.day.isoformat()


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, pycalendar.monthrange(year, month)[1])


def slot_view(agenda: service.ChildAgenda, unit, day: dt.date, reservation, taken: int, position: int | None,
              now: dt.datetime, by_agent: bool) -> SlotView:
    """One slot's state and lock, as the rules see it at `now` (rules.slot_lock: the same deadline as decide)."""
    state = reservation.state if reservation is not None else None
    holds = state in rules.TAKEN_STATES
    lock = rules.slot_lock(state, day, agenda.booking_deadline(unit, day), agenda.cancel_deadline(unit, day), now,
                           by_agent)
    full = unit.capacity is not None and not holds and taken >= unit.capacity
    return SlotView(unit=unit, day=day, state=state, full=full, position=position, past=lock.past,
                    open_until=lock.until, locked_since=lock.until if lock.locked and not lock.past else None,
                    editable=lock.editable)


def build_month(agenda: service.ChildAgenda, year: int, month: int, now: dt.datetime,
                by_agent: bool = False) -> list[DayView]:
    """Every day of the month on which the child has an enrolled unit that runs (or a telling closure)."""
    start, end = month_bounds(year, month)
    reservations = service.child_reservations(agenda.child.id, start, end)
    capacity_units = [u.id for u in agenda.units.values() if u.capacity is not None]
    taken = service.taken_counts(capacity_units, start, end)
    positions = service.waiting_positions([r for r in reservations.values() if r.state == "waiting"])
    # The days each unit runs this month, asked of the rules once per unit (rules.open_days applies the same
    # day_status to the enrolled periods) rather than once per day and unit: see bench/README.md.
    runs = [(unit, set(rules.open_days(unit, unit.activity, agenda.periods.get(unit.activity_id, ()),
                                       agenda.closures, agenda.calendar, start, end)))
            for unit in agenda.units.values()]
    days: list[DayView] = []
    day = start
    while day <= end:
        view = DayView(day)
        for unit, open_days in runs:
            if day in open_days:
                key = (unit.id, day)
                view.slots.append(slot_view(agenda, unit, day, reservations.get(key), taken.get(key, 0),
                                            positions.get(key), now, by_agent))
        if view.slots:
            view.slots.sort(key=lambda s: (rules.SLOT_ORDER.get(s.unit.slot, 9), s.unit.activity.position, s.unit.id))
            days.append(view)
        else:
            view.closed = _telling_closure(agenda, day)
            if view.closed is not None:
                days.append(view)
        day += rules.ONE_DAY
    return days


def _telling_closure(agenda: service.ChildAgenda, day: dt.date):
    """Why nothing runs on `day` when it is worth saying (public holiday, closure), else None: the first enrolled
    unit's reason. School holidays are not listed day by day."""
    for unit in agenda.units.values():
        if day.weekday() in unit.weekday_set and agenda.enrolled(unit, day):
            status = agenda.status(unit, day)
            if not status and status.reason_code in ("public_holiday", "closure"):
                return status
    return None


def single_slot(agenda: service.ChildAgenda, unit, day: dt.date, now: dt.datetime,
                by_agent: bool = False) -> SlotView | None:
    """The view of one slot after a toggle (a few small queries, not the whole month)."""
    if unit.id not in agenda.units or not agenda.enrolled(unit, day) or not agenda.status(unit, day):
        return None
    reservation = service.child_reservations(agenda.child.id, day, day).get((unit.id, day))
    taken = service.taken_counts([unit.id], day, day).get((unit.id, day), 0) if unit.capacity is not None else 0
    position = service.waiting_positions([reservation]).get((unit.id, day)) if (
        reservation is not None and reservation.state == "waiting") else None
    return slot_view(agenda, unit, day, reservation, taken, position, now, by_agent)


def weeks(days: list[DayView]) -> list[tuple[int, dt.date, list[DayView]]]:
    """Days grouped by ISO week: (week number, Monday, days)."""
    grouped: dict[int, list[DayView]] = {}
    for d in days:
        grouped.setdefault(d.day.isocalendar()[1], []).append(d)
    return [(n, ds[0].day - dt.timedelta(days=ds[0].day.weekday()), ds) for n, ds in grouped.items()]


def policy_lines(agenda: service.ChildAgenda) -> list[tuple[str, str, str]]:
    """(activity name, booking sentence, cancelling sentence) for each enrolled activity."""
    return [(a.name, wording.policy_sentence(a.booking_policy, "book"),
             wording.policy_sentence(a.cancel_policy, "cancel")) for a in agenda.activities]


def shift_month(first_day: dt.date, delta: int) -> dt.date:
    """The first day of the month `delta` months after `first_day`'s."""
    index = first_day.year * 12 + first_day.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)
