"""Back office: create a family file, edit its details, add, edit or remove its members (guardians, children,
contacts). Routes only: forms are read into plain values for blueprints/families/service.py, which writes them
with a line in the file's journal; the route commits once (creation retries its dossier number itself)."""

from __future__ import annotations

import re
import secrets

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

import clock
from blueprints.backoffice import bp
from blueprints.backoffice.family_forms import (
    MAX_CHILDREN,
    ROLE_FORMS,
    FamilyForm,
    NewFamilyForm,
)
from blueprints.families import rules, service, wording
from blueprints.forms import EmptyForm, flat_errors
from blueprints.htmx import render
from models import Family, Person, School, db, normalize_email

KEY = re.compile(r"[0-9a-f]{32}")
ROLES = {"representants": "guardian", "enfants": "child", "contacts": "contact"}  # URL word -> Person.role
PERSON_FIELDS = ("first_name", "last_name", "civility", "email", "phone", "relationship_label", "birth_date",
                 "school_id", "class_name", "can_pick_up", "emergency_contact")


def get_family_or_404(family_id: int) -> Family:
    return db.get_or_404(Family, family_id, options=[selectinload(Family.members)])


def get_member_or_404(family: Family, person_id: int) -> Person:
    person = next((p for p in family.members if p.id == person_id), None)
    if person is None:
        abort(404)
    return person


def school_choices() -> list[SelectChoice]:
    schools = db.session.execute(select(School).order_by(School.name)).scalars()
    return [SelectChoice("", _("Pas d'école de la commune")), *(SelectChoice(str(s.id), s.name) for s in schools)]


def family_values(form) -> service.FamilyValues:
    return service.FamilyValues(**{name: form[name].data or "" for name in ("name", "address", "postcode", "city",
                                                                            "phone", "email")})


def person_values(form) -> service.PersonValues:
    """The member's fields present in the (sub)form, as plain values."""
    data = {f.short_name: f.data for f in form if f.short_name in PERSON_FIELDS}
    return service.PersonValues(**{k: ("" if v is None and k not in ("birth_date", "school_id") else v)
                                   for k, v in data.items()})


def check_birth_date(form) -> bool:
    """A child's birth date is in the past and under 18 years ago (rules.birth_date_problem)."""
    born = form.birth_date.data if "birth_date" in form else None
    problem = born and rules.birth_date_problem(born, clock.today())
    if problem:
        form.birth_date.errors.append(wording.birth_date_text(problem))
    return not problem


def check_email(form, family_id: int | None, person_id: int | None = None, also_taken: str = "") -> bool:
    """A guardian's e-mail address is no other family's login, and not another guardian's of the family
    (`also_taken`: the other guardian's address typed in the same form)."""
    if "email" not in form or form.email.errors or not form.email.data:
        return True
    problem = service.email_problem(form.email.data, family_id, person_id)
    if problem is None and normalize_email(form.email.data) == normalize_email(also_taken):
        problem = "guardian"
    if problem:
        form.email.errors.append(wording.email_text(problem, form.email.data))
    return not problem


def submitted_ok(form, family_id: int, person_id: int | None = None) -> bool:
    """POSTed and valid, the checks that need the database or today included (every error found at once)."""
    if not form.is_submitted():
        return False
    ok = form.validate()
    return all([check_birth_date(form), check_email(form, family_id, person_id)]) and ok


# --------------------------------------------------------------------------- create


def name_the_group(fields, group: str) -> None:
    """Errors of a group say whose field it is, next to the field and in the summary alike: "Enfant 2 : saisissez
    le prénom." (several groups of the page have a "Prénom")."""
    for field in fields:
        field.errors = [_("%(group)s : %(message)s", group=group, message=str(m)[:1].lower() + str(m)[1:])
                        for m in field.errors]


def new_page(form: NewFamilyForm):
    name_the_group(form.guardian1.form, _("Premier représentant"))
    name_the_group(form.guardian2.form, _("Second représentant"))
    for n, entry in enumerate(form.children, start=1):
        name_the_group(entry.form, _("Enfant %(n)d", n=n))
    errors = flat_errors(form)
    return render("backoffice/family_new.html", form=form, errors=errors, page_errors=bool(errors),
                  max_children=MAX_CHILDREN)


@bp.route("/familles/nouvelle", methods=["GET", "POST"])
def family_new():
    """Créer une famille: details, one or two guardians, children; saved whole or not at all, then the family's
    page. "Ajouter un autre enfant" sends the form back with one more child's fields (nothing is saved)."""
    form = NewFamilyForm()
    if not KEY.fullmatch(form.key.data or ""):
        form.key.data = secrets.token_hex(16)  # a new form (a forged one without a key is simply not deduplicated)
    adding = request.method == "POST" and request.form.get("action") == "add_child"
    if adding and len(form.children) < MAX_CHILDREN:
        form.children.append_entry()
    schools = school_choices()
    for entry in form.children:
        entry.form.school_id.choices = schools
    if adding:
        return new_page(form)
    if not form.is_submitted():
        return new_page(form)
    ok = form.validate()
    first = form.guardian1.form
    second = None if form.guardian2.form.is_blank() else form.guardian2.form
    children = [e.form for e in form.children if not e.form.is_blank()]
    ok = all([check_email(first, None),
              second is None or check_email(second, None, also_taken=first.email.data or ""),
              *[check_birth_date(child) for child in children]]) and ok
    if not ok:
        return new_page(form)
    guardians = [person_values(first), *([person_values(second)] if second else [])]
    family_id, created = service.create_family(
        family_values(form), guardians, [person_values(c) for c in children], clock.now(), clock.today(),
        actor_id=current_user.id, key=form.key.data)
    family = db.session.get(Family, family_id)
    if created:
        flash(_("Dossier %(number)s créé pour la famille %(name)s. Vous pouvez maintenant inviter les "
                "représentants à créer leur compte.", number=family.dossier_number, name=family.name), "success")
    else:
        flash(_("Le formulaire a été envoyé deux fois : le dossier %(number)s avait déjà été créé, le voici.",
                number=family.dossier_number), "success")
    return redirect(url_for(".family", family_id=family_id))


# --------------------------------------------------------------------------- edit the family's details


@bp.route("/familles/<int:family_id>/modifier", methods=["GET", "POST"])
def family_edit(family_id: int):
    """Modifier les coordonnées de la famille (name, address, main phone and e-mail)."""
    family = get_family_or_404(family_id)
    form = FamilyForm(obj=family)
    if form.validate_on_submit():
        changed = service.update_family(family, family_values(form), clock.now(), actor_id=current_user.id)
        db.session.commit()
        flash(_("Coordonnées de la famille %(name)s enregistrées.", name=family.name) if changed
              else _("Aucune modification : les coordonnées étaient déjà celles-ci."), "success")
        return redirect(url_for(".family", family_id=family.id))
    errors = flat_errors(form)
    return render("backoffice/family_edit.html", family=family, form=form, errors=errors, page_errors=bool(errors))


# --------------------------------------------------------------------------- members


def person_page(family: Family, role: str, form, person: Person | None = None):
    errors = flat_errors(form)
    action = (url_for(".person_edit", family_id=family.id, person_id=person.id) if person else
              url_for(".person_add", family_id=family.id, kind=next(k for k, r in ROLES.items() if r == role)))
    return render("backoffice/family_person.html", family=family, role=role, form=form, person=person,
                  action=action, errors=errors, page_errors=bool(errors))


@bp.route("/familles/<int:family_id>/<any(representants, enfants, contacts):kind>/ajouter",
          methods=["GET", "POST"])
def person_add(family_id: int, kind: str):
    """Ajouter un représentant, un enfant ou un contact au dossier."""
    family = get_family_or_404(family_id)
    role = ROLES[kind]
    form = ROLE_FORMS[role]()
    if role == "child":
        form.school_id.choices = school_choices()
        if request.method == "GET":
            form.last_name.data = family.name
    if submitted_ok(form, family.id):
        person = service.add_person(family, role, person_values(form), clock.now(), actor_id=current_user.id)
        db.session.commit()
        flash(wording.person_added(role, person.full_name), "success")
        return redirect(url_for(".family", family_id=family.id, _anchor=f"personne-{person.id}"))
    return person_page(family, role, form)


@bp.route("/familles/<int:family_id>/personnes/<int:person_id>/modifier", methods=["GET", "POST"])
def person_edit(family_id: int, person_id: int):
    """Modifier un représentant, un enfant ou un contact."""
    family = get_family_or_404(family_id)
    person = get_member_or_404(family, person_id)
    form = ROLE_FORMS[person.role](obj=person)
    if person.role == "child":
        form.school_id.choices = school_choices()
    if submitted_ok(form, family.id, person.id):
        name = person.full_name
        changed = service.update_person(person, person_values(form), clock.now(), actor_id=current_user.id)
        db.session.commit()
        flash(_("Fiche de %(name)s enregistrée.", name=person.full_name) if changed
              else _("Aucune modification : la fiche de %(name)s était déjà ainsi.", name=name), "success")
        return redirect(url_for(".family", family_id=family.id, _anchor=f"personne-{person.id}"))
    return person_page(family, person.role, form, person)


@bp.route("/familles/<int:family_id>/personnes/<int:person_id>/supprimer", methods=["GET", "POST"])
def person_remove(family_id: int, person_id: int):
    """Retirer un contact, ou supprimer la fiche d'un enfant enregistré par erreur (refused once anything was
    recorded for the child: see rules.child_removal_problem). Asks first; a replay finds nothing left to remove."""
    family = get_family_or_404(family_id)
    person = next((p for p in family.members if p.id == person_id), None)
    if person is not None and person.role == "guardian":
        abort(404)
    back = url_for(".family", family_id=family.id)
    if person is None:
        if request.method == "GET":
            abort(404)
        flash(_("Cette personne n'est plus dans le dossier : rien à supprimer."), "success")
        return redirect(back)
    refused = person.role == "child" and rules.child_removal_problem(service.has_history(person.id))
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if refused or service.remove_person(person, clock.now(), actor_id=current_user.id):
            flash(wording.removal_text(person.full_name), "error")
            return redirect(url_for(".family", family_id=family.id, _anchor=f"personne-{person.id}"))
        db.session.commit()
        flash(wording.person_removed(person.role, person.full_name), "success")
        return redirect(back)
    return render("backoffice/family_remove.html", family=family, person=person, form=form,
                  refusal=wording.removal_text(person.full_name) if refused else None)
