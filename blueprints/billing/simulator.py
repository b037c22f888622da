"""Public "Simulateur de tarifs" (/tarifs/simulateur, no account needed): choose activities, give a QF or say "je
ne connais pas mon QF", living in the commune or not, how many children: the price of each unit in force today and
an example month (four weeks of the unit's days). A GET form (it changes nothing). Signed in as a parent, it opens
prefilled with the family's QF in force this month, its residence and its children."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from flask_login import current_user

import clock
from blueprints.billing import bp, rules, service, wording
from blueprints.billing.forms import SimulatorForm
from blueprints.htmx import render
from models import Family, Person, db

EXAMPLE_WEEKS = 4


@dataclass
class SimulatedUnit:
    label: str
    prices: list[tuple[int, int]]  # (child rank, cents)
    days: int  # in the example month, per child
    month_cents: int
    basis: str


def _prefill(form: SimulatorForm, activities) -> bool:
    """Fill the form from the signed-in family when the page is opened without answers."""
    if request.args or not current_user.is_authenticated or current_user.is_agent or not current_user.family_id:
        return False
    family = db.session.get(Family, current_user.family_id)
    if family is None:
        return False
    history = service.quotient_histories([family.id])[family.id]
    quotient = rules.quotient_for_month(history, clock.today(), clock.now())
    form.qf_known.data = "yes" if quotient is not None else "no"
    form.quotient.data = quotient
    form.resident.data = "yes" if service.family_is_resident(family) else "no"
    children = db.session.query(Person).filter_by(family_id=family.id, role="child").count()
    form.children.data = max(1, min(children, 10))
    form.activities.data = [str(a.id) for a in activities]
    return True


def simulate(activities, tariffs, form: SimulatorForm, today):
    quotient = form.quotient.data if form.qf_known.data == "yes" else None
    resident = form.resident.data != "no"
    children = form.children.data or 1
    results = []
    for activity in activities:
        if str(activity.id) not in (form.activities.data or []):
            continue
        units = []
        for unit in activity.units:
            tariff = rules.tariff_for(tariffs, activity.id, unit.id, today)
            if tariff is None:
                continue
            try:
                quotes = [(rank, rules.unit_price(tariff, quotient, resident=resident, sibling_rank=rank))
                          for rank in range(1, children + 1)]
            except rules.NoPrice:
                continue
            days = EXAMPLE_WEEKS * len(unit.weekday_set)
            units.append(SimulatedUnit(
                unit.label, [(rank, q.price_cents) for rank, q in quotes], days,
                sum(q.price_cents for _rank, q in quotes) * days,
                wording.pricing_text(quotes[0][1].basis, quotes[0][1].band,
                                     tariff.effort_rate_millis if tariff.kind == "effort" else None)))
        results.append((activity, units))
    return results


@bp.route("/tarifs/simulateur")
def simulator():
    """Simulateur de tarifs: the form, and the prices once it is filled in."""
    activities = [a for a in service.activities_with_units()]
    tariffs = service.tariff_rules()
    today = clock.today()
    priced = {t.activity_id for t in tariffs if t.valid_from <= today}
    activities = [a for a in activities if a.id in priced]
    form = SimulatorForm(request.args)
    form.activities.choices = [(str(a.id), a.name) for a in activities]
    prefilled = _prefill(form, activities)
    results, checked = None, False
    if request.args or prefilled:
        checked = prefilled or form.validate()
        if form.qf_known.data == "yes" and form.quotient.data is None and not form.quotient.errors and checked:
            form.quotient.errors = [wording.QF_NEEDED]
            checked = False
        if checked:
            results = simulate(activities, tariffs, form, today)
    return render("billing/simulator.html", form=form, results=results, words=wording, today=today,
                  weeks=EXAMPLE_WEEKS, prefilled=prefilled)
