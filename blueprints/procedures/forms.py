"""The forms of the démarches' steps. Each step form names the part of the file its fields change (`scope`:
family, person, health, auth, enrol; None for a step that only confirms) and its fields are named like the columns,
so that an answer {"address": "3 rue des Lilas"} of a step of scope "family" means "family.address".

Text is kept as typed (Unicode composed, trimmed), lengths follow the columns, phone numbers are written one way
(blueprints/phones.py), every message is French and shown next to its field and in the error summary. Checks that
need today's date read `form.today` (set by the view).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, RadioField, StringField, TelField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, Length, Optional, StopValidation, ValidationError
from wtforms.widgets import TextInput

from blueprints.forms import BAD_CHOICE, Filled, FrenchDateField, WholeNumberField
from blueprints.phones import normalise_phone
from blueprints.procedures import rules, wording

MAX_TEXT = 2000  # allergies, notes: a few paragraphs at most
POSTCODE = re.compile(r"^\d{5}$")


def clean(value):
    """Text as typed: Unicode composed (NFC), spaces around trimmed."""
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def text(label, max_len: int, *, required=None, too_long=None, textarea=False, **kwargs):
    validators = [Filled(required) if required else Optional(),
                  Length(max=max_len, message=too_long or _l("Ce champ doit contenir au plus %(max)d caractères.",
                                                             max=max_len))]
    field = TextAreaField if textarea else StringField
    return field(label, validators=validators, filters=[clean], **kwargs)


def check_phone(form, field):
    """A phone number in any French way of writing it, stored as "06 12 34 56 78"."""
    if not field.data:
        return
    written = normalise_phone(field.data)
    if written is None:
        raise ValidationError(_l("Ce numéro de téléphone n'existe pas : vérifiez-le, par exemple 06 12 34 56 78."))
    field.data = written


def phone_field(label, required=None):
    return TelField(label, filters=[clean], validators=[Filled(required) if required else Optional(), check_phone])


class RadioChoice(RadioField):
    """Radio buttons whose tampered values get a French message."""

    def __init__(self, label, required=None, choices=(), **kwargs):
        validators = [Filled(required)] if required else [Optional()]
        super().__init__(label, validators=validators, choices=as_choices(choices), **kwargs)

    def pre_validate(self, form):
        offered = {str(value) for value, *_rest in self.iter_choices()}
        if self.data not in (None, "") and str(self.data) not in offered:
            raise StopValidation(BAD_CHOICE)


def as_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [pair if isinstance(pair, SelectChoice) else SelectChoice(*pair) for pair in pairs]


class YesNo(RadioChoice):
    """Oui / Non, answered as True / False."""

    def __init__(self, label, required, **kwargs):
        super().__init__(label, required, choices=[("oui", _l("Oui")), ("non", _l("Non"))], **kwargs)

    def process_data(self, value):
        self.data = {True: "oui", False: "non"}.get(value, value)

    @property
    def answer(self):
        return {"oui": True, "non": False}.get(self.data)


class StepForm(FlaskForm):
    scope: str | None = None
    not_answers = ("csrf_token",)

    def answers(self) -> dict:
        """The step's answers as JSON values (dates as ISO text)."""
        found = {}
        for field in self:
            if field.short_name in self.not_answers or isinstance(field, FileField):
                continue
            value = field.answer if isinstance(field, YesNo) else field.data
            found[field.short_name] = value.isoformat() if isinstance(value, dt.date) else value
        return found

    def required_names(self) -> set[str]:
        """The fields the page marks "(obligatoire)"."""
        return {f.short_name for f in self if any(isinstance(v, Filled) for v in f.validators)}

    @classmethod
    def prefill(cls, answers: dict) -> dict:
        """Form data from JSON answers (ISO text back to dates)."""
        data = dict(answers)
        for name, value in answers.items():
            field = getattr(cls, name, None)
            if field is not None and field.field_class is FrenchDateField and isinstance(value, str) and value:
                data[name] = dt.date.fromisoformat(value)
        return data


# --------------------------------------------------------------------------- coordonnées


class AddressForm(StepForm):
    scope = "family"
    address = text(_l("Numéro et rue"), 200, required=_l("Saisissez le numéro et la rue."))
    postcode = text(_l("Code postal"), 5, required=_l("Saisissez le code postal, par exemple 49000."))
    city = text(_l("Commune"), 120, required=_l("Saisissez la commune."))

    def validate_postcode(self, field):
        if field.data and not POSTCODE.match(field.data):
            raise ValidationError(_l("Un code postal a 5 chiffres, par exemple 49000."))


class GuardianPhonesForm(StepForm):
    scope = "person"
    phone = phone_field(_l("Téléphone portable"))
    other_phone = phone_field(_l("Autre téléphone (domicile)"))
    employer = text(_l("Employeur"), 120)
    work_phone = phone_field(_l("Téléphone au travail"))
    email = EmailField(_l("Adresse e-mail"), filters=[clean], validators=[
        Optional(), Length(max=254, message=_l("L'adresse e-mail doit contenir au plus 254 caractères.")),
        Email(_l("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."), check_deliverability=False)])

    def validate(self, extra_validators=None):
        """The service can reach the guardian: a phone or an e-mail address at least."""
        ok = super().validate(extra_validators)
        if ok and not any([self.phone.data, self.other_phone.data, self.email.data]):
            self.phone.errors.append(_l("Saisissez au moins un numéro de téléphone ou une adresse e-mail."))
            ok = False
        return ok


# --------------------------------------------------------------------------- situation familiale


class SituationForm(StepForm):
    scope = "family"
    situation = RadioChoice(_l("Votre situation familiale"), _l("Choisissez votre situation familiale."),
                            choices=list(wording.SITUATIONS.items()))


class GuardianIdentityForm(StepForm):
    scope = "person"
    civility = RadioChoice(_l("Civilité"), choices=[("Mme", _l("Madame")), ("M.", _l("Monsieur")),
                                                    ("", _l("Je ne souhaite pas le préciser"))], default="")
    last_name = text(_l("Nom d'usage"), 100, required=_l("Saisissez votre nom d'usage."))
    birth_name = text(_l("Nom de naissance"), 100)


class PersonalAddressForm(StepForm):
    scope = "person"
    address = text(_l("Numéro et rue"), 200)
    postcode = text(_l("Code postal"), 5)
    city = text(_l("Commune"), 120)

    def validate(self, extra_validators=None):
        """Empty: the guardian lives at the family's address. Otherwise the three parts are needed."""
        ok = super().validate(extra_validators)
        if ok and any([self.address.data, self.postcode.data, self.city.data]):
            for field, message in ((self.address, _l("Saisissez le numéro et la rue.")),
                                   (self.postcode, _l("Saisissez le code postal, par exemple 49000.")),
                                   (self.city, _l("Saisissez la commune."))):
                if not field.data:
                    field.errors.append(message)
                    ok = False
            if self.postcode.data and not POSTCODE.match(self.postcode.data):
                self.postcode.errors.append(_l("Un code postal a 5 chiffres, par exemple 49000."))
                ok = False
        return ok


# --------------------------------------------------------------------------- contact


class ContactIdentityForm(StepForm):
    scope = "person"
    first_name = text(_l("Prénom"), 100, required=_l("Saisissez le prénom."))
    last_name = text(_l("Nom"), 100, required=_l("Saisissez le nom."))
    relationship_label = text(_l("Lien avec l'enfant"), 60, required=_l("Saisissez le lien avec l'enfant, par "
                                                                          "exemple grand-mère ou voisin."))


class ContactPhonesForm(StepForm):
    scope = "person"
    phone = phone_field(_l("Téléphone"), required=_l("Saisissez le téléphone du contact."))
    other_phone = phone_field(_l("Autre téléphone"))


class ContactRoleForm(StepForm):
    scope = "person"
    can_pick_up = BooleanField(_l("Peut venir chercher l'enfant"))
    emergency_contact = BooleanField(_l("À appeler en cas d'urgence"))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and not (self.can_pick_up.data or self.emergency_contact.data):
            self.can_pick_up.errors.append(_l("Cochez au moins une case : sinon, ce contact n'est pas utile au "
                                              "service."))
            ok = False
        return ok


# --------------------------------------------------------------------------- santé


def not_after_today(form, field):
    today = getattr(form, "today", None)
    if field.data and today and field.data > today:
        raise ValidationError(_l("Cette date est dans le futur : vérifiez le jour, le mois et l'année."))


def not_before_today(form, field):
    today = getattr(form, "today", None)
    if field.data and today and field.data < today:
        raise ValidationError(_l("Cette date est passée : le PAI doit être encore valable."))


def date_field(label, *checks):
    return FrenchDateField(label, validators=[Optional(), *checks], format=["%d/%m/%Y", "%Y-%m-%d"],
                           widget=TextInput(), invalid_message=_l("Saisissez une date valide, par exemple 14/09/2026."))


class DoctorForm(StepForm):
    scope = "health"
    doctor_name = text(_l("Nom du médecin traitant"), 120)
    doctor_phone = phone_field(_l("Téléphone du médecin"))
    vaccinations_up_to_date = YesNo(_l("Les vaccins obligatoires sont-ils à jour ?"),
                                    _l("Dites si les vaccins sont à jour."))
    vaccinations_date = date_field(_l("Date du dernier vaccin"), not_after_today)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and self.vaccinations_up_to_date.answer and not self.vaccinations_date.data:
            self.vaccinations_date.errors.append(_l("Saisissez la date du dernier vaccin (carnet de santé)."))
            ok = False
        return ok


class FoodForm(StepForm):
    scope = "health"
    allergies = text(_l("Allergies"), MAX_TEXT, textarea=True,
                     too_long=_l("Les allergies doivent tenir en 2 000 caractères au plus."))
    diet = RadioChoice(_l("Régime alimentaire à la cantine"), choices=[], default="")


class PaiForm(StepForm):
    scope = "health"
    not_answers = ("csrf_token", "pai_file")
    pai = YesNo(_l("Votre enfant a-t-il un PAI (projet d'accueil individualisé) ?"), _l("Dites si l'enfant a un PAI."))
    pai_end_date = date_field(_l("Le PAI est valable jusqu'au"), not_before_today)
    pai_file = FileField(_l("Le PAI signé (PDF, JPEG ou PNG, 5 Mo au plus)"))
    notes = text(_l("Autres informations utiles au service"), MAX_TEXT, textarea=True,
                 too_long=_l("Ces informations doivent tenir en 2 000 caractères au plus."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and self.pai.answer and not self.pai_end_date.data:
            self.pai_end_date.errors.append(_l("Saisissez la date de fin du PAI."))
            ok = False
        return ok


class AuthorisationsForm(StepForm):
    scope = "auth"
    photo = YesNo(wording.AUTHORISATIONS["photo"], _l("Répondez oui ou non pour les photos et vidéos."))
    leave_alone = YesNo(wording.AUTHORISATIONS["leave_alone"], _l("Répondez oui ou non pour rentrer seul."))
    transport = YesNo(wording.AUTHORISATIONS["transport"], _l("Répondez oui ou non pour le transport."))
    emergency_care = YesNo(wording.AUTHORISATIONS["emergency_care"], _l("Répondez oui ou non pour les soins "
                                                                        "d'urgence."))


# --------------------------------------------------------------------------- allocataire


class CaisseForm(StepForm):
    scope = "family"
    allocataire_regime = RadioChoice(_l("Votre caisse d'allocations familiales"), _l("Choisissez votre caisse."),
                                     choices=[("CAF", _l("CAF")), ("MSA", _l("MSA")),
                                              ("", _l("Aucune : je ne suis pas allocataire"))], default="")
    allocataire_number = text(_l("Numéro d'allocataire"), 20)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok:
            self.allocataire_number.data = rules.clean_allocataire_number(self.allocataire_number.data)
            problem = rules.allocataire_number_problem(self.allocataire_regime.data or "",
                                                       self.allocataire_number.data)
            if problem:
                field = self.allocataire_regime if problem == "unexpected" else self.allocataire_number
                field.errors.append(wording.ALLOCATAIRE[problem])
                ok = False
        return ok


class QuotientForm(StepForm):
    scope = "family"
    quotient_familial = WholeNumberField(_l("Quotient familial"), validators=[Optional()])
    qf_start_date = date_field(_l("Valable depuis le"), not_after_today)
    qf_source = RadioChoice(_l("Calculé par"), choices=[("CAF", _l("la CAF")), ("MSA", _l("la MSA")),
                                                        ("Avis d'imposition", _l("le service, d'après l'avis "
                                                                                 "d'imposition"))], default="")

    def validate_quotient_familial(self, field):
        if field.data is not None and not 0 <= field.data <= 99999:
            raise ValidationError(_l("Le quotient familial est un nombre entre 0 et 99 999, par exemple 850."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if ok and self.quotient_familial.data is not None:
            for field, message in ((self.qf_start_date, _l("Saisissez la date de début du quotient familial.")),
                                   (self.qf_source, _l("Dites qui a calculé le quotient familial."))):
                if not field.data:
                    field.errors.append(message)
                    ok = False
        return ok


# --------------------------------------------------------------------------- inscription à une activité


class ActivityForm(StepForm):
    scope = "enrol"
    period_id = RadioChoice(_l("Activité et période"), _l("Choisissez une activité et une période."), choices=[],
                            coerce=lambda v: int(v) if str(v).isdigit() and len(str(v)) < 10 else v)


# --------------------------------------------------------------------------- confirmations, documents


class ConfirmForm(StepForm):
    """ "C'est à jour": a step of the inscription administrative that only confirms a part of the file."""

    def answers(self) -> dict:
        return {"ok": True}


class DocumentsForm(StepForm):
    """One file per required document (fields doc_0, doc_1...: see documents_form)."""

    not_answers = ("csrf_token",)


def documents_form(labels: list[str]) -> type[DocumentsForm]:
    """The form of the "pieces" step for these required documents."""
    fields = {f"doc_{i}": FileField(label) for i, label in enumerate(labels)}
    return type("RequiredDocumentsForm", (DocumentsForm,), fields)


# --------------------------------------------------------------------------- prélèvement automatique (payments)


def must_accept(form, field):
    if field.data is not True:
        raise StopValidation(_l("Cochez « J'accepte les conditions du prélèvement » pour autoriser le prélèvement."))


class MandateAccountForm(StepForm):
    scope = "mandate"
    holder = text(_l("Titulaire du compte"), 70, required=_l("Saisissez le nom du titulaire du compte, tel qu'il "
                                                              "est écrit sur le RIB."))
    iban = StringField(_l("IBAN"), filters=[clean], validators=[
        Filled(_l("Saisissez l'IBAN écrit sur votre RIB, par exemple FR76 3000 6000 0112 3456 7890 189.")),
        Length(max=50, message=_l("Un IBAN a au plus 34 caractères."))])
    bic = StringField(_l("BIC"), filters=[clean], validators=[
        Optional(), Length(max=20, message=_l("Un BIC a 8 ou 11 caractères."))])

    def validate(self, extra_validators=None):
        """The IBAN (and the BIC when typed) checked by blueprints/payments/sepa.py (schwifty); the IBAN is kept
        grouped by 4, the BIC found from the IBAN when left empty."""
        from blueprints.payments import sepa
        from blueprints.payments.wording import ACCOUNT_PROBLEMS

        ok = super().validate(extra_validators)
        if not ok or not self.iban.data:
            return ok
        account, problem = sepa.check_account(self.iban.data, self.bic.data or "")
        if problem:
            (self.bic if problem.startswith("bic") else self.iban).errors.append(ACCOUNT_PROBLEMS[problem])
            return False
        self.iban.data, self.bic.data = account.iban_formatted, account.bic
        return True


class MandateAgreementForm(StepForm):
    scope = "mandate"
    accepted = BooleanField(_l("J'accepte les conditions du prélèvement automatique et j'autorise la commune à "
                               "envoyer des instructions à ma banque pour débiter mon compte du montant de mes "
                               "factures, à leur date d'échéance."), validators=[must_accept])


class PaperlessForm(StepForm):
    scope = "billing"
    paperless = YesNo(_l("Recevoir mes factures par e-mail, sans facture papier"),
                      _l("Choisissez « Oui » pour la facture en ligne, ou « Non » pour la facture papier."))


FORMS: dict[str, dict[str, type[StepForm]]] = {
    "coordonnees": {"adresse": AddressForm, "telephones": GuardianPhonesForm},
    "telephones": {"telephones": GuardianPhonesForm},
    "situation_familiale": {"situation": SituationForm, "identite": GuardianIdentityForm,
                            "adresse_perso": PersonalAddressForm},
    "contact": {"identite": ContactIdentityForm, "telephones": ContactPhonesForm, "role": ContactRoleForm},
    "sante": {"medecin": DoctorForm, "alimentation": FoodForm, "pai": PaiForm},
    "autorisations": {"autorisations": AuthorisationsForm},
    "allocataire": {"caisse": CaisseForm, "quotient": QuotientForm},
    "inscription_activite": {"activite": ActivityForm},
    "inscription_administrative": {step: ConfirmForm for step in
                                   ("coordonnees", "enfants", "contacts", "sante", "autorisations", "allocataire")},
    "prelevement": {"compte": MandateAccountForm, "accord": MandateAgreementForm},
    "facture_en_ligne": {"facture": PaperlessForm},
}
