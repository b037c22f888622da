"""Bulk booking: "Réserver les mêmes créneaux chaque semaine" for one child, and optionally its brothers and sisters.

A weekly pattern (slot label x weekday) becomes days, this month or up to the end of the enrolment period; the
days go through `blueprints.agenda.page.apply_many`: the same rules, the same capacity lock, the same audit trail as
the agenda. The routes hang on the reservations blueprint.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

import clock
from blueprints.access import get_child_or_404
from blueprints.agenda import bp
from blueprints.agenda.page import (
    apply_many,
    changes_only,
    pending,
)
from blueprints.htmx import render
from blueprints.reservations import month as month_view
from blueprints.reservations import rules, service, wording
from models import Person, Unit, db

MAX_DAYS = 400  # a safety net: a period is a school year at most


@dataclass
class SlotGroup:
    """One fieldset of the form: the child's units sharing a label ("Repas"), by weekday they run."""

    key: str  # stable part of the field names ("repas", "matin-vacances")
    label: str
    units: list[Unit] = field(default_factory=list)

    @property
    def weekdays(self) -> list[int]:
        return sorted({d for u in self.units for d in u.weekday_set})

    @property
    def activity_names(self) -> list[str]:
        return list(dict.fromkeys(u.activity.name for u in self.units))

    def units_on(self, weekday: int) -> list[Unit]:
        return [u for u in self.units if weekday in u.weekday_set]


@dataclass
class ChildResult:
    """What happened for one child: sentences done and refused, replays left as they were."""

    child: Person
    done: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    unchanged: int = 0
    enrolled: bool = True  # False: none of the chosen slots exists for this child
    asked: list[str] = field(default_factory=list)  # places others want: asked first, nothing saved for this child
    kept: list[str] = field(default_factory=list)  # the family answered "Non, garder": those places are kept


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "creneau"


def slot_groups(agenda: service.ChildAgenda) -> list[SlotGroup]:
    """The child's units grouped by label; holiday-only activities apart, so that a school-week pattern never books
    the holiday leisure centre by surprise."""
    groups: dict[str, SlotGroup] = {}
    units = sorted(agenda.units.values(), key=lambda u: (rules.SLOT_ORDER.get(u.slot, 9), u.activity.position, u.id))
    for unit in units:
        holidays = unit.activity.calendar == "holidays_only"
        key = _slug(unit.label) + ("-vacances" if holidays else "")
        label = _("%(label)s (vacances scolaires)", label=unit.label) if holidays else unit.label
        groups.setdefault(key, SlotGroup(key, label)).units.append(unit)
    return list(groups.values())


def weekday_name(weekday: int) -> str:
    return wording.weekday_name(weekday).capitalize()


def period_end(agenda: service.ChildAgenda, start: dt.date) -> dt.date | None:
    """Last day of the enrolment periods still running on `start` (None when none is)."""
    ends = [p.end_date for periods in agenda.periods.values() for p in periods if p.end_date >= start]
    return max(ends) if ends else None


def read_form(form, groups: list[SlotGroup], siblings: list[Person]) -> tuple[dict, list[tuple[str, str]]]:
    """The request as data ({group key: weekdays}, until, action, other children) and the errors (field id, text)
    in the order of the form. Unknown weekdays and children that are not the family's are ignored."""
    chosen = {}
    for group in groups:
        offered = set(group.weekdays)
        days = {int(v) for v in form.getlist(f"jours-{group.key}") if v.isdigit() and int(v) in offered}
        if days:
            chosen[group.key] = days
    sibling_ids = {c.id for c in siblings}
    others = [int(v) for v in form.getlist("autres") if v.isdigit() and int(v) in sibling_ids]
    data = {"chosen": chosen, "until": form.get("jusqua", ""), "action": form.get("action", ""),
            "others": list(dict.fromkeys(others))}
    errors = []
    if not chosen and groups:
        errors.append((f"jours-{groups[0].key}-{groups[0].weekdays[0]}", _("Cochez au moins un jour de la semaine.")))
    if data["until"] not in ("mois", "periode"):
        errors.append(("jusqua-mois", _("Choisissez jusqu'à quand réserver ces créneaux.")))
    if data["action"] not in ("reserver", "annuler"):
        errors.append(("action-reserver", _("Choisissez de réserver ou d'annuler ces créneaux.")))
    return data, errors


def wanted_for(agenda: service.ChildAgenda, units_by_weekday: dict[int, list[Unit]], days: list[dt.date],
               want: bool) -> dict[tuple[int, dt.date], bool]:
    """The (unit, day) requests of a weekly pattern, on the days the child is enrolled and the unit runs."""
    wanted = {}
    for day in days:
        for unit in units_by_weekday.get(day.weekday(), ()):
            if agenda.enrolled(unit, day) and agenda.status(unit, day):
                wanted[(unit.id, day)] = want
    return wanted


def matching_units(agenda: service.ChildAgenda, units_by_weekday: dict[int, list[Unit]]) -> dict[int, list[Unit]]:
    """For a brother or sister: their units with the same slot in the same activity (code), weekday by weekday."""
    theirs = {(u.activity.code, u.slot): u for u in agenda.units.values()}
    return {weekday: [theirs[key] for key in dict.fromkeys((u.activity.code, u.slot) for u in units)
                      if key in theirs and weekday in theirs[key].weekday_set]
            for weekday, units in units_by_weekday.items()}


def apply_pattern(child: Person, agenda: service.ChildAgenda, units_by_weekday, days, want: bool,
                  answer: str | None = None) -> ChildResult:
    """Apply the pattern to one child through apply_many and phrase each outcome. Giving up a place that others
    want (a full day, a waiting list) is asked first, as on the agenda: with no `answer` nothing is saved for this
    child and the places are listed in `asked`; "1" gives them up; "0" keeps them and saves the rest."""
    result = ChildResult(child)
    if not any(units_by_weekday.values()):
        result.enrolled = False
        return result
    wanted = wanted_for(agenda, units_by_weekday, days, want)
    changes = changes_only(child, wanted)
    result.unchanged = len(wanted) - len(changes)
    outcomes = apply_many(child, changes, agenda=agenda, confirmed=answer == "1")
    asked = pending(outcomes)
    if asked and answer != "0":
        result.asked = [wording.asked_text(o) for o in asked]
        return result
    if asked:  # "Non, garder ces places": the rest is saved, those places are kept
        keys = {(o.unit.id, o.day) for o in asked}
        outcomes = apply_many(child, {k: w for k, w in changes.items() if k not in keys}, agenda=agenda,
                              confirmed=False)
        if pending(outcomes):  # someone joined a waiting list meanwhile: ask again, nothing saved
            result.asked = [wording.asked_text(o) for o in asked + pending(outcomes)]
            return result
        result.kept = [wording.kept_text(o.decision.question, wording.slot_day(o.unit, o.day)) for o in asked]
    for outcome in outcomes:
        text = wording.outcome_text(outcome, child.first_name)
        if outcome.decision.refusal is not None:
            result.refused.append(text)
        elif outcome.decision.changed:
            result.done.append(text)
        else:
            result.unchanged += 1
    return result


@bp.route("/enfants/<int:child_id>/agenda/<month:ym>/semaine-type", methods=["GET", "POST"])
def weekly_pattern(child_id: int, ym: dt.date):
    """Réserver (ou annuler) les mêmes créneaux chaque semaine, ce mois-ci ou jusqu'à la fin de la période."""
    child = get_child_or_404(child_id)
    first, last = month_view.month_bounds(ym.year, ym.month)
    start = max(first, clock.today() + rules.ONE_DAY)  # today has started: it can no longer change
    agenda = service.load_agenda(child, first, last)
    groups = slot_groups(agenda)
    end_of_period = period_end(agenda, start)
    siblings = [c for c in child.family.children if c.id != child.id]
    context = {"child": child, "first_day": first, "last_day": last, "groups": groups,
               "siblings": [(c.id, c.first_name) for c in siblings],
               "end_of_period": end_of_period, "weekday_name": weekday_name,
               "month_url": url_for(".month", child_id=child.id, ym=first),
               "data": {"chosen": {}, "until": "mois", "action": "reserver", "others": []}, "errors": []}
    if request.method == "GET" or not groups:
        return render("reservations/bulk.html", **context)

    data, errors = read_form(request.form, groups, siblings)
    end = last if data["until"] == "mois" else max(end_of_period or last, last)
    if not errors and start > end:
        errors.append(("jusqua-mois", _("Ce mois-ci est terminé : choisissez « Jusqu'à la fin de la période ».")))
    weekdays = set().union(*data["chosen"].values())
    days = rules.weekly_pattern_days(start, min(end, start + dt.timedelta(days=MAX_DAYS)), weekdays)
    if errors:
        return render("reservations/bulk.html", **{**context, "data": data, "errors": errors, "page_errors": True})
    answer = request.form.get("reponse") if request.form.get("reponse") in ("0", "1") else None
    results = apply_to_children(child, groups, data, days, (start, end), answer)
    asked = [r for r in results if r.asked]
    return render("reservations/bulk.html", **{**context, "data": data, "results": results, "asked": asked})


def apply_to_children(child: Person, groups: list[SlotGroup], data: dict, days: list[dt.date],
                      span: tuple[dt.date, dt.date], answer: str | None = None) -> list[ChildResult]:
    """The pattern for the child, then for each chosen brother or sister (their own agenda, their own units)."""
    by_key = {g.key: g for g in groups}
    units_by_weekday: dict[int, list[Unit]] = {}
    for key, weekdays in data["chosen"].items():
        for weekday in weekdays:
            units_by_weekday.setdefault(weekday, []).extend(by_key[key].units_on(weekday))
    want = data["action"] == "reserver"
    full_agenda = service.load_agenda(child, *span)  # closures and deadlines over the whole span
    results = [apply_pattern(child, full_agenda, units_by_weekday, days, want, answer)]
    for other_id in data["others"]:
        other = db.session.get(Person, other_id)
        other_agenda = service.load_agenda(other, *span)
        results.append(apply_pattern(other, other_agenda, matching_units(other_agenda, units_by_weekday), days, want,
                                     answer))
    flash(summary(results, want), "success")
    return results


def summary(results: list[ChildResult], want: bool) -> str:
    """One sentence for the live region: what was done, what was refused, for everyone."""
    done = sum(len(r.done) for r in results)
    refused = sum(len(r.refused) for r in results)
    asked = sum(len(r.asked) for r in results)
    text = (ngettext("%(num)d créneau réservé ou mis en liste d'attente.",
                     "%(num)d créneaux réservés ou mis en liste d'attente.", done) if want
            else ngettext("%(num)d créneau annulé.", "%(num)d créneaux annulés.", done))
    if asked and not done:
        text = ngettext("%(num)d place à libérer : répondez à la question ci-dessous.",
                        "%(num)d places à libérer : répondez à la question ci-dessous.", asked)
    elif asked:
        text += " " + ngettext("%(num)d place à libérer : répondez à la question ci-dessous.",
                               "%(num)d places à libérer : répondez à la question ci-dessous.", asked)
    if refused:
        text += " " + ngettext("%(num)d refusé : voir le détail ci-dessous.",
                               "%(num)d refusés : voir le détail ci-dessous.", refused)
    return text
