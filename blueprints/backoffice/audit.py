"""Back office, administrators: the audit log (who read health data, who changed a file, a booking, a request),
filtered, and its CSV export. The lines are blueprints/admin/audit.py's."""

from __future__ import annotations

from flask import request
from wtforms import SelectField, StringField
from wtforms.validators import Length
from wtforms.widgets import TextInput

from blueprints.admin import audit as log
from blueprints.admin import wording
from blueprints.backoffice import bp
from blueprints.backoffice.occupancy import csv_response
from blueprints.forms import EmptyForm, FrenchDateField, flat_errors
from blueprints.htmx import render

SHOWN = 300
EXPORTED = 10_000


class AuditFilters(EmptyForm):
    class Meta:
        csrf = False

    type = SelectField(wording.AUDIT_KIND_LABEL, choices=[], validate_choice=False)
    agent = SelectField(wording.AUDIT_ACTOR_LABEL, choices=[], validate_choice=False)
    nom = StringField(wording.AUDIT_NAME_LABEL, validators=[Length(max=100, message=wording.AUDIT_NAME_TOO_LONG)])
    du = FrenchDateField(wording.AUDIT_FROM_LABEL, widget=TextInput())
    au = FrenchDateField(wording.AUDIT_TO_LABEL, widget=TextInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type.choices = [("", str(wording.AUDIT_ALL))] + [(k, str(wording.AUDIT_KINDS[k])) for k in log.KINDS]
        self.agent.choices = [("", str(wording.AUDIT_EVERYONE))] + [
            (str(u.id), u.display_name or u.email) for u in log.actors()]

    def filters(self) -> log.Filters:
        """The filters read, unreadable values ignored (their message is shown next to the field)."""
        kind = self.type.data if self.type.data in log.KINDS else ""
        agent = self.agent.data if (self.agent.data or "").isdigit() and len(self.agent.data) < 10 else None
        return log.Filters(kind=kind, actor_id=int(agent) if agent else None, start=self.du.data, end=self.au.data,
                           name=(self.nom.data or "").strip()[:100] if not self.nom.errors else "")


def _read_filters():
    form = AuditFilters(request.args)
    form.validate()
    return form, form.filters()


@bp.route("/journal")
def audit():
    """Journal: the newest lines of every audited action, with filters."""
    form, filters = _read_filters()
    rows = log.entries(filters, SHOWN)
    errors = flat_errors(form)
    return render("backoffice/audit.html", form=form, rows=rows, kinds=wording.AUDIT_KINDS, errors=errors,
                  page_errors=bool(errors), more=len(rows) == SHOWN, query=request.query_string.decode()[:1000])


@bp.route("/journal.csv")
def audit_csv():
    """The same lines as CSV (up to 10,000), for a spreadsheet."""
    _form, filters = _read_filters()
    rows = log.entries(filters, EXPORTED)
    return csv_response("journal.csv", [str(h) for h in wording.AUDIT_CSV_HEADER],
                        [(e.at.astimezone(log.PARIS).strftime("%d/%m/%Y %H:%M:%S"), str(wording.AUDIT_KINDS[e.kind]),
                          e.actor, e.subject, e.detail) for e in rows])
