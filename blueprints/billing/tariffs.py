"""Back office: tariffs as data agents edit (/gestion/facturation/tarifs): the list per activity, a new tariff and
editing one. A new price from a date is a new tariff with that validity start: invoices already issued keep their
amounts (they copy them)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

import clock
from blueprints.billing import agents_only, bp, service, wording
from blueprints.billing.forms import BAND_ROWS_EXTRA, TariffForm
from blueprints.htmx import render
from models import Tariff, db
from schema.billing import PENALTY_KINDS


@bp.route("/gestion/facturation/tarifs")
@agents_only
def tariffs():
    """Tarifs: per activity, each tariff with its validity start, its grid or effort rate, penalties."""
    tariffs = service.all_tariffs()
    activities = service.activities_with_units()
    return render("billing/agents/tariffs.html", activities=activities, words=wording,
                  by_activity={a.id: [t for t in tariffs if t.activity_id == a.id] for a in activities})


def _targets():
    choices = [("", _("Choisissez"))]
    for activity in service.activities_with_units():
        choices.append((f"{activity.id}:", _("%(activity)s – tous les créneaux", activity=activity.name)))
        choices += [(f"{activity.id}:{unit.id}", f"{activity.name} – {unit.label}") for unit in activity.units]
    return choices


def _form(tariff: Tariff | None) -> TariffForm:
    form = TariffForm()
    form.target.choices = _targets()
    if tariff is not None and not form.is_submitted():
        form.target.data = f"{tariff.activity_id}:{tariff.unit_id or ''}"
        form.valid_from.data, form.kind.data = tariff.valid_from, tariff.kind
        form.effort_rate.data, form.floor.data = tariff.effort_rate_millis, tariff.floor_cents
        form.ceiling.data, form.non_resident_mode.data = tariff.ceiling_cents, tariff.non_resident_mode
        if tariff.non_resident_mode == "percent":
            form.non_resident_percent.data = tariff.non_resident_value
        elif tariff.non_resident_mode == "add":
            form.non_resident_add.data = tariff.non_resident_value
        form.sibling2_percent.data, form.sibling3_percent.data = tariff.sibling2_percent, tariff.sibling3_percent
        form.pai_price.data = tariff.pai_price_cents
        for penalty in tariff.penalties:
            sub = getattr(form, penalty.kind).form
            sub.amount.data, sub.percent.data = penalty.amount_cents or None, penalty.percent or None
        while len(form.bands) < len(tariff.bands) + BAND_ROWS_EXTRA:
            form.bands.append_entry()
        for entry, band in zip(form.bands, tariff.bands):
            entry.form.qf_min.data, entry.form.price.data = band.qf_min, band.price_cents
    elif not form.is_submitted():
        while len(form.bands) < 4 + BAND_ROWS_EXTRA:
            form.bands.append_entry()
        form.bands[0].form.qf_min.data = 0
    return form


def _values(form: TariffForm) -> service.TariffValues | None:
    ok = form.validate()
    bands = form.band_values()
    if not ok or any(e.form.qf_min.errors or e.form.price.errors for e in form.bands):
        return None
    activity_id, _sep, unit = form.target.data.partition(":")
    mode = form.non_resident_mode.data
    penalties = {}
    for kind in PENALTY_KINDS:
        sub = getattr(form, kind).form
        if sub.amount.data is not None or sub.percent.data is not None:
            penalties[kind] = (sub.amount.data or 0, sub.percent.data or 0)
    return service.TariffValues(
        activity_id=int(activity_id), unit_id=int(unit) if unit else None, valid_from=form.valid_from.data,
        kind=form.kind.data, bands=bands, effort_rate_millis=form.effort_rate.data, floor_cents=form.floor.data,
        ceiling_cents=form.ceiling.data, non_resident_mode=mode,
        non_resident_value=(form.non_resident_percent.data if mode == "percent" else form.non_resident_add.data) or 0,
        sibling2_percent=form.sibling2_percent.data or 0, sibling3_percent=form.sibling3_percent.data or 0,
        pai_price_cents=form.pai_price.data, penalties=penalties)


def _edit(tariff: Tariff | None):
    form = _form(tariff)
    problem = None
    if form.is_submitted():
        values = _values(form)
        if values is not None:
            try:
                saved = service.save_tariff(tariff, values, actor_id=current_user.id, now=clock.now())
            except service.TariffRefused as refused:
                db.session.rollback()
                problem = wording.TARIFF_PROBLEMS.get(refused.code) or {
                    "duplicate": _("Un autre tarif de cette activité et de ce créneau commence ce jour-là : "
                                   "modifiez-le ou choisissez une autre date."),
                    "unit": _("Choisissez l'activité et le créneau."),
                }[refused.code]
            else:
                db.session.commit()
                flash(_("Tarif enregistré : %(what)s, à partir du %(day)s.", what=_target_name(saved),
                        day=wording.day(saved.valid_from)), "success")
                return redirect(url_for(".tariffs"))
    while len(form.bands) < BAND_ROWS_EXTRA + 1:
        form.bands.append_entry()
    return render("billing/agents/tariff.html", form=form, tariff=tariff, problem=problem, words=wording,
                  penalty_kinds=PENALTY_KINDS)


def _target_name(tariff: Tariff) -> str:
    return f"{tariff.activity.name} – {tariff.unit.label if tariff.unit else _('tous les créneaux')}"


@bp.route("/gestion/facturation/tarifs/nouveau", methods=["GET", "POST"])
@agents_only
def tariff_new():
    """Ajouter un tarif."""
    return _edit(None)


@bp.route("/gestion/facturation/tarifs/<int:tariff_id>", methods=["GET", "POST"])
@agents_only
def tariff_edit(tariff_id: int):
    """Modifier un tarif."""
    return _edit(db.get_or_404(Tariff, tariff_id))
