"""A démarche, GOV.UK-style: the catalogue, the start page, one step per page (each saved in the draft), the recap
with a "Modifier" link per answer and the attestation, then the confirmation with the request's number and its
e-mailed receipt. Pages and redirects only: everything works the same with JavaScript off.

The writes are service.py's; what a step asks is forms.py's; the words wording.py's.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError
from wtforms import BooleanField
from wtforms.validators import DataRequired

import clock
import mail
from blueprints import uploads
from blueprints.access import current_family
from blueprints.families import health as health_service
from blueprints.families import service as families
from blueprints.forms import EmptyForm, flat_errors
from blueprints.htmx import render
from blueprints.notify import mail_family
from blueprints.procedures import bp, display, files, record, rules, service, wording
from blueprints.procedures.forms import FORMS, ConfirmForm, StepForm, as_choices, documents_form
from blueprints.procedures.kinds import CONFIRM_CHANGES, KINDS
from models import Family, Person, ProcedureRequest, ProcedureType, db

BACK_TO_RECAP = "recapitulatif"


class AttestForm(EmptyForm):
    attest = BooleanField(_l("J'atteste sur l'honneur que les informations de cette demande sont exactes."),
                          validators=[DataRequired(_l("Cochez la case pour attester que les informations sont "
                                                      "exactes."))])


def get_request_or_404(request_id: int) -> ProcedureRequest:
    """The request `request_id` of the logged-in family, or 404 (same answer whether it exists elsewhere or not)."""
    found = db.session.get(ProcedureRequest, request_id)
    if found is None or found.family_id != current_user.family_id:
        abort(404)
    return found


def get_type_or_404(code: str) -> ProcedureType:
    found = record.type_for(code)
    if found is None or not found.active:
        abort(404)
    return found


def targets(family: Family, kind: str) -> list[Person]:
    """Whom a démarche of this kind may be about, in the family."""
    role = KINDS[kind].target
    return {"guardian": family.guardians, "child": family.children, "contact": family.contacts}.get(role, [])


def chosen_target(family: Family, kind: str, raw) -> tuple[Person | None, bool]:
    """(person, ok) from the "pour" parameter: one of the family's people of the right role; for a guardian's
    démarche the logged-in parent by default, for a child's the only child; a contact's may be a new one (None)."""
    target = KINDS[kind].target
    people = targets(family, kind)
    if target == "family":
        return None, True
    if str(raw or "").isdigit():
        person = next((p for p in people if p.id == int(raw)), None)
        return person, person is not None
    if target == "guardian":
        person = next((p for p in people if p.id == current_user.person_id), people[0] if people else None)
        return person, person is not None
    if target == "child" and len(people) == 1:
        return people[0], True
    return None, target == "contact" and raw in (None, "", "nouveau")


# --------------------------------------------------------------------------- catalogue and start


@bp.route("/demarches")
def catalogue():
    """Mes démarches: every démarche the commune offers, with its drafts to resume."""
    family = current_family()
    drafts = {r.type_id: r for r in service.family_requests(family.id, status=rules.DRAFT)}
    return render("procedures/catalogue.html", types=service.active_types(), drafts=drafts, family=family)


@bp.route("/demarches/<code>", methods=["GET", "POST"])
def start(code: str):
    """The start page of a démarche (what it is for, what to have at hand), then "Commencer": the draft is created
    (or the one already started is resumed) and its first step opens."""
    kind_type = get_type_or_404(code)
    family = current_family(selectinload(Family.members))
    raw = request.values.get("pour")
    person, ok = chosen_target(family, kind_type.kind, raw)
    if str(raw or "").isdigit() and not ok:
        abort(404)  # another family's person (or none): as unknown as a page that does not exist
    draft = service.find_draft(family.id, kind_type.id, person.id if person else None) if ok else None
    form = EmptyForm()
    if request.method == "POST" and ok:
        if not form.validate_on_submit():
            abort(400)
        draft, _created = service.start(family, kind_type, person, current_user.id, clock.now())
        db.session.commit()
        return redirect(resume_url(draft))
    asked = request.method == "POST" or raw is not None
    problem = _("Choisissez la personne concernée dans la liste.") if asked and not ok else None
    return render("procedures/start.html", kind_type=kind_type, draft=draft, person=person, people=targets(
        family, kind_type.kind), target=KINDS[kind_type.kind].target, form=form, problem=problem,
        page_errors=bool(problem))


def resume_url(draft: ProcedureRequest) -> str:
    """Where a family resuming a request goes: the first step not answered yet, else the recap."""
    step = rules.first_unanswered(service.steps(draft), (draft.answers or {}).keys())
    if step is None:
        return url_for(".recap", request_id=draft.id)
    return url_for(".step", request_id=draft.id, step=step)


# --------------------------------------------------------------------------- steps


def step_form(req: ProcedureRequest, step: str) -> type[StepForm]:
    if step == rules.DOCUMENTS_STEP:
        return documents_form(req.type.documents)
    return FORMS[req.type.kind][step]


def make_form(req: ProcedureRequest, step: str) -> StepForm:
    """The step's form: what was answered, else the file's current values."""
    cls = step_form(req, step)
    given = (req.answers or {}).get(step)
    if given is None and cls.scope:
        given = {key.split(".", 1)[1]: value for key, value in (req.snapshot or {}).items()
                 if key.startswith(cls.scope + ".")}
    form = cls(data=cls.prefill(given or {}))
    form.today = clock.today()
    if "diet" in form:
        labels = health_service.diet_labels()
        current = form.diet.data or ""
        form.diet.choices = as_choices([("", _("Aucun régime particulier"))] + [(label, label) for label in labels] + (
            [(current, current)] if current and current not in labels else []))
    if "period_id" in form:
        taken = {e.period_id for e in req.person.enrollments} if req.person else set()
        form.period_id.choices = as_choices([(p.id, f"{p.activity.name}, {p.name}")
                                             for p in families.enrollable_periods(clock.today()) if p.id not in taken])
    return form


def step_context(req: ProcedureRequest, step: str) -> dict:
    """What a confirmation step of the inscription administrative shows: the family's file, and where to change it."""
    if not issubclass(step_form(req, step), ConfirmForm):
        return {}
    family = req.family
    change = record.type_for(CONFIRM_CHANGES[step].replace("_", "-"))
    return {"family": family, "change_type": change if change and change.active else None,
            "health": health_service.health_for(c.id for c in family.children) if step == "sante" else {},
            "authorisations": health_service.authorisations_for(c.id for c in family.children)
            if step == "autorisations" else {}}


def step_page(req: ProcedureRequest, step: str, form, extra=()):
    steps = service.steps(req)
    errors = flat_errors(form) + list(extra)
    return render("procedures/step.html", req=req, step=step, steps=steps, number=steps.index(step) + 1,
                  hints=wording.HINTS,
                  form=form, errors=errors, page_errors=bool(errors), back=request.values.get("retour"),
                  title=wording.STEP_TITLES.get(step, step), **step_context(req, step))


@bp.route("/demandes/<int:request_id>/etapes/<step>", methods=["GET", "POST"])
def step(request_id: int, step: str):
    """One step: its question(s), saved in the draft when valid, then the next step (or back to the recap)."""
    req = get_request_or_404(request_id)
    if step not in service.steps(req):
        abort(404)
    if req.status not in rules.EDITABLE:
        flash(wording.REFUSED["not_editable"], "info")
        return redirect(url_for(".detail", request_id=req.id))
    form = make_form(req, step)
    if not form.validate_on_submit():
        return step_page(req, step, form)
    answers, problems, stored = form.answers(), [], []
    try:
        save_files(req, step, form, answers, problems, stored)
        if problems:
            raise Rejected
        service.save_step(req, step, answers, clock.now())
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        for name in stored:
            uploads.discard(name)
        if isinstance(error, Rejected):
            return step_page(get_request_or_404(request_id), step, form, problems)
        raise
    following = rules.next_step(service.steps(req), step)
    if request.values.get("retour") == BACK_TO_RECAP or following is None:
        return redirect(url_for(".recap", request_id=req.id))
    return redirect(url_for(".step", request_id=req.id, step=following))


class Rejected(Exception):
    """A file of the step was refused: nothing of the step is kept."""


def save_files(req: ProcedureRequest, step: str, form, answers: dict, problems: list, stored: list) -> None:
    """Files of the step (the PAI, the required documents): checked, stored and attached. `stored` gets the stored
    names (removed again by the caller if anything fails), `problems` (field id, message) for each refusal."""
    now = clock.now()
    uploads_of = [(name, label) for name, label in
                  ([("pai_file", "PAI")] if step == "pai" else
                   [(f"doc_{i}", label) for i, label in enumerate(req.type.documents)] if step == rules.DOCUMENTS_STEP
                   else [])]
    attached = {a.label for a in req.attachments}
    for name, label in uploads_of:
        storage = form[name].data
        if not storage or not getattr(storage, "filename", ""):
            if step == rules.DOCUMENTS_STEP and label not in attached:
                problems.append((form[name].id, _("Joignez le document : %(label)s.", label=label)))
            continue
        content = files.read(storage)
        if isinstance(content, str):
            form[name].errors = [content]
            problems.append((form[name].id, content))
            continue
        child_id = req.person_id if req.person and req.person.role == "child" else None
        document = files.new_document(req.family_id, child_id, "pai" if name == "pai_file" else "demarche", storage,
                                      *content, now, current_user.id)
        stored.append(document.stored_name)
        if name == "pai_file":
            db.session.add(document)
            db.session.flush()
            answers["pai_document_id"] = document.id
        else:
            service.attach(req, label, document)
    if step == "pai" and "pai_document_id" not in answers:
        previous = ((req.answers or {}).get("pai") or {}).get("pai_document_id")
        if previous and answers.get("pai"):
            answers["pai_document_id"] = previous


# --------------------------------------------------------------------------- recap, submission, confirmation


def recap_page(req: ProcedureRequest, form: AttestForm, extra=()):
    errors = flat_errors(form) + list(extra)
    last_message = next((e for e in reversed(req.events) if e.status_to == rules.INCOMPLETE), None)
    return render("procedures/recap.html", req=req, blocks=display.rows(req, service.steps(req)), form=form,
                  errors=errors, page_errors=bool(errors), last_message=last_message,
                  missing=service.problems_before_submit(req))


@bp.route("/demandes/<int:request_id>/recapitulatif", methods=["GET", "POST"])
def recap(request_id: int):
    """Le récapitulatif: every answer with its "Modifier" link, the attestation, "Envoyer la demande". A request
    already sent (a replay, a second tab) goes to its page and nothing changes."""
    req = get_request_or_404(request_id)
    if req.status not in rules.EDITABLE:
        if request.method == "POST":
            flash(wording.REFUSED["not_editable"], "info")
        return redirect(url_for(".detail", request_id=req.id))
    form = AttestForm()
    if not form.validate_on_submit():
        return recap_page(req, form)
    try:
        result = service.submit(req, clock.now(), current_user.id)
    except service.Refused as refusal:
        db.session.rollback()
        return recap_page(req, form, [(None, str(wording.REFUSED[refusal.code]))])
    except StaleDataError:
        db.session.rollback()
        return recap_page(get_request_or_404(request_id), form, [(None, str(wording.REFUSED["stale"]))])
    db.session.commit()
    if result.conflicts:
        return recap_page(req, form, [(None, wording.conflict_text(result.conflicts) + " " + _(
            "Vérifiez vos réponses (la valeur actuelle est indiquée), puis envoyez de nouveau."))])
    mail_family(req.family_id, _l("Demande n° %(number)s déposée", number=req.number), "procedures/mail_receipt",
                req=req, title=req.type.title, applied=result.applied,
                link=mail.external_url("procedures.detail", request_id=req.id))
    return redirect(url_for(".confirmation", request_id=req.id))


@bp.route("/demandes/<int:request_id>/confirmation")
def confirmation(request_id: int):
    """Demande envoyée: its number, what happens next."""
    req = get_request_or_404(request_id)
    if req.number is None:
        return redirect(url_for(".recap", request_id=req.id))
    return render("procedures/confirmation.html", req=req)
