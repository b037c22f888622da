"""Forms of the registration with a dossier key and of "Mon espace"."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Regexp, ValidationError

from blueprints.accounts import rules, wording
from blueprints.auth.forms import EMAIL_INVALID, EMAIL_REQUIRED, EMAIL_TOO_LONG
from blueprints.forms import ChoiceField, Filled, FrenchDateField


def clean(value):
    """Text as typed: Unicode composed (NFC), spaces around trimmed."""
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def name_field(label, required, too_long):
    return StringField(label, filters=[clean], validators=[Filled(required), Length(max=100, message=too_long)])


def email_field(label=_l("Adresse e-mail")):
    return EmailField(label, filters=[clean], validators=[
        Filled(EMAIL_REQUIRED), Length(max=254, message=EMAIL_TOO_LONG),
        Email(EMAIL_INVALID, check_deliverability=False)])


class InformationsForm(FlaskForm):
    first_name = name_field(_l("Prénom"), _l("Saisissez votre prénom."),
                            _l("Le prénom doit contenir au plus 100 caractères."))
    last_name = name_field(_l("Nom"), _l("Saisissez votre nom."), _l("Le nom doit contenir au plus 100 caractères."))
    email = email_field()


def key_shape(form, field):
    if field.data and not rules.key_shape_ok(field.data):
        raise ValidationError(wording.KEY_SHAPE)


class DossierForm(FlaskForm):
    dossier_number = StringField(_l("Numéro de dossier"), filters=[clean], validators=[
        Filled(_l("Saisissez le numéro de dossier écrit sur la lettre.")),
        Length(max=20, message=_l("Le numéro de dossier compte au plus 20 caractères, par exemple D-2026-0031."))])
    key = StringField(_l("Clé enfance"), filters=[clean], validators=[
        Filled(_l("Saisissez la clé enfance écrite sur la lettre.")), Length(max=40, message=wording.KEY_SHAPE),
        key_shape])


class ConditionsForm(FlaskForm):
    accepted = BooleanField(_l("J'ai lu et j'accepte les conditions d'utilisation du portail familles."),
                            validators=[DataRequired(wording.CONDITIONS_REQUIRED)])


class EmailChangeForm(FlaskForm):
    new_email = email_field(_l("Nouvelle adresse e-mail"))
    password = PasswordField(_l("Mot de passe actuel"), validators=[
        DataRequired(_l("Saisissez votre mot de passe actuel.")), Length(max=1000)])


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Mot de passe actuel"), validators=[
        DataRequired(_l("Saisissez votre mot de passe actuel.")), Length(max=1000)])
    password = PasswordField(_l("Nouveau mot de passe"), validators=[DataRequired(_l("Choisissez un mot de passe."))])
    confirm = PasswordField(_l("Confirmez le nouveau mot de passe"), validators=[
        DataRequired(_l("Saisissez le nouveau mot de passe une seconde fois.")),
        EqualTo("password", _l("Les deux mots de passe ne sont pas identiques."))])


class NotificationsForm(FlaskForm):
    reminders = BooleanField(wording.NOTIFICATION_LABELS["reminders"])
    news = BooleanField(wording.NOTIFICATION_LABELS["news"])
    invoices = BooleanField(wording.NOTIFICATION_LABELS["invoices"])


# --------------------------------------------------------------------------- asking for an account (no key)

MAX_CHILDREN = 4
CIVILITIES = [SelectChoice("", _l("Non précisée")), SelectChoice("Mme", _l("Madame")),
              SelectChoice("M.", _l("Monsieur"))]


def phone_number(form, field):
    from blueprints.phones import normalise_phone

    if field.data:
        written = normalise_phone(field.data)
        if written is None:
            raise ValidationError(_l("Saisissez un numéro de téléphone, par exemple 06 12 34 56 78."))
        field.data = written


class ChildFields(Form):
    """A child of the request; a row left entirely empty is skipped."""

    first_name = StringField(_l("Prénom de l'enfant"), filters=[clean], validators=[
        Filled(_l("Saisissez le prénom de l'enfant.")),
        Length(max=100, message=_l("Le prénom doit contenir au plus 100 caractères."))])
    last_name = StringField(_l("Nom de l'enfant"), filters=[clean], validators=[
        Filled(_l("Saisissez le nom de l'enfant.")),
        Length(max=100, message=_l("Le nom doit contenir au plus 100 caractères."))])
    birth_date = FrenchDateField(_l("Date de naissance"), validators=[
        Filled(_l("Saisissez la date de naissance, par exemple 14/03/2019."))])

    def is_blank(self) -> bool:
        return not any("".join(str(v) for v in (f.raw_data or [])).strip() for f in self)

    def validate(self, extra_validators=None):
        if self.is_blank():
            for f in self:
                f.errors = []
            return True
        return super().validate(extra_validators)


class AccountRequestForm(FlaskForm):
    civility = ChoiceField(_l("Civilité"), choices=CIVILITIES, default="")
    first_name = name_field(_l("Prénom"), _l("Saisissez votre prénom."),
                            _l("Le prénom doit contenir au plus 100 caractères."))
    last_name = name_field(_l("Nom"), _l("Saisissez votre nom."), _l("Le nom doit contenir au plus 100 caractères."))
    email = email_field()
    phone = StringField(_l("Téléphone"), filters=[clean], validators=[
        Filled(_l("Saisissez un numéro de téléphone, par exemple 06 12 34 56 78.")),
        Length(max=30, message=_l("Le numéro doit contenir au plus 30 caractères.")), phone_number])
    address = StringField(_l("Adresse"), filters=[clean], validators=[
        Filled(_l("Saisissez l'adresse : numéro et rue.")),
        Length(max=200, message=_l("L'adresse doit contenir au plus 200 caractères."))])
    postcode = StringField(_l("Code postal"), filters=[clean], validators=[
        Filled(_l("Saisissez le code postal, par exemple 45000.")),
        Regexp(r"^\d{5}$", message=_l("Le code postal compte 5 chiffres, par exemple 45000."))])
    city = StringField(_l("Commune"), filters=[clean], validators=[
        Filled(_l("Saisissez la commune.")),
        Length(max=120, message=_l("La commune doit contenir au plus 120 caractères."))])
    children = FieldList(FormField(ChildFields), min_entries=MAX_CHILDREN, max_entries=MAX_CHILDREN)
    accepted = BooleanField(_l("J'atteste sur l'honneur que ces informations sont exactes."),
                            validators=[DataRequired(wording.ATTEST_REQUIRED)])

    def filled_children(self) -> list[ChildFields]:
        return [entry.form for entry in self.children if not entry.form.is_blank()]


class RefusalForm(FlaskForm):
    reason = TextAreaField(_l("Motif du refus"), filters=[clean], validators=[
        Filled(_l("Saisissez le motif : il sera montré à la famille.")),
        Length(max=2000, message=_l("Le motif doit contenir au plus 2 000 caractères."))])


class InviteForm(FlaskForm):
    first_name = name_field(_l("Prénom"), _l("Saisissez son prénom."),
                            _l("Le prénom doit contenir au plus 100 caractères."))
    last_name = name_field(_l("Nom"), _l("Saisissez son nom."), _l("Le nom doit contenir au plus 100 caractères."))
    email = email_field(_l("Son adresse e-mail"))
