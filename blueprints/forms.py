"""Form pieces every domain shares: the button-only form (CSRF), fields that read French input and say in French
what they expected, the error-summary helper. Domain forms (activities, absences, accounts) build on these."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from blueprints import edge

# What the application accepts as a date: <input type="date"> sends ISO dates, people without a date picker type
# 23/11/2026 (or 2/11/2026). Dates outside edge.FIRST_DAY..LAST_DAY are refused: every rule and page handles these.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
BAD_CHOICE = _l("Choisissez une valeur de la liste.")


class EmptyForm(FlaskForm):
    """A form with no field but the CSRF token: logout, delete and confirm buttons."""


class FrenchInput:
    """Mixin: an empty input gives None (requiredness is a validator's job); an unreadable one a French message
    (`invalid_message`, given per field or per class)."""

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


class WholeNumberField(FrenchInput, IntegerField):
    """A whole number; one too large for the database is as unreadable as a word."""

    invalid_message = _l("Saisissez un nombre entier, par exemple 12.")

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and abs(self.data) > edge.MAX_ID:
            self.data = None
            raise ValueError(self.invalid_message)


class FrenchDateField(FrenchInput, DateField):
    """The one date field: 2026-11-02, 02/11/2026 or 2/11/2026, within edge.FIRST_DAY..LAST_DAY."""

    invalid_message = _l("Saisissez une date valide, par exemple 02/11/2026.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", list(DATE_FORMATS))
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not edge.supported_day(self.data):
            self.data = None
            raise ValueError(self.invalid_message)


class ClockField(FrenchInput, TimeField):
    invalid_message = _l("Saisissez une heure valide, par exemple 18:00.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, format=["%H:%M", "%H:%M:%S"], **kwargs)


def select_choices(choices):
    """(value, label) pairs as WTForms' SelectChoice (tuples are deprecated in WTForms 3.3); callables and
    SelectChoice lists pass through."""
    if choices is None or callable(choices) or isinstance(choices, dict):
        return choices
    return [SelectChoice(*c) if isinstance(c, tuple) else c for c in choices]


def choice_pairs(choices):
    """(value, label) for each choice, written as a pair or as a SelectChoice (for templates that draw their own
    radios or checkboxes: `{% for value, label in field.choices|pairs %}`)."""
    return [(c.value, c.label) if isinstance(c, SelectChoice) else (c[0], c[1]) for c in choices or ()]


class ChoiceField(SelectField):
    """A select whose tampered values get a French message; choices may be written as (value, label) pairs."""

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, choices=select_choices(choices), invalid_value_message=BAD_CHOICE,
                         invalid_choice_message=BAD_CHOICE, **kwargs)


class RadiosField(RadioField):
    """Radio buttons (the template draws them in a fieldset); choices may be (value, label) pairs; tampered values
    get the French message."""

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, choices=select_choices(choices), **kwargs)

    def pre_validate(self, form):
        if self.data not in {value for value, _label in choice_pairs(self.choices)}:
            raise StopValidation(BAD_CHOICE)


class CheckboxesField(SelectMultipleField):
    """Several checkboxes (the template draws them in a fieldset); tampered values get a French message."""

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, choices=select_choices(choices), invalid_value_message=BAD_CHOICE,
                         invalid_choice_message=BAD_CHOICE, **kwargs)


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
