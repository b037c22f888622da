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
    name: str = ""  # the slot's name on the agenda (wording.unit_name): its label, with its service if ambiguous
    promote_until: dt.datetime | None = None  # a waiting-list entry: until when a freed place is given to it
    wanted: bool | None = None  # the box as last submitted, when a refused save shows the form again
    refusal: str | None = None  # why the last change of this slot was not saved, shown next to its control
    question: str | None = None  # a change waiting for the family's answer (rules.confirmation code)

    @property
    def key(self) -> str:
        return f"{self.unit.id}-{self.day.isoformat()}"

    @property
    def value(self) -> str:
        return f"{self.unit.id}:{self.day.isoformat()}"

    @property
    def checked(self) -> bool:
        return self.state is not None if self.wanted is None else self.wanted

    @property
    def joins(self) -> bool:
        """A full day not booked: its box joins the waiting list."""
        return self.full and self.state is None


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
              now: dt.datetime, by_agent: bool, name: str | None = None) -> SlotView:
    """One slot's state and lock, as the rules see it at `now` (rules.slot_lock: the same deadline as decide)."""
    state = reservation.state if reservation is not None else None
    holds = state in rules.TAKEN_STATES
    cancel_deadline = agenda.cancel_deadline(unit, day)
    lock = rules.slot_lock(state, day, agenda.booking_deadline(unit, day), cancel_deadline, now, by_agent)
    full = unit.capacity is not None and not holds and taken >= unit.capacity
    promote = rules.promotion_deadline(day, cancel_deadline) if state == "waiting" else None
    return SlotView(unit=unit, day=day, state=state, full=full, position=position, past=lock.past,
                    open_until=lock.until, locked_since=lock.until if lock.locked and not lock.past else None,
                    editable=lock.editable, name=name or unit.label,
                    promote_until=promote if promote is not None and now < promote else None)


def slot_names(units) -> dict[int, str]:
    """The name of each of the child's units on the agenda: the label alone, or with its service when the child
    has that label in two activities (wording.unit_name). `units`: all the child's enrolled units."""
    activities: dict[str, set[int]] = {}
    for unit in units:
        activities.setdefault(unit.label, set()).add(unit.activity_id)
    return {unit.id: wording.unit_name(unit, len(activities[unit.label]) > 1) for unit in units}


def build_month(agenda: service.ChildAgenda, year: int, month: int, now: dt.datetime,
                by_agent: bool = False) -> list[DayView]:
    """Every day of the month on which the child has an enrolled unit that runs (or a telling closure)."""
    return build_days(agenda, *month_bounds(year, month), now, by_agent)


def build_days(agenda: service.ChildAgenda, start: dt.date, end: dt.date, now: dt.datetime,
               by_agent: bool = False, refusals: dict[str, str] | None = None) -> list[DayView]:
    """Every day from `start` to `end` on which the child has an enrolled unit that runs (or a telling closure).
    `refusals`: slot key -> the line a refused slot shows (a no-JS save just refused it)."""
    reservations = service.child_reservations(agenda.child.id, start, end)
    capacity_units = [u.id for u in agenda.units.values() if u.capacity is not None]
    taken = service.taken_counts(capacity_units, start, end)
    positions = service.waiting_positions([r for r in reservations.values() if r.state == "waiting"])
    names = slot_names(agenda.units.values())
    refusals = refusals or {}
    # The days each unit runs, asked of the rules once per unit (rules.open_days applies the same day_status to the
    # enrolled periods) rather than once per day and unit: see bench/README.md.
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
                slot = slot_view(agenda, unit, day, reservations.get(key), taken.get(key, 0), positions.get(key), now,
                                 by_agent, names[unit.id])
                slot.refusal = refusals.get(slot.key)
                view.slots.append(slot)
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


_UNKNOWN = object()


def single_slot(agenda: service.ChildAgenda, unit, day: dt.date, now: dt.datetime,
                by_agent: bool = False, name: str | None = None, reservation=_UNKNOWN, taken: int | None = None,
                position=_UNKNOWN) -> SlotView | None:
    """The view of one slot after a toggle (a few small queries, not the whole month). `name`: its name on the
    agenda when the caller knows it (else service.label_elsewhere, in memory). `reservation`, `taken` and
    `position`: the child's row for the slot (None for no row), the places held that day and the waiting-list rank,
    when the caller has them (the toggle's outcome), else they are read."""
    if unit.id not in agenda.units or not agenda.enrolled(unit, day) or not agenda.status(unit, day):
        return None
    if reservation is _UNKNOWN:
        reservation = service.child_reservations(agenda.child.id, day, day).get((unit.id, day))
    if unit.capacity is None:
        taken = 0
    elif taken is None:
        taken = service.taken_counts([unit.id], day, day).get((unit.id, day), 0)
    if reservation is None or reservation.state != "waiting":
        position = None
    elif position is _UNKNOWN or position is None:
        position = service.waiting_positions([reservation]).get((unit.id, day))
    name = name or wording.unit_name(unit, service.label_elsewhere(agenda, unit))
    return slot_view(agenda, unit, day, reservation, taken, position, now, by_agent, name)


@dataclass
class WeekView:
    """One week of the agenda (ISO week `number`, from `monday`): its days, and the school holidays it falls in."""

    number: int
    monday: dt.date
    days: list[DayView]
    holiday: str | None = None

    @property
    def key(self) -> str:
        return self.monday.isoformat()


def weeks(days: list[DayView], calendar: rules.CommuneCalendar | None = None, start: dt.date | None = None,
          end: dt.date | None = None) -> list[WeekView]:
    """The weeks from `start` to `end` (else those of `days`), with their days and their school holidays. A week
    without any day for the child is kept when it is a school-holiday week, to say so rather than show nothing."""
    if start is None or end is None:
        if not days:
            return []
        start, end = days[0].day, days[-1].day
    result = []
    monday = start - dt.timedelta(days=start.weekday())
    while monday <= end:
        sunday = monday + dt.timedelta(days=6)
        week_days = [d for d in days if monday <= d.day <= sunday]
        holiday = None
        if calendar is not None:
            workdays = (monday + dt.timedelta(days=i) for i in range(5))
            holiday = next((name for d in workdays if start <= d <= end
                            for name in [calendar.school_holiday_name(d)] if name), None)
        if week_days or holiday:
            result.append(WeekView(monday.isocalendar()[1], monday, week_days, holiday))
        monday += dt.timedelta(days=7)
    return result


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of `day`'s week."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def month_of_week(monday: dt.date) -> dt.date:
    """The first day of the month a week is mostly in (its Thursday's, as ISO weeks count)."""
    return (monday + dt.timedelta(days=3)).replace(day=1)


def policy_lines(agenda: service.ChildAgenda) -> list[tuple[str, str, str]]:
    """(activity name, booking sentence, cancelling sentence) for each enrolled activity."""
    return [(a.name, wording.policy_sentence(a.booking_policy, "book"),
             wording.policy_sentence(a.cancel_policy, "cancel")) for a in agenda.activities]


def shift_month(first_day: dt.date, delta: int) -> dt.date:
    """The first day of the month `delta` months after `first_day`'s."""
    index = first_day.year * 12 + first_day.month - 1 + delta
    return dt.date(index // 12, index % 12 + 1, 1)
