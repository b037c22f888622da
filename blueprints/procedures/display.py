"""A request's answers as rows to show (recap, request page, the agents' comparison): step by step, each answer's
label and value in words, what the file said before, what it says now."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from blueprints.procedures import record, rules, wording
from blueprints.procedures.forms import FORMS
from blueprints.procedures.kinds import HEALTH_KINDS
from models import ProcedureRequest


@dataclass
class Row:
    key: str
    label: str
    value: str
    before: str | None = None  # the file's value when the request started, when the answer differs
    now: str | None = None  # the file's value now (agents' comparison)
    changed: bool = False
    conflict: bool = False


@dataclass
class StepRows:
    step: str
    title: str
    rows: list[Row] = field(default_factory=list)
    confirmed: bool = False
    documents: list = field(default_factory=list)  # attachments (the "pieces" step)


def is_health(request: ProcedureRequest) -> bool:
    return request.type.kind in HEALTH_KINDS


def rows(request: ProcedureRequest, steps: list[str], current: dict | None = None) -> list[StepRows]:
    """Every step of the request with its answers; `current`: the file now (for the agents' comparison)."""
    answers = request.answers or {}
    snapshot = request.snapshot or {}
    conflicts = {c.key for c in rules.conflicts(snapshot, current, record.wanted_values(request))} if current else set()
    names = record.period_names([(answers.get("activite") or {}).get("period_id")])
    result = []
    for step in steps:
        block = StepRows(step, str(wording.STEP_TITLES.get(step, step)))
        if step == rules.DOCUMENTS_STEP:
            block.documents = list(request.attachments)
        else:
            form = FORMS[request.type.kind][step]
            given = answers.get(step)
            if form.scope is None:
                block.confirmed = bool(given)
            for name in record.field_names(form) if form.scope and given is not None else []:
                key = f"{form.scope}.{name}"
                value = given.get(name)
                row = Row(key, str(wording.LABELS.get(key, name)), wording.value_text(key, value, names))
                if key in snapshot and snapshot[key] != value:
                    row.changed = True
                    row.before = wording.value_text(key, snapshot[key], names)
                if current is not None:  # the agents' comparison: what accepting would change in the file now
                    row.now = wording.value_text(key, current.get(key), names)
                    row.changed = current.get(key) != value
                    row.before = wording.value_text(key, snapshot.get(key), names)
                    row.conflict = key in conflicts
                block.rows.append(row)
            if step == "pai" and given and given.get("pai_document_id"):
                block.rows.append(Row("health.pai_document_id", str(wording.LABELS["health.pai_document_id"]),
                                      _("Le PAI signé est joint.")))
        result.append(block)
    return result
