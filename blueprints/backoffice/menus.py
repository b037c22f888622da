"""Back office: the canteen menus of each school, week by week (add or delete a dish) and the CSV import."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

import clock
from blueprints import edge
from blueprints.backoffice import bp
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from blueprints.menus import rules, service, wording
from blueprints.menus.forms import DishForm, ImportForm
from blueprints.menus.weeks import monday_or_404 as parse_monday
from blueprints.reservations.wording import format_date, format_long_date
from models import MenuDish, School, db

TEMPLATE_CSV = (
    "date;ecole;type;plat;allergenes;labels\r\n"
    "23/11/2026;École Jules-Ferry;entrée;Carottes râpées;moutarde;bio, local\r\n"
    "23/11/2026;École Jules-Ferry;plat;Poisson pané;poisson, gluten, œufs;\r\n"
    "23/11/2026;École Jules-Ferry;accompagnement;Riz aux petits légumes;aucun;bio\r\n"
    "23/11/2026;École Jules-Ferry;produit laitier;Yaourt nature;lait;local\r\n"
    "23/11/2026;École Jules-Ferry;dessert;Compote pomme-banane;aucun;\r\n"
)


@bp.route("/menus")
def menus():
    """Menus: one link per school to this week's menu, the import and its template."""
    today = clock.today()
    return render("backoffice/menus.html", schools=service.schools(), monday=today - dt.timedelta(days=today.weekday()),
                  form=ImportForm())


@bp.route("/menus/<int:school_id>/semaine/<monday>", methods=["GET", "POST"])
def menu_week(school_id: int, monday: str):
    """A school's week: the dishes of each day (delete), and a form to add one."""
    school = db.get_or_404(School, school_id)
    start = parse_monday(monday)
    form = DishForm(data={"day": start})
    if form.validate_on_submit():
        service.add_dish(school, form.day.data, form.course.data, form.name.data.strip(), form.allergens.data,
                         form.labels.data, user_id=current_user.id, now=clock.now())
        db.session.commit()
        flash(_("Plat ajouté : %(name)s, %(day)s.", name=form.name.data.strip(), day=format_date(form.day.data)),
              "success")
        week_of = parse_monday(form.day.data.isoformat())
        return redirect(url_for(".menu_week", school_id=school.id, monday=week_of.isoformat()))
    by_day = service.dishes(school.id, start, start + dt.timedelta(days=6))
    week = [start + dt.timedelta(days=i) for i in range(7)]
    return render("backoffice/menu_week.html", school=school, start=start, form=form, by_day=by_day,
                  days=[day for i, day in enumerate(week) if i < 5 or day in by_day],
                  words=wording, format_date=format_date, format_long_date=format_long_date, delete_form=EmptyForm(),
                  prev=start - dt.timedelta(days=7), next=start + dt.timedelta(days=7))


@bp.route("/menus/plats/<int:dish_id>/supprimer", methods=["POST"])
def menu_dish_delete(dish_id: int):
    """Retirer un plat (recorded)."""
    dish = db.get_or_404(MenuDish, dish_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    school_id, day, name = dish.school_id, dish.day, dish.name
    service.delete_dish(dish, user_id=current_user.id, now=clock.now())
    db.session.commit()
    flash(_("Plat retiré : %(name)s, %(day)s.", name=name, day=format_date(day)), "success")
    return redirect(url_for(".menu_week", school_id=school_id, monday=parse_monday(day.isoformat()).isoformat()))


@bp.route("/menus/import", methods=["POST"])
def menus_import():
    """Importer un fichier CSV: all its lines or none; each error said with its line."""
    form = ImportForm()
    errors: list[str] = []
    if form.validate_on_submit():
        parsed = rules.parse_csv(rules.decode(form.data_bytes), edge.FIRST_DAY, edge.LAST_DAY)
        count, found = service.import_dishes(parsed, user_id=current_user.id, now=clock.now())
        if not found:
            db.session.commit()
            flash(_("Menus importés : %(num)d plats.", num=count), "success")
            return redirect(url_for(".menus"))
        db.session.rollback()
        errors = [wording.import_error(line, code) for line, code in found[:50]]
    today = clock.today()
    return render("backoffice/menus.html", schools=service.schools(), monday=today - dt.timedelta(days=today.weekday()),
                  form=form, import_errors=errors, page_errors=bool(errors))


@bp.route("/menus/modele.csv")
def menus_template():
    """The CSV template (UTF-8 with a BOM, so that Excel reads the accents)."""
    response = current_app.response_class("\ufeff" + TEMPLATE_CSV, mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=modele-menus.csv"
    return response
