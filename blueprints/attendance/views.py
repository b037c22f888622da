"""Pointage: choose a site, an activity and unit, a day; the list of the expected children with one-tap marks
(htmx, and plain forms without JavaScript), a child present without a booking, the day's totals, the printable
PDF list for a site without a tablet."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

import clock
from blueprints import edge
from blueprints.attendance import access, bp, pdf, service, wording
from blueprints.attendance.forms import AddForm, ChooseForm
from blueprints.forms import EmptyForm
from blueprints.htmx import is_partial, render
from blueprints.reservations import wording as booking_wording
from models import db


def parse_day(value: str) -> dt.date:
    """ "2026-11-23" from the URL, or 404."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        abort(404)
    if len(value) != 10 or not edge.supported_day(day):
        abort(404)
    return day


def _list_of(school_id: int, unit_id: int, day: str):
    """(site, unit, day) of a list's URL: a site the agent may see, an existing unit, a supported day; else 404."""
    site = access.get_site_or_404(current_user, school_id)
    unit = service.get_unit(unit_id)
    if unit is None:
        abort(404)
    return site, unit, parse_day(day)


def _choose_form() -> ChooseForm:
    form = ChooseForm(request.args)
    form.site.choices = [(s.id, s.name) for s in access.sites_for(current_user)]
    form.unit.choices = {activity.name: [(u.id, f"{activity.name} — {u.label}") for u in units]
                         for activity, units in service.units_by_activity()}
    return form


@bp.route("/pointage")
def choose():
    """Choose the list: site, activity and unit, day (today by default). A GET form: it opens the list."""
    form = _choose_form()
    if request.args and form.validate():
        return redirect(url_for(".day_list", school_id=form.site.data, unit_id=form.unit.data,
                                day=form.day.data.isoformat()))
    if not request.args:
        form.day.data = clock.today()
    return render("attendance/choose.html", form=form, page_errors=bool(request.args and form.errors))


def _page(site, unit, day, *, add_form=None, status=200):
    rows = service.day_rows(site, unit, day)
    show_health = service.add_health_flags(rows, current_user, clock.now(), _("pointage"))
    form = add_form or AddForm()
    children = service.addable_children(site, {r.child_id for r in rows})
    form.child.choices = [("", _("Choisir un enfant"))] * bool(children) + [
        (c.id, f"{c.last_name} {c.first_name}" + (f" ({c.class_name})" if c.class_name else "")) for c in children]
    response = render("attendance/list.html", site=site, unit=unit, day=day, rows=rows, totals=service.totals(rows),
                      show_health=show_health, add_form=form, marks_open=day <= clock.today(),
                      page_errors=bool(add_form and add_form.errors), status=status,
                      **_words(site, unit, day))
    db.session.commit()  # the health reads' log
    return response


def _words(site=None, unit=None, day=None) -> dict:
    """What the list's templates need besides the rows: words translated once, the marks' URL, the CSRF token."""
    words = {"mark_text": wording.mark_text, "booking_words": wording.BOOKING_WORDS,
             "format_date": booking_wording.format_date, "words": wording.row_words()}
    if site is not None:
        words["mark_url"] = url_for(".mark", school_id=site.id, unit_id=unit.id, day=day.isoformat())
        words["token"] = generate_csrf()
    return words


@bp.route("/pointage/<int:school_id>/<int:unit_id>/<day>")
def day_list(school_id: int, unit_id: int, day: str):
    """The list of a site, unit and day: expected children with their marks, the totals, adding a child."""
    site, unit, when = _list_of(school_id, unit_id, day)
    return _page(site, unit, when)


@bp.route("/pointage/<int:school_id>/<int:unit_id>/<day>/pointer", methods=["POST"])
def mark(school_id: int, unit_id: int, day: str):
    """One mark, present or absent, of a child on the list (idempotent). htmx: the row and the totals come back;
    without JavaScript: back to the list, on the child's row."""
    site, unit, when = _list_of(school_id, unit_id, day)
    if not EmptyForm().validate_on_submit():
        abort(400)
    child_id = edge.parse_id(request.form.get("child_id"))
    child = service.site_child(site, child_id) if child_id else None
    if child is None:
        abort(404)
    status = request.form.get("status", "")
    problem = service.mark(child, unit, when, status, clock.now(), actor_id=current_user.id)
    if problem:
        message = wording.problem_text(problem)
    else:
        db.session.commit()
        message = wording.marked_sentence(child.full_name, status)
    if is_partial():
        rows = service.day_rows(site, unit, when)
        row = next((r for r in rows if r.child_id == child.id), None)
        show_health = service.add_health_flags([row] if row else [], current_user, clock.now(), _("pointage"))
        db.session.commit()  # the health reads' log
        return render("attendance/_marked.html", site=site, unit=unit, day=when, row=row, show_health=show_health,
                      totals=service.totals(rows), message=message, refused=bool(problem),
                      marks_open=when <= clock.today(), **_words(site, unit, when))
    flash(message, "error" if problem else "success")
    return redirect(url_for(".day_list", school_id=site.id, unit_id=unit.id, day=when.isoformat(),
                            _anchor=f"enfant-{child.id}"))


@bp.route("/pointage/<int:school_id>/<int:unit_id>/<day>/ajouter", methods=["POST"])
def add(school_id: int, unit_id: int, day: str):
    """Add a child of the site who is present without a booking (marked present)."""
    site, unit, when = _list_of(school_id, unit_id, day)
    form = AddForm()
    rows = service.day_rows(site, unit, when)
    form.child.choices = [(c.id, c.full_name) for c in service.addable_children(site, {r.child_id for r in rows})]
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _page(site, unit, when, add_form=form, status=422)
    child = service.site_child(site, form.child.data)
    problem = service.mark(child, unit, when, "present", clock.now(), actor_id=current_user.id)
    if problem:
        form.child.errors = [wording.problem_text(problem)]
        return _page(site, unit, when, add_form=form, status=422)
    db.session.commit()
    flash(_("%(name)s ajouté à la liste, présent sans réservation (facturé selon le tarif « présence sans "
            "réservation »).", name=child.full_name), "success")
    return redirect(url_for(".day_list", school_id=site.id, unit_id=unit.id, day=when.isoformat(),
                            _anchor=f"enfant-{child.id}"))


@bp.route("/pointage/<int:school_id>/<int:unit_id>/<day>/liste.pdf")
def day_pdf(school_id: int, unit_id: int, day: str):
    """The list as a tagged PDF (PDF/UA-1) to print, with boxes to tick, for a site without a tablet."""
    site, unit, when = _list_of(school_id, unit_id, day)
    rows = service.day_rows(site, unit, when)
    show_health = service.add_health_flags(rows, current_user, clock.now(), _("pointage (PDF)"))
    body = pdf.render_pdf("attendance/list_pdf.html", site=site, unit=unit, day=when, rows=rows,
                          totals=service.totals(rows), show_health=show_health, **_words())
    db.session.commit()  # the health reads' log
    return pdf.download(body, "application/pdf", f"pointage-{when.isoformat()}-{site.id}-{unit.id}.pdf")
