"""Back-office forms: an activity's settings (deadlines, units, periods) and its closures.

Messages are the French sentences shown next to the field and in the error summary. Number, date and time fields
say in French what is expected when the input cannot be read (WTForms' own messages are English).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, StopValidation

from blueprints import edge

WEEKDAYS = [SelectChoice(n, label) for n, label in enumerate(
    (_l("Lundi"), _l("Mardi"), _l("Mercredi"), _l("Jeudi"), _l("Vendredi"), _l("Samedi"), _l("Dimanche")))]
NO_POLICY = "none"
POLICY_KINDS = [
    SelectChoice(NO_POLICY, _l("Par défaut : jusqu'à la veille à minuit")),
    SelectChoice("calendar_days", _l("N jours avant")),
    SelectChoice("working_days", _l("N jours ouvrés avant")),
    SelectChoice("weekday_before", _l("Jour de la semaine précédente")),
]
MAX_UNITS = 20
MAX_PERIODS = 20


class _FrenchInput:
    """Mixin: an empty input gives None (requiredness is a validator's job); an unreadable one a French message."""

    invalid_message = _l("Valeur invalide.")

    def __init__(self, *args, invalid_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        if invalid_message is not None:
            self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        if valuelist and not "".join(valuelist).strip():
            self.data = None
            return
        try:
            super().process_formdata([v.strip() for v in valuelist])
        except ValueError:
            self.data = None
            raise ValueError(self.invalid_message) from None


class WholeNumberField(_FrenchInput, IntegerField):
    invalid_message = _l("Saisissez un nombre entier, par exemple 12.")


class DayField(_FrenchInput, DateField):
    invalid_message = _l("Saisissez une date valide, par exemple 02/11/2026.")

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not edge.supported_day(self.data):
            self.data = None
            raise ValueError(self.invalid_message)


class ClockField(_FrenchInput, TimeField):
    invalid_message = _l("Saisissez une heure valide, par exemple 18:00.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, format=["%H:%M", "%H:%M:%S"], **kwargs)


BAD_CHOICE = _l("Choisissez une valeur de la liste.")


class ChoiceField(SelectField):
    """A select whose tampered values get a French message."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, invalid_value_message=BAD_CHOICE, invalid_choice_message=BAD_CHOICE, **kwargs)


class CheckboxesField(SelectMultipleField):
    """Several checkboxes (the template draws them in a fieldset); tampered values get a French message."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, invalid_value_message=BAD_CHOICE, invalid_choice_message=BAD_CHOICE, **kwargs)


class Filled:
    """Required: the field has a value (0 counts; blank text does not)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if field.process_errors:  # unreadable input: its own message says what to type
            raise StopValidation()
        data = field.data
        if data is None or data == [] or (isinstance(data, str) and not data.strip()):
            raise StopValidation(self.message)


def _weekday_or_none(value):
    return None if value in (None, "", "None") else int(value)


class PolicyForm(Form):
    """A deadline (booking or cancelling): kind, number of days or weekday, and the cut-off time."""

    kind = ChoiceField(_l("Règle"), choices=POLICY_KINDS, default=NO_POLICY)
    days = WholeNumberField(
        _l("Nombre de jours (N)"),
        validators=[Optional(), NumberRange(min=0, max=60, message=_l("Saisissez un nombre de jours entre 0 et 60."))],
        invalid_message=_l("Saisissez un nombre de jours entier, par exemple 2."))
    weekday = ChoiceField(_l("Jour de la semaine précédente"), choices=[SelectChoice("", "—"), *WEEKDAYS],
                          coerce=_weekday_or_none)
    cutoff = ClockField(_l("Heure limite"))

    def validate(self, extra_validators=None):
        """The fields a kind needs are required for that kind only."""
        ok = super().validate(extra_validators)
        kind = self.kind.data
        needs = []
        if kind in ("calendar_days", "working_days"):
            needs.append((self.days, _l("Saisissez le nombre de jours (N), par exemple 2.")))
        if kind == "weekday_before":
            needs.append((self.weekday, _l("Choisissez le jour de la semaine précédente.")))
        if kind != NO_POLICY:
            needs.append((self.cutoff, _l("Saisissez l'heure limite, par exemple 18:00.")))
        for field, message in needs:
            if field.data is None and not field.errors:
                field.errors.append(message)
                ok = False
        return ok


class UnitForm(Form):
    """One unit of the activity (its slot kind is fixed: morning, meal or afternoon)."""

    unit_id = HiddenField()
    label = StringField(_l("Nom affiché"), validators=[
        Filled(_l("Saisissez le nom affiché du créneau, par exemple « Repas ».")),
        Length(max=60, message=_l("Le nom affiché doit contenir au plus 60 caractères."))])
    weekdays = CheckboxesField(_l("Jours d'accueil"), choices=WEEKDAYS, coerce=int,
                               validators=[Filled(_l("Cochez au moins un jour d'accueil."))])
    capacity = WholeNumberField(
        _l("Places par jour"),
        validators=[Optional(), NumberRange(min=0, max=9999, message=_l(
            "Saisissez un nombre de places entre 0 et 9999, ou laissez vide pour un nombre illimité."))],
        invalid_message=_l("Saisissez un nombre de places entier, par exemple 24, ou laissez vide pour un nombre "
                           "illimité."))


class PeriodForm(Form):
    """A period of the activity (school year, holiday session): name and dates."""

    period_id = HiddenField()
    name = StringField(_l("Nom de la période"), validators=[
        Filled(_l("Saisissez le nom de la période.")),
        Length(max=80, message=_l("Le nom de la période doit contenir au plus 80 caractères."))])
    start_date = DayField(_l("Premier jour"), validators=[Filled(_l("Saisissez le premier jour de la période."))])
    end_date = DayField(_l("Dernier jour"), validators=[Filled(_l("Saisissez le dernier jour de la période."))])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        start, end = self.start_date.data, self.end_date.data
        if start and end and end < start:
            self.end_date.errors.append(_l("Le dernier jour doit être le même jour que le premier ou après."))
            ok = False
        return ok


class ActivityForm(FlaskForm):
    """Everything an agent sets for an activity, saved at once or not at all."""

    booking = FormField(PolicyForm, label=_l("Délai de réservation"))
    cancel = FormField(PolicyForm, label=_l("Délai d'annulation"))
    absence_justification_hours = WholeNumberField(
        _l("Délai pour justifier une absence (en heures)"),
        validators=[Optional(), NumberRange(min=0, max=2160, message=_l(
            "Saisissez un nombre d'heures entre 0 et 2160, ou laissez vide pour la règle de la commune."))],
        invalid_message=_l("Saisissez un nombre d'heures entier, par exemple 48, ou laissez vide."))
    units = FieldList(FormField(UnitForm), max_entries=MAX_UNITS)
    periods = FieldList(FormField(PeriodForm), max_entries=MAX_PERIODS)
    # Shown only when the new settings remove days that still hold bookings from today on (see save_settings).
    confirm_cancellations = BooleanField(_l("Annuler ces réservations et prévenir les familles"))


class ClosureForm(FlaskForm):
    """A day the activity does not run, with the reason families will read ("Fermé (…)")."""

    date = DayField(_l("Date"), validators=[Filled(_l("Saisissez la date de la fermeture."))])
    reason = StringField(_l("Motif affiché aux familles"), validators=[
        Filled(_l("Saisissez le motif de la fermeture, par exemple « Grève ».")),
        Length(max=200, message=_l("Le motif doit contenir au plus 200 caractères."))])


def flat_errors(form) -> list[tuple[str, str]]:
    """(field id, first message) of every field in error, nested forms included, in page order: the error
    summary's links. A group of checkboxes is linked through its first box."""
    found = []
    for field in form:
        if field.type == "CSRFTokenField":
            continue
        if isinstance(field, FormField):
            found += flat_errors(field.form)
        elif isinstance(field, FieldList):
            for entry in field:
                found += flat_errors(entry.form) if isinstance(entry, FormField) else []
        elif field.errors:
            anchor = f"{field.id}-0" if isinstance(field, CheckboxesField) else field.id
            found.append((anchor, str(field.errors[0])))
    return found
