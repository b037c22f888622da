"""Back-office forms of the requests queue: its filters (read from the address) and the agents' decisions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import TextInput

from blueprints.forms import ChoiceField, Filled, FrenchDateField

MAX_MESSAGE = 2000


def _id(value):
    return int(value) if str(value or "").isdigit() and len(str(value)) < 10 else None


class QueueFilters(Form):
    """Démarche, état, école, envoyée entre deux dates (every filter optional)."""

    demarche = ChoiceField(_l("Démarche"), coerce=_id, choices=[SelectChoice("", "")], default="")
    statut = ChoiceField(_l("État"), choices=[SelectChoice("", "")], default="")
    ecole = ChoiceField(_l("École"), coerce=_id, choices=[SelectChoice("", "")], default="")
    du = FrenchDateField(_l("Envoyée depuis le"), validators=[Optional()], widget=TextInput())
    au = FrenchDateField(_l("Envoyée jusqu'au"), validators=[Optional()], widget=TextInput())

    def validate_au(self, field):
        if field.data and self.du.data and field.data < self.du.data:
            raise ValidationError(_l("La date de fin doit être après la date de début."))


def message_field(label, required=None):
    validators = [Filled(required) if required else Optional(),
                  Length(max=MAX_MESSAGE, message=_l("Le message doit tenir en 2 000 caractères au plus."))]
    return TextAreaField(label, validators=validators, filters=[lambda v: v.strip() if isinstance(v, str) else v])


class AcceptForm(FlaskForm):
    message = message_field(_l("Message à la famille (facultatif)"))


class AskForm(FlaskForm):
    message = message_field(_l("Ce qui manque ou ce qu'il faut corriger"),
                            _l("Écrivez à la famille ce qu'elle doit compléter."))


class RefuseForm(FlaskForm):
    message = message_field(_l("Motif du refus"), _l("Écrivez le motif du refus : la famille le lira."))
