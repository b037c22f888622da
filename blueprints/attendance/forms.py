"""Forms of the pointage: choosing a list (GET, no state change), adding a child present without a booking."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, ValidationError
from wtforms.validators import Email, Length, NumberRange

from blueprints.forms import ChoiceField, ClockField, Filled, FrenchDateField, WholeNumberField


class ChooseForm(FlaskForm):
    """Site, activity and unit, day: which list to open (a GET form: nothing changes, no CSRF token)."""

    class Meta:
        csrf = False

    site = ChoiceField(_l("Site (école)"), coerce=int, validators=[Filled(_l("Choisissez le site."))])
    unit = ChoiceField(_l("Activité et créneau"), coerce=int,
                       validators=[Filled(_l("Choisissez l'activité et le créneau."))])
    day = FrenchDateField(_l("Jour"), validators=[Filled(_l("Saisissez le jour, par exemple 02/11/2026."))])


def optional_id(value):
    """A select's value: None for the empty first option, else a whole number (ValueError otherwise)."""
    return None if value in ("", None) else int(value)


class AddForm(FlaskForm):
    """A child of the site, present without a booking (the first option, empty, asks to choose)."""

    child = ChoiceField(_l("Enfant présent sans réservation"), coerce=optional_id,
                        validators=[Filled(_l("Choisissez un enfant de la liste."))])


class KitchenForm(FlaskForm):
    """Where and when the meal counts go: the kitchen's address, the indicative and firm orders, the hour."""

    email = StringField(_l("Adresse e-mail de la cuisine centrale"), validators=[
        Length(max=254, message=_l("L'adresse doit contenir au plus 254 caractères.")),
        Email(message=_l("Saisissez une adresse e-mail valide, par exemple cuisine@ville-exemple.fr."),
              check_deliverability=False)])
    indicative_days = WholeNumberField(_l("Commande indicative : combien de jours avant le repas"), validators=[
        Filled(_l("Saisissez un nombre de jours, par exemple 15.")),
        NumberRange(min=0, max=60, message=_l("Saisissez un nombre de jours entre 0 et 60."))])
    firm_days = WholeNumberField(_l("Commande ferme : combien de jours avant le repas"), validators=[
        Filled(_l("Saisissez un nombre de jours, par exemple 3.")),
        NumberRange(min=0, max=60, message=_l("Saisissez un nombre de jours entre 0 et 60."))])
    cutoff = ClockField(_l("Heure d'envoi"), validators=[Filled(_l("Saisissez une heure, par exemple 10:00."))])

    def validate_firm_days(self, field):
        if field.data is not None and self.indicative_days.data is not None and field.data > self.indicative_days.data:
            raise ValidationError(_l("La commande ferme vient après la commande indicative : saisissez au plus "
                                     "%(n)d jours.", n=self.indicative_days.data))

