"""Back office: the history of reservation changes (audit trail), of one child or of any day, with filters.

Everything is a GET parameter (bookmarkable, works without JavaScript): du / au (the booked day), creneau
("a<id>" an activity, "u<id>" one of its units), canal (portal, agent, system), auteur (part of a name or e-mail),
page. A value that cannot be read gets a French message next to its field, and no list, never a 500.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from blueprints.backoffice import bp
from blueprints.backoffice.agenda import get_any_child_or_404
from blueprints.forms import ChoiceField, FrenchDateField, flat_errors
from blueprints.htmx import render
from blueprints.reservations import history, wording
from models import Activity, db

CHANNELS = [SelectChoice("", _l("Tous les canaux")), *(SelectChoice(k, v) for k, v in history.VIA_WORDS.items())]


class HistoryFilterForm(FlaskForm):
    """The filters of the history page, read from the query string (no CSRF: nothing is written)."""

    class Meta:
        csrf = False

    du = FrenchDateField(_l("Du"), validators=[Optional()])
    au = FrenchDateField(_l("Au"), validators=[Optional()])
    creneau = ChoiceField(_l("Activité ou créneau"), default="")
    canal = ChoiceField(_l("Canal"), choices=CHANNELS, default="")
    auteur = StringField(_l("Auteur"), validators=[
        Optional(), Length(max=100, message=_l("Saisissez au plus 100 caractères."))])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.du.data and self.au.data and self.au.data < self.du.data:
            self.au.errors.append(_l("Le dernier jour doit être le même jour que le premier ou après."))
            ok = False
        return ok


def unit_choices(activities) -> list[SelectChoice]:
    """"Toutes les activités", then each activity ("a<id>") followed by its units ("u<id>")."""
    choices = [SelectChoice("", _l("Toutes les activités"))]
    for activity in activities:
        choices.append(SelectChoice(f"a{activity.id}", activity.name))
        choices += [SelectChoice(f"u{unit.id}", f"{activity.name} — {unit.label}") for unit in activity.units]
    return choices


def page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= history.MAX_PAGE else 1


def history_filter(form: HistoryFilterForm, child_id: int | None) -> history.HistoryFilter:
    kind, ident = (form.creneau.data or "")[:1], (form.creneau.data or "")[1:]
    return history.HistoryFilter(
        child_id=child_id, start=form.du.data, end=form.au.data,
        activity_id=int(ident) if kind == "a" else None, unit_id=int(ident) if kind == "u" else None,
        via=form.canal.data or None, author=(form.auteur.data or "").strip() or None)


def day_heading(form: HistoryFilterForm, activities) -> str | None:
    """"Historique : Repas du mercredi 25 novembre 2026 (Accueil de loisirs du mercredi)" when the filters name one
    day (the link from a list of names), else None (the page's own heading)."""
    day = form.du.data
    if day is None or day != form.au.data:
        return None
    kind, ident = (form.creneau.data or "")[:1], (form.creneau.data or "")[1:]
    for activity in activities:
        if kind == "a" and ident == str(activity.id):
            return _("Historique du %(day)s (%(activity)s)", day=wording.format_long_date(day), activity=activity.name)
        for unit in activity.units:
            if kind == "u" and ident == str(unit.id):
                return _("Historique : %(what)s (%(activity)s)", activity=activity.name,
                         what=_("%(slot)s du %(day)s", slot=unit.label, day=wording.format_long_date(day)))
    return _("Historique du %(day)s", day=wording.format_long_date(day))


def history_page(child=None):
    """The page for one child (child given) or for every child; the filter form and one page of lines."""
    activities = db.session.execute(select(Activity).options(selectinload(Activity.units))
                                    .order_by(Activity.position, Activity.id)).scalars().all()
    form = HistoryFilterForm(formdata=request.args)
    form.creneau.choices = unit_choices(activities)
    filtered = any(request.args.get(name) for name in ("du", "au", "creneau", "canal", "auteur"))
    lines, more, page = [], False, page_number()
    valid = form.validate()
    if valid:
        lines, more = history.changes(history_filter(form, child.id if child else None), page)
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    if child is not None:
        args["child_id"] = child.id
    heading = day_heading(form, activities) if valid and child is None else None
    return render("backoffice/history.html", child=child, form=form, errors=flat_errors(form), day_heading=heading,
                  page_errors=not valid, lines=lines, more=more, page=page, page_args=args, filtered=filtered,
                  size=history.PAGE_SIZE)


@bp.route("/historique")
def history_all():
    """Historique des réservations: every change, newest first, filtered (a day, an activity, a channel...)."""
    return history_page()


@bp.route("/enfants/<int:child_id>/historique")
def child_history(child_id: int):
    """Historique de <enfant>: the changes of one child's bookings, newest first, filtered."""
    return history_page(get_any_child_or_404(child_id))
