"""Back office: the démarches the commune offers, as data agents edit (title, help, offered or not, applied at once
or after an agent's review, the documents required, the school year of the inscription administrative), and the
registry's kinds not offered yet ("Proposer cette démarche"). The steps themselves are code (procedures/kinds.py).
Also the diets the canteen offers (data, never a religion: families/rules.py diet_label_problem)."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

import clock
from blueprints.backoffice import bp
from blueprints.families import health
from blueprints.families import wording as families_wording
from blueprints.forms import Filled, flat_errors
from blueprints.htmx import render
from blueprints.procedures import service, wording
from blueprints.procedures.kinds import KINDS, school_year_of
from models import Diet, ProcedureType, db

YEAR = re.compile(r"^(\d{4})-(\d{4})$")


def strip(value):
    return value.strip() if isinstance(value, str) else value


class TypeForm(FlaskForm):
    title = StringField(_l("Titre"), filters=[strip], validators=[
        Filled(_l("Saisissez le titre de la démarche.")),
        Length(max=120, message=_l("Le titre doit contenir au plus 120 caractères."))])
    description = TextAreaField(_l("Aide affichée aux familles"), filters=[strip], validators=[
        Optional(), Length(max=2000, message=_l("L'aide doit tenir en 2 000 caractères au plus."))])
    active = BooleanField(_l("Proposée aux familles"))
    applies_immediately = BooleanField(_l("Enregistrée dans le dossier dès l'envoi, sans examen par un agent"))
    required_documents = TextAreaField(_l("Pièces justificatives demandées (une par ligne)"), filters=[strip],
                                       validators=[Optional(), Length(max=2000, message=_l(
                                           "La liste doit tenir en 2 000 caractères au plus."))])
    school_year = StringField(_l("Année scolaire"), filters=[strip], validators=[Optional()])

    def validate_required_documents(self, field):
        if any(len(line.strip()) > 120 for line in (field.data or "").splitlines()):
            raise ValidationError(_l("Chaque pièce doit tenir en 120 caractères au plus."))

    def validate_school_year(self, field):
        match = YEAR.match(field.data or "")
        if field.data and not (match and int(match.group(2)) == int(match.group(1)) + 1):
            raise ValidationError(_l("Écrivez l'année scolaire ainsi : 2026-2027."))


class NewTypeForm(FlaskForm):
    kind = HiddenField()


@bp.route("/demarches")
def procedure_types():
    """The démarches offered, and the kinds of the registry that are not yet."""
    rows = service.all_types()
    offered = {t.kind for t in rows}
    return render("backoffice/procedure_types.html", rows=rows, form=NewTypeForm(),
                  missing=[(kind, wording.title(kind)) for kind in sorted(KINDS, key=lambda k: KINDS[k].position)
                           if kind not in offered])


@bp.route("/demarches/proposer", methods=["POST"])
def procedure_type_new():
    """Proposer une démarche of the registry, with its defaults (then edited here)."""
    form = NewTypeForm()
    if not form.validate_on_submit() or form.kind.data not in KINDS:
        abort(400)
    existing = db.session.execute(db.select(ProcedureType).where(ProcedureType.kind == form.kind.data)).scalars()
    if next(iter(existing), None) is None:
        today = clock.today()
        row = service.create_type(form.kind.data, wording.title(form.kind.data),
                                  str(wording.DESCRIPTIONS.get(form.kind.data, "")),
                                  school_year_of(today.year, today.month))
        db.session.commit()
        flash(_("Démarche « %(title)s » proposée aux familles.", title=row.title), "success")
    return redirect(url_for(".procedure_types"))


@bp.route("/demarches/<int:type_id>", methods=["GET", "POST"])
def procedure_type_edit(type_id: int):
    """Modifier une démarche: what families read and what the service decides about it."""
    row = db.get_or_404(ProcedureType, type_id)
    form = TypeForm(obj=row)
    if form.validate_on_submit():
        for name in ("title", "description", "active", "applies_immediately", "school_year"):
            setattr(row, name, getattr(form, name).data if name in ("active", "applies_immediately")
                    else getattr(form, name).data or "")
        row.required_documents = "\n".join(line.strip() for line in (form.required_documents.data or "").splitlines()
                                           if line.strip())
        db.session.commit()
        flash(_("Démarche « %(title)s » enregistrée.", title=row.title), "success")
        return redirect(url_for(".procedure_types"))
    errors = flat_errors(form)
    return render("backoffice/procedure_type.html", row=row, form=form, errors=errors, page_errors=bool(errors),
                  annual=row.kind == "inscription_administrative")


# --------------------------------------------------------------------------- diets offered by the canteen


class DietForm(FlaskForm):
    label = StringField(_l("Nouveau régime"), filters=[strip], validators=[
        Length(max=60, message=_l("Le nom du régime doit contenir au plus 60 caractères."))])


@bp.route("/regimes", methods=["GET", "POST"])
def diets():
    """Régimes alimentaires: those families may choose in the health démarche; a new one is checked (never a
    religion), one can be withdrawn or offered again."""
    form = DietForm()
    if form.validate_on_submit():
        problem = health.add_diet(form.label.data or "")
        if problem:
            form.label.errors.append(families_wording.DIET[problem])
        else:
            db.session.commit()
            flash(_("Régime « %(label)s » proposé aux familles.", label=form.label.data), "success")
            return redirect(url_for(".diets"))
    rows = db.session.execute(db.select(Diet).order_by(Diet.position, Diet.id)).scalars().all()
    errors = flat_errors(form)
    return render("backoffice/diets.html", rows=rows, defaults=health.DEFAULT_DIETS, form=form, toggle=NewTypeForm(),
                  errors=errors, page_errors=bool(errors))


@bp.route("/regimes/<int:diet_id>", methods=["POST"])
def diet_toggle(diet_id: int):
    """Withdraw a diet (children who have it keep it in their file) or offer it again."""
    row = db.get_or_404(Diet, diet_id)
    if not NewTypeForm().validate_on_submit():
        abort(400)
    row.active = not row.active
    db.session.commit()
    flash(_("Régime « %(label)s » : %(state)s.", label=row.label,
            state=_("proposé") if row.active else _("retiré de la liste")), "success")
    return redirect(url_for(".diets"))
