"""Back office: activities as data agents edit (deadlines, units, periods, closures).

Routes only: a form is read into plain values and handed to blueprints/activities/service.py, which writes them
and cancels or promotes what they touch; e-mails leave after the commit (blueprints/notify.py). What is saved
here is what the family agenda applies at once.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

import clock
from blueprints.activities import service as settings_service
from blueprints.backoffice import bp
from blueprints.backoffice.forms import NO_POLICY, ActivityForm, ClosureForm
from blueprints.forms import EmptyForm, flat_errors
from blueprints.htmx import render
from blueprints.notify import notify_cancelled, notify_promoted
from blueprints.reservations import month as month_view
from blueprints.reservations import rules, service, wording
from models import Activity, Closure, DeadlinePolicy, Reservation, Unit, db


def _load(stmt):
    """Activities with what their pages show (units, periods, policies) in a few queries."""
    return stmt.options(selectinload(Activity.units), selectinload(Activity.periods),
                        selectinload(Activity.booking_policy), selectinload(Activity.cancel_policy))


def get_activity_or_404(activity_id: int) -> Activity:
    """The activity with its units, periods and policies, or 404."""
    activity = db.session.execute(_load(select(Activity).where(Activity.id == activity_id))).scalar_one_or_none()
    if activity is None:
        abort(404)
    return activity


def weekday_names(unit: Unit) -> str:
    """"lundi, mardi, jeudi, vendredi"."""
    return ", ".join(wording.weekday_name(d) for d in sorted(unit.weekday_set))


def commune_hours() -> int:
    """The commune's window to justify an absence (what an activity without its own applies)."""
    settings = service.commune()
    return rules.justification_window(None, settings.absence_justification_hours if settings else None)


@bp.route("/activites")
def activities():
    """Activités: each with its deadlines in words, its units (days, places) and its periods."""
    rows = db.session.execute(_load(select(Activity).order_by(Activity.position, Activity.id))).scalars().all()
    return render("backoffice/activities.html", activities=rows, sentence=wording.policy_sentence,
                  weekday_names=weekday_names, ym=clock.today(), default_hours=commune_hours())


# --------------------------------------------------------------------------- settings


def _policy_data(policy: DeadlinePolicy | None) -> dict:
    if policy is None:
        return {"kind": NO_POLICY}
    return {"kind": policy.kind, "days": policy.days if policy.kind != "weekday_before" else None,
            "weekday": policy.weekday, "cutoff": policy.cutoff}


def form_data(activity: Activity) -> dict:
    """The activity as the settings form shows it."""
    return {
        "booking": _policy_data(activity.booking_policy),
        "cancel": _policy_data(activity.cancel_policy),
        "absence_justification_hours": activity.absence_justification_hours,
        "units": [{"unit_id": u.id, "label": u.label, "weekdays": sorted(u.weekday_set), "capacity": u.capacity}
                  for u in activity.units],
        "periods": [{"period_id": p.id, "name": p.name, "start_date": p.start_date, "end_date": p.end_date}
                    for p in activity.periods],
    }


def _policy_values(sub) -> settings_service.PolicyValues:
    kind = sub.kind.data
    if kind == NO_POLICY:
        return None
    weekday = sub.weekday.data if kind == "weekday_before" else None
    days = sub.days.data if kind != "weekday_before" else 0
    return kind, days, weekday, sub.cutoff.data.replace(second=0, microsecond=0)


def _id(value) -> int:
    return int(value) if str(value or "").isdigit() and len(str(value)) < 10 else 0  # 0: no such row


def settings_from(form: ActivityForm) -> settings_service.ActivitySettings:
    """A valid form as plain values for the service."""
    return settings_service.ActivitySettings(
        booking=_policy_values(form.booking.form), cancel=_policy_values(form.cancel.form),
        justification_hours=form.absence_justification_hours.data,
        units=tuple(settings_service.UnitSettings(_id(e.form.unit_id.data), e.form.label.data.strip(),
                                            frozenset(e.form.weekdays.data), e.form.capacity.data)
                    for e in form.units),
        periods=tuple(settings_service.PeriodSettings(_id(e.form.period_id.data), e.form.name.data.strip(),
                                                e.form.start_date.data, e.form.end_date.data)
                      for e in form.periods))


def stranded_message(stranded: list[Reservation], shown: int = 3) -> str:
    """"12 réservations de 5 enfants tombent sur des jours retirés (lundi 30 novembre, …). Cochez la case…"."""
    days = sorted({r.date for r in stranded})
    listed = ", ".join(wording.format_date(d) for d in days[:shown]) + (", …" if len(days) > shown else "")
    children = len({r.child_id for r in stranded})
    bookings = ngettext("%(num)d réservation", "%(num)d réservations", len(stranded))
    of = ngettext("d'un enfant", "de %(num)d enfants", children)
    falls = (ngettext("tombe sur un jour retiré", "tombe sur des jours retirés", len(days)) if len(stranded) == 1
             else ngettext("tombent sur un jour retiré", "tombent sur des jours retirés", len(days)))
    return _("%(bookings)s %(of)s %(falls)s (%(days)s). Cochez la case pour les annuler et prévenir les familles, "
             "ou gardez ces jours.", bookings=bookings, of=of, falls=falls, days=listed)


def edit_page(activity: Activity, form: ActivityForm, closure_form: ClosureForm, problems=()):
    """The settings page with both of its forms; errors of either are listed in one summary."""
    errors = [*problems, *flat_errors(form), *flat_errors(closure_form)]
    today = clock.today()
    closures = settings_service.closures_from(activity.id, month_view.shift_month(today.replace(day=1), -1))
    return render("backoffice/activity_edit.html", activity=activity, form=form, closure_form=closure_form,
                  errors=errors, page_errors=bool(errors), closures=closures, sentence=wording.policy_sentence,
                  ym=today, format_date=wording.format_date, default_hours=commune_hours())


def flash_saved(activity: Activity, saved: settings_service.Saved) -> None:
    flash(_("Paramètres de « %(name)s » enregistrés.", name=activity.name), "success")
    if saved.cancelled:
        flash(ngettext("%(num)d réservation ou place en liste d'attente sur un jour retiré a été annulée "
                       "(famille prévenue par e-mail).",
                       "%(num)d réservations ou places en liste d'attente sur des jours retirés ont été "
                       "annulées (familles prévenues par e-mail).", len(saved.cancelled)), "success")
    promoted = sum(len(o.promoted) for o in saved.promoted)
    if promoted:
        flash(ngettext("%(num)d enfant de la liste d'attente a obtenu une place (famille prévenue par e-mail).",
                       "%(num)d enfants de la liste d'attente ont obtenu une place (familles prévenues par "
                       "e-mail).", promoted), "success")


@bp.route("/activites/<int:activity_id>", methods=["GET", "POST"])
def activity_edit(activity_id: int):
    """Paramètres d'une activité: deadlines, justification window, units, periods (saved whole or not at all)."""
    activity = get_activity_or_404(activity_id)
    form = ActivityForm() if request.method == "POST" else ActivityForm(data=form_data(activity))
    blank_closure = ClosureForm(prefix="closure", formdata=None)
    if not form.validate_on_submit():
        return edit_page(activity, form, blank_closure)
    settings = settings_from(form)
    if not settings_service.matches(settings, activity):
        return edit_page(activity, form, blank_closure, [("", _(
            "Les créneaux ou les périodes de cette activité ont changé depuis l'ouverture de la page : "
            "rechargez-la, puis recommencez. Rien n'a été enregistré."))])
    confirmed = bool(form.confirm_cancellations.data)
    saved = settings_service.save_settings(
        activity, settings, clock.now(), actor_id=current_user.id, confirmed=confirmed,
        removed_reason=_("Jour retiré du calendrier de l'activité"),
        raised_reason=_("Places ajoutées par le service : inscription depuis la liste d'attente"))
    if saved.stranded and not confirmed:
        db.session.rollback()  # nothing saved: the agent confirms or keeps these days
        form.confirm_cancellations.errors = [stranded_message(saved.stranded)]
        return edit_page(get_activity_or_404(activity_id), form, blank_closure)
    db.session.commit()
    notify_cancelled(saved.cancelled, _("« %(name)s » : réservations annulées sur des jours retirés",
                                        name=activity.name), "reservations/mail_days_removed", activity=activity)
    notify_promoted(saved.promoted)
    flash_saved(activity, saved)
    return redirect(url_for(".activity_edit", activity_id=activity.id))


# --------------------------------------------------------------------------- closures


def closure_sentence(day, counts: settings_service.ClosureCounts, *, done: bool) -> str:
    """"Fermeture du vendredi 18 décembre : 12 réservations et 3 places en liste d'attente seront annulées,
    9 familles prévenues par e-mail." (before), or "… ajoutée : … annulées, …" (after)."""
    when = wording.format_date(day)
    if counts.nothing:
        return (_("Fermeture du %(day)s ajoutée : il n'y avait aucune réservation ni place en liste d'attente à "
                  "annuler.", day=when) if done else
                _("Fermeture du %(day)s : aucune réservation ni place en liste d'attente ce jour-là, aucune famille à "
                  "prévenir.", day=when))
    parts = []
    if counts.reserved:
        parts.append(ngettext("%(num)d réservation", "%(num)d réservations", counts.reserved))
    if counts.waiting:
        parts.append(ngettext("%(num)d place en liste d'attente", "%(num)d places en liste d'attente", counts.waiting))
    total = counts.reserved + counts.waiting
    if done:
        verb = ngettext("annulée", "annulées", total)
    else:
        verb = ngettext("sera annulée", "seront annulées", total)
    told = (ngettext("%(num)d famille prévenue par e-mail", "%(num)d familles prévenues par e-mail", counts.families)
            if counts.families else _("aucune famille prévenue par e-mail"))
    what = _("%(first)s et %(second)s", first=parts[0], second=parts[1]) if len(parts) == 2 else parts[0]
    if done:
        return _("Fermeture du %(day)s ajoutée : %(what)s %(verb)s, %(told)s.", day=when, what=what, verb=verb,
                 told=told)
    return _("Fermeture du %(day)s : %(what)s %(verb)s, %(told)s.", day=when, what=what, verb=verb, told=told)


def unreachable_sentence(counts: settings_service.ClosureCounts) -> str:
    """The families concerned that no e-mail reaches (no active login), to be told another way."""
    if not counts.unreachable:
        return ""
    names = ", ".join(counts.unreachable)
    return ngettext("La famille %(names)s n'a pas de compte actif : elle ne recevra pas d'e-mail. "
                    "Prévenez-la par téléphone.",
                    "Les familles %(names)s n'ont pas de compte actif : elles ne recevront pas d'e-mail. "
                    "Prévenez-les par téléphone.", len(counts.unreachable), names=names)


def seen_counts(value: str) -> tuple[int, ...] | None:
    """The counts the confirmation page showed ("12-3-9"), or None when absent or unreadable."""
    parts = (value or "").split("-")
    if len(parts) != 3 or not all(p.isdigit() and len(p) < 7 for p in parts):
        return None
    return tuple(int(p) for p in parts)


def closure_confirm_page(activity: Activity, closure_form: ClosureForm):
    """Step 1 of adding a closure: what it would cancel, computed now, and nothing written."""
    day, reason = closure_form.date.data, closure_form.reason.data.strip()
    counts = settings_service.closure_preview(activity.id, day)
    return render("backoffice/closure_confirm.html", activity=activity, day=day, reason=reason, counts=counts,
                  sentence=closure_sentence(day, counts, done=False), unreachable=unreachable_sentence(counts),
                  seen=f"{counts.reserved}-{counts.waiting}-{counts.families}", past=day < clock.today(),
                  format_date=wording.format_date)


@bp.route("/activites/<int:activity_id>/fermetures", methods=["POST"])
def closure_add(activity_id: int):
    """Ajouter une fermeture, in two steps: first what it would cancel (no write), then, confirmed ("confirm"),
    the closure: families see "Fermé (motif)" that day and can no longer book it; the day's bookings and
    waiting-list entries are cancelled and their families told by e-mail. A replayed confirmation does nothing."""
    activity = get_activity_or_404(activity_id)
    closure_form = ClosureForm(prefix="closure")
    confirmed = request.form.get("confirm") == "1"
    if not closure_form.validate_on_submit():
        return edit_page(activity, ActivityForm(formdata=None, data=form_data(activity)), closure_form)
    day = closure_form.date.data
    back = url_for(".activity_edit", activity_id=activity.id, _anchor="fermetures")
    if settings_service.closure_exists(activity.id, day):
        if confirmed:  # a replay (double click, back and resend): the closure is there, nothing more to do
            flash(_("La fermeture du %(day)s est déjà enregistrée.", day=wording.format_date(day)), "success")
            return redirect(back)
        closure_form.date.errors.append(_("Une fermeture est déjà enregistrée ce jour-là."))
        return edit_page(activity, ActivityForm(formdata=None, data=form_data(activity)), closure_form)
    if not confirmed:
        return closure_confirm_page(activity, closure_form)
    reason = closure_form.reason.data.strip()
    _closure, cancelled = settings_service.add_closure(activity.id, day, reason, clock.now(), actor_id=current_user.id,
                                                       cancel_reason=_("Fermeture : %(reason)s", reason=reason))
    db.session.commit()
    notify_cancelled(cancelled, _("Fermeture du %(day)s : réservations annulées", day=wording.format_date(day)),
                     "reservations/mail_closure", day=day, reason=reason)
    done = settings_service.closure_done(cancelled)
    seen = seen_counts(request.form.get("seen", ""))
    if seen is not None and seen != (done.reserved, done.waiting, done.families):
        flash(_("Les réservations de ce jour ont changé depuis l'aperçu : voici ce qui a été fait."), "success")
    flash(closure_sentence(day, done, done=True), "success")
    if done.unreachable:
        flash(unreachable_sentence(done), "success")
    return redirect(back)


def get_closure_or_404(activity_id: int, closure_id: int) -> Closure:
    """A closure of this activity (the commune-wide ones are not deleted from here), or 404."""
    closure = db.session.get(Closure, closure_id)
    if closure is None or closure.activity_id != activity_id:
        abort(404)
    return closure


@bp.route("/activites/<int:activity_id>/fermetures/<int:closure_id>/supprimer")
def closure_delete_confirm(activity_id: int, closure_id: int):
    """Supprimer une fermeture, step 1: say plainly that the cancelled bookings are not restored."""
    activity = get_activity_or_404(activity_id)
    closure = get_closure_or_404(activity_id, closure_id)
    return render("backoffice/closure_delete.html", activity=activity, closure=closure,
                  format_date=wording.format_date)


@bp.route("/activites/<int:activity_id>/fermetures/<int:closure_id>/supprimer", methods=["POST"])
def closure_delete(activity_id: int, closure_id: int):
    """Supprimer une fermeture, step 2 (the confirmation page's button): the day runs again, the bookings it
    cancelled are not restored. Without "confirm" the confirmation page is shown; a replay once it is gone says so."""
    get_activity_or_404(activity_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    back = url_for(".activity_edit", activity_id=activity_id, _anchor="fermetures")
    closure = db.session.get(Closure, closure_id)
    if closure is None:
        flash(_("Cette fermeture n'est plus enregistrée (déjà supprimée)."), "success")
        return redirect(back)
    closure = get_closure_or_404(activity_id, closure_id)
    if request.form.get("confirm") != "1":
        return closure_delete_confirm(activity_id, closure_id)
    day = closure.date
    settings_service.delete_closure(closure)
    db.session.commit()
    flash(_("Fermeture du %(day)s supprimée : les familles peuvent de nouveau réserver ce jour-là. Les réservations "
            "annulées par la fermeture ne sont pas rétablies.", day=wording.format_date(day)), "success")
    return redirect(back)
