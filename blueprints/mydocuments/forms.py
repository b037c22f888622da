"""The GET form of the attestation de présence: which period (a month, a school year, a civil year)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from blueprints.forms import ChoiceField, Filled, RadiosField, WholeNumberField, select_choices
from blueprints.mydocuments import rules, wording


class PresenceForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    periode = RadiosField(_l("Période"), default="mois", choices=select_choices(list(wording.PERIOD_KINDS.items())))
    # choices (the months in the page's language) set by the view; the range is the rules' check (month_range)
    mois = ChoiceField(_l("Mois"), coerce=int, validate_choice=False)
    annee = WholeNumberField(_l("Année"), validators=[Filled(wording.PROBLEMS["year_missing"])])

    def validate_with(self, today) -> bool:
        """The fields, then the period as a whole (rules.period_problem), each message next to its field."""
        if not self.validate():
            return False
        month = self.mois.data if self.periode.data == "mois" else None
        found = rules.period_problem(self.periode.data, self.annee.data, month, today)
        if found:
            field, code = found
            getattr(self, field).errors = [wording.problem(code, today.year)]
            return False
        return True

    def period(self) -> rules.Period:
        return rules.period_of(self.periode.data, self.annee.data, self.mois.data)
