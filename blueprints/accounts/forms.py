"""Forms of the registration with a dossier key and of "Mon espace"."""

from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from blueprints.accounts import rules, wording
from blueprints.auth.forms import EMAIL_INVALID, EMAIL_REQUIRED, EMAIL_TOO_LONG
from blueprints.forms import Filled


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
