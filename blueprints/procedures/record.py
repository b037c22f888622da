"""What a démarche reads from the family file and writes to it. Values are keyed "scope.field" (family.address,
person.phone, health.allergies, auth.photo, enrol.period_id) and kept as JSON (dates as ISO text), so that the
values a request started from (its snapshot), the file as it is now and what the request wants compare directly.

Writes go through the families domain (families/service.py, families/health.py): same journal, same version
columns. Called by procedures/service.py inside its one transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from wtforms.fields.core import UnboundField

from blueprints.families import health as health_service
from blueprints.families import service as families
from blueprints.procedures.forms import FORMS, StepForm
from blueprints.procedures.kinds import KINDS
from models import Family, Period, Person, ProcedureRequest, ProcedureType, db

DATE_KEYS = {"family.qf_start_date", "health.pai_end_date", "health.vaccinations_date"}


class ApplyError(Exception):
    """The request cannot be applied as it is (a code wording.APPLY explains; the transaction is rolled back)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code, self.detail = code, detail


def field_names(form: type[StepForm]) -> list[str]:
    """The answer fields of a step form, in the order they are declared."""
    unbound = [(getattr(form, name).creation_counter, name) for name in dir(form)
               if isinstance(getattr(form, name, None), UnboundField)
               and name not in form.not_answers and getattr(form, name).field_class.__name__ != "FileField"]
    return [name for _counter, name in sorted(unbound)]


def keys_of(kind: str) -> list[str]:
    """Every value a démarche of this kind may change, in step order."""
    keys = []
    for form in FORMS[kind].values():
        if form.scope:
            keys += [f"{form.scope}.{name}" for name in field_names(form)]
    if kind == "sante":
        keys.append("health.pai_document_id")
    if kind == "inscription_administrative":
        keys.append("family.registered_year")
    return keys


def as_json(value):
    return value.isoformat() if isinstance(value, dt.date) else value


def current_values(kind: str, family: Family, person: Person | None) -> dict:
    """The values of the file this démarche may change, as they are now (None where there is nothing yet: a new
    contact, a child without health file)."""
    health = health_service.health_of(person) if person is not None and person.role == "child" else None
    authorisations = health_service.authorisations_of(person) if kind == "autorisations" and person else {}
    values = {}
    for key in keys_of(kind):
        scope, name = key.split(".", 1)
        if scope == "family":
            value = getattr(family, name)
        elif scope == "person":
            value = getattr(person, name) if person is not None else None
        elif scope == "health":
            value = getattr(health, name) if health is not None else None
        elif scope == "auth":
            value = authorisations[name].granted if name in authorisations else None
        elif scope == "billing":  # facture en ligne (payments)
            from blueprints.payments import paperless

            value = paperless.is_paperless(family.id)
        else:
            value = None
        values[key] = as_json(value)
    return values


def wanted_values(request: ProcedureRequest) -> dict:
    """What the request asks the file to become, from its answers."""
    kind = request.type.kind
    wanted = {}
    for step, form in FORMS[kind].items():
        answers = (request.answers or {}).get(step) or {}
        if form.scope:
            wanted.update({f"{form.scope}.{name}": answers[name] for name in field_names(form) if name in answers})
    pai_document = ((request.answers or {}).get("pai") or {}).get("pai_document_id")
    if kind == "sante" and pai_document:
        wanted["health.pai_document_id"] = pai_document
    if kind == "inscription_administrative":
        wanted["family.registered_year"] = request.type.school_year
    return wanted


def _python(key: str, value):
    return dt.date.fromisoformat(value) if key in DATE_KEYS and isinstance(value, str) and value else value


def apply(request: ProcedureRequest, changes: dict, now: dt.datetime, given_on: dt.date, actor_id: int | None) -> None:
    """Write `changes` (keys as above) to the file, through the families domain (flush, no commit). Raises
    ApplyError when a part cannot be done: the caller rolls the whole transaction back."""
    family, person = request.family, request.person
    by_scope: dict[str, dict] = {}
    for key, value in changes.items():
        scope, name = key.split(".", 1)
        by_scope.setdefault(scope, {})[name] = _python(key, value)
    target = KINDS[request.type.kind].target
    if target != "family" and person is None and not (target == "contact" and request.answers.get("_new")):
        raise ApplyError("person_gone")
    if "family" in by_scope:
        families.update_family_fields(family, by_scope["family"], now, actor_id=actor_id)
    if "person" in by_scope:
        if person is None:
            request.person = families.add_member(family, "contact", by_scope["person"], now, actor_id=actor_id)
        else:
            families.update_person_fields(person, by_scope["person"], now, actor_id=actor_id)
    if "health" in by_scope:
        health_service.update_health(person, by_scope["health"], now, actor_id=actor_id)
    if "auth" in by_scope:
        health_service.set_authorisations(person, by_scope["auth"], given_on, now, actor_id=actor_id)
    if "billing" in by_scope:  # facture en ligne: the payments domain keeps the choice
        from blueprints.payments import paperless

        paperless.set_choice(family, bool(by_scope["billing"].get("paperless")), now, request_id=request.id)
    if "mandate" in by_scope:  # prélèvement automatique: the mandate is the payments domain's
        from blueprints.payments import debits

        values = by_scope["mandate"]
        try:
            debits.create_mandate(family, values.get("holder") or "", values.get("iban") or "", values.get("bic") or "",
                                  given_on, now, actor_id=actor_id, request_id=request.id)
        except debits.DebitRefused as refused:
            raise ApplyError("mandate_" + refused.code) from refused
    if "enrol" in by_scope:
        period = db.session.get(Period, by_scope["enrol"].get("period_id") or 0)
        if period is None:
            raise ApplyError("period_gone")
        problem = families.enroll(person, period, now, given_on, actor_id=actor_id)
        if problem:
            raise ApplyError("enrol_" + problem, period.activity.name)
    db.session.flush()


def period_names(period_ids) -> dict:
    """Activity and period of each period id, in words ("Restauration scolaire, Année scolaire 2026-2027")."""
    ids = [i for i in period_ids if isinstance(i, int)]
    if not ids:
        return {}
    rows = db.session.execute(select(Period).where(Period.id.in_(ids))).scalars()
    return {p.id: f"{p.activity.name}, {p.name}" for p in rows}


def type_for(code: str) -> ProcedureType | None:
    return db.session.execute(select(ProcedureType).where(ProcedureType.code == code)).scalar_one_or_none()
