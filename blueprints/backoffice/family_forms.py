"""Back-office forms of a family file: the family's details, a guardian, a child, a contact, the creation form that
holds them all, and the choice of a period to enrol a child in.

Text is kept as typed (Unicode normalised to NFC, trimmed); lengths follow the columns, with a French message
next to the field. Checks that need the database or today's date (a login already using an e-mail address, a
plausible birth date) are made by the route through blueprints/families.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    StringField,
    TelField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, Length, Optional, StopValidation, ValidationError
from wtforms.widgets import TextInput

from blueprints.forms import BAD_CHOICE, ChoiceField, Filled, FrenchDateField
from models import Family, Person

MAX_CHILDREN = 8  # children typed in the creation form (more can be added from the family's page)
CIVILITIES = [SelectChoice("", _l("Non précisée")), SelectChoice("Mme", _l("Madame")),
              SelectChoice("M.", _l("Monsieur"))]
PHONE_CHARS = re.compile(r"^\+?[0-9 .()/-]+$")


def clean(value):
    """Text as typed: Unicode composed (NFC), spaces around trimmed."""
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def length_of(column) -> int:
    return column.property.columns[0].type.length


def text(label, column, *, required=None, too_long, **kwargs):
    """A text field of at most the column's length; `required` is the message when it is left empty."""
    validators = [Filled(required) if required else Optional(),
                  Length(max=length_of(column), message=too_long)]
    return StringField(label, validators=validators, filters=[clean], **kwargs)


def phone_number(form, field):
    """Digits, spaces, dots, dashes, parentheses and a leading +; 6 to 15 digits."""
    value = field.data or ""
    digits = sum(c.isdigit() for c in value)
    if value and (not PHONE_CHARS.match(value) or not 6 <= digits <= 15):
        raise ValidationError(_l("Saisissez un numéro de téléphone avec des chiffres, par exemple 06 12 34 56 78."))


def phone_field(label, required=None):
    validators = [Filled(required) if required else Optional(),
                  Length(max=length_of(Person.phone), message=_l("Le numéro doit contenir au plus 30 caractères.")),
                  phone_number]
    return TelField(label, validators=validators, filters=[clean])


def email_field(label):
    return EmailField(label, filters=[clean], validators=[
        Optional(),
        Length(max=length_of(Person.email), message=_l("L'adresse e-mail doit contenir au plus 254 caractères.")),
        Email(_l("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."), check_deliverability=False)])


def first_name_field():
    return text(_l("Prénom"), Person.first_name, required=_l("Saisissez le prénom."),
                too_long=_l("Le prénom doit contenir au plus 100 caractères."))


def last_name_field():
    return text(_l("Nom"), Person.last_name, required=_l("Saisissez le nom."),
                too_long=_l("Le nom doit contenir au plus 100 caractères."))


def relationship_field():
    return text(_l("Lien avec l'enfant"), Person.relationship_label,
                too_long=_l("Le lien avec l'enfant doit contenir au plus 60 caractères."))


def row_id(value):
    """A row id read from a form (None when it is not one)."""
    return int(value) if str(value or "").isdigit() and len(str(value)) < 10 else None


class OptionalGroup:
    """Mixin for a group of fields that may be left entirely empty (a second guardian, another child): then it
    is skipped, without errors; once anything is typed in it, it is checked like any other."""

    def is_blank(self) -> bool:
        for field in self:
            if field.type in ("HiddenField", "CSRFTokenField"):
                continue
            raw = field.raw_data or []
            if field.type == "BooleanField":
                if field.data:
                    return False
            elif "".join(str(v) for v in raw).strip():
                return False
        return True

    def validate(self, extra_validators=None):
        if self.is_blank():
            for field in self:
                field.errors = []
            return True
        return super().validate(extra_validators)


# --------------------------------------------------------------------------- groups of fields


class FamilyFields(Form):
    name = text(_l("Nom de la famille"), Family.name, required=_l("Saisissez le nom de la famille."),
                too_long=_l("Le nom de la famille doit contenir au plus 120 caractères."))
    address = text(_l("Adresse"), Family.address, required=_l("Saisissez l'adresse : numéro et rue."),
                   too_long=_l("L'adresse doit contenir au plus 200 caractères."))
    postcode = text(_l("Code postal"), Family.postcode, required=_l("Saisissez le code postal, par exemple 49000."),
                    too_long=_l("Le code postal doit contenir au plus 10 caractères."))
    city = text(_l("Commune"), Family.city, required=_l("Saisissez la commune."),
                too_long=_l("La commune doit contenir au plus 120 caractères."))
    phone = phone_field(_l("Téléphone principal"))
    email = email_field(_l("Adresse e-mail principale"))


class GuardianFields(Form):
    civility = ChoiceField(_l("Civilité"), choices=CIVILITIES, default="")
    first_name = first_name_field()
    last_name = last_name_field()
    relationship_label = relationship_field()
    email = email_field(_l("Adresse e-mail"))
    phone = phone_field(_l("Téléphone"))

    def validate(self, extra_validators=None):
        """A guardian can be reached: a phone number or an e-mail address."""
        ok = super().validate(extra_validators)
        if not self.phone.data and not self.email.data and not self.phone.errors and not self.email.errors:
            self.phone.errors.append(_l("Saisissez un téléphone ou une adresse e-mail pour joindre ce représentant."))
            ok = False
        return ok


class SecondGuardianFields(OptionalGroup, GuardianFields):
    pass


class ChildFields(Form):
    first_name = first_name_field()
    last_name = last_name_field()
    # Typed (a date picker takes many taps to go back years): shown back as 14/03/2019, ISO dates accepted too.
    birth_date = FrenchDateField(_l("Date de naissance"), validators=[Filled(_l("Saisissez la date de naissance."))],
                                 format=["%d/%m/%Y", "%Y-%m-%d"], widget=TextInput(),
                                 invalid_message=_l("Saisissez une date de naissance valide, par exemple 14/03/2019."))
    school_id = ChoiceField(_l("École"), coerce=row_id, choices=[SelectChoice("", "")], default="")
    class_name = text(_l("Classe"), Person.class_name,
                      too_long=_l("La classe doit contenir au plus 40 caractères."))


class OtherChildFields(OptionalGroup, ChildFields):
    pass


class ContactFields(Form):
    first_name = first_name_field()
    last_name = last_name_field()
    relationship_label = relationship_field()
    phone = phone_field(_l("Téléphone"), required=_l("Saisissez le téléphone du contact."))
    can_pick_up = BooleanField(_l("Peut venir chercher l'enfant"))
    emergency_contact = BooleanField(_l("À appeler en cas d'urgence"))


# --------------------------------------------------------------------------- forms


class NewFamilyForm(FlaskForm, FamilyFields):
    """Créer une famille: its details, one guardian (a second one if typed), the children typed."""

    key = HiddenField()  # this form's own key: sent twice, it makes one file (see families.service.create_family)
    guardian1 = FormField(GuardianFields, label=_l("Premier représentant"))
    guardian2 = FormField(SecondGuardianFields, label=_l("Second représentant (facultatif)"))
    children = FieldList(FormField(OtherChildFields), min_entries=1, max_entries=MAX_CHILDREN)


class FamilyForm(FlaskForm, FamilyFields):
    pass


class GuardianForm(FlaskForm, GuardianFields):
    pass


class ChildForm(FlaskForm, ChildFields):
    pass


class ContactForm(FlaskForm, ContactFields):
    pass


ROLE_FORMS = {"guardian": GuardianForm, "child": ChildForm, "contact": ContactForm}


class EnrollForm(FlaskForm):
    """Inscrire à une activité: one period among those of every activity (grouped by activity on the page)."""

    period_id = RadioField(_l("Activité et période"), coerce=row_id, choices=[], validate_choice=False)

    def validate_period_id(self, field):
        """One of the periods offered (a forged or stale id gets a French message, not WTForms' English one)."""
        if field.data is None:
            raise StopValidation(_l("Choisissez une activité et une période."))
        if field.data not in {choice.value for choice in field.choices}:
            raise StopValidation(BAD_CHOICE)
