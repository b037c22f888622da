"""Document forms: the files field (one or several pages, each checked by content: reusable by démarches), the
family's upload form, and the agents' forms (validity dates, refusal reason, a document type). Messages are the ones
shown next to the field and in the error summary."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, Regexp, StopValidation, ValidationError

from blueprints import uploads
from blueprints.documents import rules, wording
from blueprints.forms import ChoiceField, Filled, FrenchDateField, WholeNumberField
from blueprints.languages.formats import commune_text
from models import DocumentType, Person

ACCEPT = ".pdf,.jpg,.jpeg,.png"  # a hint for the file picker only (iOS then converts its photos to JPEG itself)


class DocumentFilesField(MultipleFileField):
    """One or several files (the pages of a document): at least one, at most UPLOAD_MAX_FILES, each a PDF, JPEG or
    PNG by content of at most UPLOAD_MAX_BYTES (an HEIC photo is converted), UPLOAD_MAX_TOTAL_BYTES in all. After
    validation, `checked` holds them (uploads.CheckedFile) in the order they were chosen."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"accept": ACCEPT, "multiple": True})
        super().__init__(*args, **kwargs)
        self.checked: list[uploads.CheckedFile] = []

    def limits_text(self) -> str:
        config = current_app.config
        return _("PDF, JPEG ou PNG : %(mb)s Mo au maximum par fichier, %(files)d fichiers et %(total)s Mo en tout. "
                 "Vous pouvez choisir plusieurs fichiers à la fois, par exemple le recto et le verso, ou une photo par "
                 "page. Les photos d'iPhone sont converties.", mb=config["UPLOAD_MAX_BYTES"] // uploads.MB,
                 files=config["UPLOAD_MAX_FILES"], total=config["UPLOAD_MAX_TOTAL_BYTES"] // uploads.MB)

    def pre_validate(self, form):
        config = current_app.config
        files = self.data or []
        self.checked = []
        if not files:
            raise StopValidation(_("Choisissez le ou les fichiers de la pièce (une photo ou un PDF par page)."))
        if len(files) > config["UPLOAD_MAX_FILES"]:
            raise StopValidation(_("Vous avez choisi %(num)d fichiers : %(max)d au maximum. Rassemblez les pages dans "
                                   "un seul PDF, ou envoyez moins de photos.", num=len(files),
                                   max=config["UPLOAD_MAX_FILES"]))
        again = _("Rien n'a été enregistré : choisissez à nouveau vos fichiers.")
        checked = []
        for storage in files:
            try:
                checked.append(uploads.check_upload(storage, config["UPLOAD_MAX_BYTES"]))
            except uploads.UploadRefused as refused:
                raise StopValidation(_("« %(name)s » : %(message)s", name=refused.name, message=refused.message)
                                     + " " + again) from None
        if sum(len(c.data) for c in checked) > config["UPLOAD_MAX_TOTAL_BYTES"]:
            raise StopValidation(_("Les fichiers dépassent %(mb)s Mo en tout. Envoyez des photos moins grandes ou "
                                   "moins de pages.", mb=config["UPLOAD_MAX_TOTAL_BYTES"] // uploads.MB) + " " + again)
        self.checked = checked


class UploadForm(FlaskForm):
    """Déposer une pièce: its type (radios, each with its help), the child it concerns (for a type that concerns a
    child), the date written on it (required when the type has a validity rule), its files, and the form's one-time
    number (a form sent twice stores one document). `types`: code -> active DocumentType; `children`: the family's;
    `today` checks the date."""

    type_code = RadioField(_l("Type de pièce"), validate_choice=False)
    child_id = ChoiceField(_l("Enfant concerné"), choices=[])
    document_date = FrenchDateField(_l("Date du document"), invalid_message=_l(
        "La date du document n'est pas une date valide. Exemple : 02/11/2026."))
    files = DocumentFilesField(_l("Fichiers de la pièce"))
    token = HiddenField(validators=[Regexp(r"^[0-9a-f]{32}$", message=_l(
        "Ce formulaire n'est plus valable. Choisissez à nouveau la pièce et ses fichiers."))])

    def __init__(self, *args, types: dict[str, DocumentType], children: list[Person], today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.types, self.today = types, today
        self.type_code.choices = [SelectChoice(code, commune_text(t.label)) for code, t in types.items()]
        self.child_id.choices = [SelectChoice("", _("Aucun (toute la famille)"))] + [
            SelectChoice(str(c.id), c.full_name) for c in children]

    @property
    def chosen_type(self) -> DocumentType | None:
        return self.types.get(self.type_code.data or "")

    def validate_type_code(self, field):
        if self.chosen_type is None:
            raise StopValidation(_("Choisissez le type de pièce."))

    def validate_child_id(self, field):
        chosen = self.chosen_type
        if chosen is not None and chosen.per_child and not field.data:
            raise ValidationError(_("Choisissez l'enfant concerné par cette pièce (%(type)s).",
                                    type=commune_text(chosen.label)))

    def validate_document_date(self, field):
        chosen = self.chosen_type
        if chosen is None or field.errors:
            return
        problem = rules.date_problem(chosen.validity, chosen.validity_months, field.data, self.today)
        if problem:
            raise ValidationError(wording.date_problem_text(problem, chosen))


class ValidityForm(FlaskForm):
    """The validity dates an agent validates with (prefilled with the computed ones) or corrects afterwards."""

    valid_from = FrenchDateField(_l("Valide à partir du"), invalid_message=_l(
        "La date de début n'est pas une date valide. Exemple : 02/11/2026."))
    valid_until = FrenchDateField(_l("Valide jusqu'au"), invalid_message=_l(
        "La date de fin n'est pas une date valide. Exemple : 31/08/2027."))

    def validate_valid_until(self, field):
        if rules.dates_problem(self.valid_from.data, field.data) == "order":
            raise ValidationError(_("La date de fin doit être le même jour que la date de début ou après."))


class RefusalForm(FlaskForm):
    """The agent's reason for refusing a document: required, read by the family on the portal."""

    refusal_reason = TextAreaField(
        _l("Motif du refus"),
        validators=[Filled(_l("Saisissez le motif du refus : la famille le lira sur le portail.")),
                    Length(max=300, message=_l("Le motif doit contenir au plus 300 caractères."))],
        description=_l("La famille le lira sur le portail (l'e-mail ne contient qu'un lien). Dites ce qui manque, par "
                       "exemple « Le document date de plus de 3 mois ». 300 caractères au maximum."),
    )


class DocumentTypeForm(FlaskForm):
    """A document type as agents edit it."""

    label = StringField(_l("Nom de la pièce"), validators=[
        Filled(_l("Saisissez le nom de la pièce, par exemple « Justificatif de domicile ».")),
        Length(max=120, message=_l("Le nom doit contenir au plus 120 caractères."))])
    help_text = TextAreaField(_l("Aide pour les familles"), render_kw={"rows": 4}, validators=[
        Optional(), Length(max=500, message=_l("L'aide doit contenir au plus 500 caractères."))])
    validity = RadioField(_l("Durée de validité"), choices=[
        SelectChoice("months", _l("Un nombre de mois à partir de la date du document")),
        SelectChoice("school_year", _l("Jusqu'à la fin de l'année scolaire (31 août)")),
        SelectChoice("none", _l("Sans date de fin"))], validate_choice=False)
    validity_months = WholeNumberField(_l("Nombre de mois"))
    per_child = BooleanField(_l("La pièce concerne un enfant (la famille choisit lequel)"))
    active = BooleanField(_l("Les familles peuvent déposer cette pièce"))

    def validate_validity(self, field):
        if field.data not in ("months", "school_year", "none"):
            raise StopValidation(_("Choisissez la durée de validité."))

    def validate_validity_months(self, field):
        if self.validity.data != "months" or field.errors:
            return
        if field.data is None:
            raise ValidationError(_("Saisissez le nombre de mois de validité, par exemple 3."))
        if not 1 <= field.data <= 120:
            raise ValidationError(_("Saisissez un nombre de mois entre 1 et 120."))
