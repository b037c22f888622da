"""Billing forms: amounts in euros as people type them ("3,30", "3.30 €", "1 234,5") read into integer cents, an
effort rate ("0,36" %), the tariff form (QF bands as rows: each row's lower bound and price; the upper bound is the
next row's lower bound minus one), the simulator, a counter payment, a credit note, a billing run."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, FormField, StringField, TextAreaField
from wtforms.fields import FieldList
from wtforms.validators import Length, NumberRange, Optional

from blueprints.forms import (
    BAD_CHOICE,
    CheckboxesField,
    ChoiceField,
    Filled,
    FrenchDateField,
    FrenchInput,
    RadiosField,
    WholeNumberField,
)

MAX_CENTS = 10_000_000  # 100 000 € : more than any family's month
BAND_ROWS_EXTRA = 3


def parse_euros(text: str) -> int | None:
    """Cents from "3,30", "3.30", "3,3 €", "1 234,50", "12" (None if unreadable, negative or too many decimals)."""
    cleaned = re.sub(r"[\s\u00a0\u202f€]", "", text or "").replace("EUR", "").replace(",", ".")
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", cleaned):
        return None
    cents = int((Decimal(cleaned) * 100).to_integral_value())
    return cents if cents <= MAX_CENTS else None


class MoneyField(FrenchInput, StringField):
    """An amount in euros, kept as integer cents in `.data` (None when empty)."""

    invalid_message = _l("Saisissez un montant en euros, par exemple 3,30.")

    def process_formdata(self, valuelist):
        self.raw = valuelist[0] if valuelist else ""
        if not self.raw.strip():
            self.data = None
            return
        self.data = parse_euros(self.raw)
        if self.data is None:
            raise ValueError(self.invalid_message)

    def _value(self):
        if self.process_errors and getattr(self, "raw", None) is not None:
            return self.raw[:40]
        if self.data is None:
            return ""
        return f"{self.data // 100},{self.data % 100:02d}"


class RateField(FrenchInput, StringField):
    """A percentage with up to three decimals ("0,36"), kept as thousandths of a per cent (360)."""

    invalid_message = _l("Saisissez un pourcentage, par exemple 0,36.")

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip().replace(",", ".").rstrip("%").strip()
        self.raw = valuelist[0] if valuelist else ""
        if not raw:
            self.data = None
            return
        try:
            if not re.fullmatch(r"\d{1,3}(\.\d{1,3})?", raw):
                raise InvalidOperation
            value = Decimal(raw)
        except InvalidOperation:
            self.data = None
            raise ValueError(self.invalid_message) from None
        if value > 100:
            self.data = None
            raise ValueError(self.invalid_message)
        self.data = int(value * 1000)

    def _value(self):
        if self.process_errors and getattr(self, "raw", None) is not None:
            return self.raw[:40]
        if self.data is None:
            return ""
        return (f"{Decimal(self.data) / 1000:f}".rstrip("0").rstrip(".") or "0").replace(".", ",")


class Percent(NumberRange):
    def __init__(self, maximum=100):
        super().__init__(min=0, max=maximum, message=_l("Saisissez un nombre entier de 0 à %(max)d.", max=maximum))


class BandForm(Form):
    qf_min = WholeNumberField(_l("QF à partir de"), validators=[Optional(), NumberRange(min=0, max=100_000,
                              message=_l("Saisissez un quotient familial de 0 à 100 000."))])
    price = MoneyField(_l("Prix du créneau"))


class PenaltyForm(Form):
    amount = MoneyField(_l("Montant"))
    percent = WholeNumberField(_l("ou pourcentage du prix"), validators=[Optional(), Percent(1000)])


class TariffForm(FlaskForm):
    target = ChoiceField(_l("Activité et créneau"), validators=[Filled(_l("Choisissez l'activité et le créneau."))])
    valid_from = FrenchDateField(_l("Applicable à partir du"), validators=[Filled(_l("Saisissez la date de début."))])
    kind = RadiosField(_l("Calcul du prix"), choices=[("grid", _l("Grille par tranches de quotient familial")),
                                                     ("effort", _l("Taux d'effort (pourcentage du QF)"))],
                      default="grid")
    bands = FieldList(FormField(BandForm), min_entries=1)
    effort_rate = RateField(_l("Taux d'effort, en % du QF"))
    floor = MoneyField(_l("Prix plancher"))
    ceiling = MoneyField(_l("Prix plafond"))
    non_resident_mode = RadiosField(_l("Familles qui n'habitent pas la commune"), default="same",
                                   choices=[("same", _l("Même prix")), ("percent", _l("Prix multiplié")),
                                            ("add", _l("Prix augmenté d'un montant"))])
    non_resident_percent = WholeNumberField(_l("Pourcentage du prix"), validators=[Optional(), Percent(1000)])
    non_resident_add = MoneyField(_l("Montant ajouté"))
    sibling2_percent = WholeNumberField(_l("Réduction pour le 2e enfant, en %"), validators=[Optional(), Percent()])
    sibling3_percent = WholeNumberField(_l("Réduction à partir du 3e enfant, en %"),
                                        validators=[Optional(), Percent()])
    pai_price = MoneyField(_l("Prix avec panier repas (PAI)"))
    late_booking = FormField(PenaltyForm)
    unjustified_absence = FormField(PenaltyForm)
    no_booking = FormField(PenaltyForm)

    def validate(self, extra_validators=None):
        """The fields, then what depends on the choices: the rate of an effort tariff, the non-resident value."""
        ok = super().validate(extra_validators)
        checks = (
            (self.kind.data == "effort", self.effort_rate, _l("Saisissez le taux d'effort, par exemple 0,36.")),
            (self.non_resident_mode.data == "percent", self.non_resident_percent,
             _l("Saisissez le pourcentage, par exemple 200 pour le double.")),
            (self.non_resident_mode.data == "add", self.non_resident_add,
             _l("Saisissez le montant ajouté, par exemple 2,00.")),
        )
        for applies, field, message in checks:
            if applies and field.data is None and not field.errors:
                field.errors = [str(message)]
                ok = False
        return ok

    def band_values(self) -> list[tuple[int, int]]:
        """(qf_min, price_cents) of the rows filled in, sorted; a row with only one of the two is an error."""
        rows = []
        for entry in self.bands:
            qf_min, price = entry.form.qf_min, entry.form.price
            if qf_min.errors or price.errors:
                continue
            if qf_min.data is None and price.data is None:
                continue
            if qf_min.data is None:
                qf_min.errors = [str(_l("Saisissez le QF à partir duquel ce prix s'applique."))]
            elif price.data is None:
                price.errors = [str(_l("Saisissez le prix de cette tranche."))]
            else:
                rows.append((qf_min.data, price.data))
        return sorted(rows)


QF_MESSAGE = _l("Saisissez un quotient familial de 0 à 100 000, par exemple 850.")


class SimulatorForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    activities = CheckboxesField(_l("Activités"), coerce=str)
    qf_known = RadiosField(_l("Votre quotient familial"), default="yes",
                          choices=[("yes", _l("Je connais mon quotient familial")),
                                   ("no", _l("Je ne connais pas mon quotient familial"))])
    quotient = WholeNumberField(_l("Quotient familial"), invalid_message=QF_MESSAGE,
                                validators=[Optional(), NumberRange(min=0, max=100_000, message=QF_MESSAGE)])
    resident = RadiosField(_l("Vous habitez la commune"), default="yes",
                          choices=[("yes", _l("Oui")), ("no", _l("Non"))])
    children = WholeNumberField(_l("Nombre d'enfants inscrits"), default=1, validators=[Optional(), NumberRange(
        min=1, max=10, message=_l("Saisissez un nombre d'enfants de 1 à 10."))])


class PaymentForm(FlaskForm):
    method = ChoiceField(_l("Mode de paiement"), choices=[("cash", _l("Espèces")), ("cheque", _l("Chèque")),
                                                          ("cesu", _l("CESU"))],
                         validators=[Filled(_l("Choisissez le mode de paiement."))])
    amount = MoneyField(_l("Montant reçu"), validators=[Filled(_l("Saisissez le montant reçu, par exemple 12,50."))])
    reference = StringField(_l("Numéro du chèque ou des titres CESU"), validators=[Optional(), Length(
        max=60, message=_l("60 caractères au maximum."))])
    note = StringField(_l("Remarque"), validators=[Optional(), Length(max=300, message=_l("300 caractères au "
                                                                                          "maximum."))])
    token = StringField()  # the form's own key: sent twice, one payment

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.method.data in ("cheque", "cesu") and not (self.reference.data or "").strip():
            self.reference.errors = [str(_l("Saisissez le numéro du chèque ou des titres CESU."))]
            ok = False
        return ok


class CreditNoteForm(FlaskForm):
    amount = MoneyField(_l("Montant de l'avoir"), validators=[Filled(_l("Saisissez le montant, par exemple 3,30."))])
    reason = TextAreaField(_l("Motif"), validators=[Filled(_l("Saisissez le motif de l'avoir.")), Length(
        max=300, message=_l("300 caractères au maximum."))])


class RunForm(FlaskForm):
    due_date = FrenchDateField(_l("Date limite de paiement"),
                               validators=[Filled(_l("Saisissez la date limite de paiement."))])


__all__ = ["BAD_CHOICE", "BAND_ROWS_EXTRA", "BandForm", "CreditNoteForm", "MoneyField", "PaymentForm", "RateField",
           "RunForm", "SimulatorForm", "TariffForm", "parse_euros"]
