"""Absence forms: signal an absence (date range, then its recap), send its certificate, refuse one (agents).
Messages are the ones shown next to the field and in the error summary."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import (
    InputRequired,
    Length,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from blueprints.absences.wording import too_early_text
from blueprints.forms import Filled, FrenchDateField
from blueprints.reservations.wording import format_date
from blueprints.uploads import MB, UploadRefused, check_upload

MAX_DAYS = 62


class AbsenceForm(FlaskForm):
    """Du / Au / motif. `earliest` is the first day an absence may start (rules.earliest_start: today, or an
    earlier day whose certificate window is still open), given by the view."""

    start_date = FrenchDateField(
        _l("Du"), invalid_message=_l("La date de début n'est pas une date valide. Exemple : 23/11/2026."),
        validators=[InputRequired(_l("Saisissez le premier jour de l'absence."))],
    )
    end_date = FrenchDateField(
        _l("Au"), invalid_message=_l("La date de fin n'est pas une date valide. Exemple : 23/11/2026."),
        validators=[InputRequired(_l("Saisissez le dernier jour de l'absence."))],
        description=_l("Le dernier jour d'absence, inclus (le même jour pour une seule journée)."),
    )
    reason = StringField(
        _l("Motif"),
        validators=[Optional(), Length(max=300, message=_l("Le motif doit contenir au plus 300 caractères."))],
        description=_l("Facultatif, par exemple « malade ». 300 caractères au maximum."),
    )

    def __init__(self, *args, earliest: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.earliest = earliest
        self.start_date.description = _(
            "Le premier jour d'absence. Il peut être déjà passé : au plus tôt le %(day)s.",
            day=format_date(earliest))

    def validate_start_date(self, field):
        if field.data is not None and field.data < self.earliest:
            raise ValidationError(too_early_text(field.data, self.earliest))

    def validate_end_date(self, field):
        start = self.start_date.data
        if field.data is None or start is None:
            return
        if field.data < start:
            raise ValidationError(_l("La date de fin doit être le même jour que la date de début ou après."))
        if (field.data - start).days + 1 > MAX_DAYS:
            raise ValidationError(_l(
                "L'absence dure plus de %(n)s jours. Signalez une période plus courte ou contactez le service Enfance.",
                n=MAX_DAYS))


class ConfirmAbsenceForm(AbsenceForm):
    """The recap's form: the same fields, hidden, and the recap's one-time number (a replay records nothing new)."""

    token = HiddenField(validators=[Regexp(r"^[0-9a-f]{32}$", message=_l(
        "Cette demande n'est plus valable. Vérifiez les dates puis signalez l'absence à nouveau."))])


class RefusalForm(FlaskForm):
    """The agent's reason for refusing a certificate: required, read by the family in an e-mail and on the portal."""

    refusal_reason = TextAreaField(
        _l("Motif du refus"),
        validators=[Filled(_l("Saisissez le motif du refus : la famille le recevra par e-mail.")),
                    Length(max=300, message=_l("Le motif doit contenir au plus 300 caractères."))],
        description=_l("La famille le lira dans un e-mail et sur le portail. Dites ce qui manque, par exemple "
                       "« Le certificat ne couvre pas le vendredi 20 novembre ». 300 caractères au maximum."),
    )


class JustificationForm(FlaskForm):
    """The certificate: required, at most UPLOAD_MAX_BYTES, a PDF, JPEG or PNG by content (an iPhone photo is
    converted: blueprints/uploads.py check_upload).

    After validation, `content` holds the bytes, `content_type` the detected type and `original_name` the cleaned
    name."""

    certificate = FileField(
        _l("Certificat médical ou justificatif"),
        validators=[FileRequired(_l("Choisissez le fichier du certificat à envoyer."))],
        render_kw={"accept": ".pdf,.jpg,.jpeg,.png"},  # a hint for the file picker only: the content is checked
    )
    content: bytes = b""
    content_type: str | None = None
    original_name: str = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.certificate.description = _("PDF, JPEG ou PNG, %(mb)s Mo au maximum. Une photo d'iPhone est convertie.",
                                         mb=current_app.config["UPLOAD_MAX_BYTES"] // MB)

    def validate_certificate(self, field):
        try:
            checked = check_upload(field.data, current_app.config["UPLOAD_MAX_BYTES"])
        except UploadRefused as refused:
            raise StopValidation(refused.message) from None
        self.content, self.content_type, self.original_name = checked.data, checked.content_type, checked.name
