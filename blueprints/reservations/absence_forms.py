"""Absence forms: signal an absence (date range), send its certificate. Messages are the ones shown next to the
field and in the error summary."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, StringField
from wtforms.validators import (
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from blueprints import edge
from blueprints.family.uploads import detect_type

MAX_DAYS = 62
# <input type="date"> sends ISO dates; a browser without a date picker lets people type 23/11/2026.
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class FrenchDateField(DateField):
    """A date field whose "not a date" message is ours (WTForms' default is English and generic)."""

    def __init__(self, label, invalid_message, **kwargs):
        super().__init__(label, format=DATE_FORMATS, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(self.invalid_message) from exc
        if self.data is not None and not edge.supported_day(self.data):  # year 9999: a typo, not an absence
            self.data = None
            raise ValueError(self.invalid_message)


class AbsenceForm(FlaskForm):
    """Du / Au / motif. `today` (Europe/Paris) is given by the view: the portal does not take past absences."""

    start_date = FrenchDateField(
        _l("Du"), _l("La date de début n'est pas une date valide. Exemple : 23/11/2026."),
        validators=[InputRequired(_l("Saisissez le premier jour de l'absence."))],
        description=_l("Le premier jour d'absence : aujourd'hui ou un jour à venir."),
    )
    end_date = FrenchDateField(
        _l("Au"), _l("La date de fin n'est pas une date valide. Exemple : 23/11/2026."),
        validators=[InputRequired(_l("Saisissez le dernier jour de l'absence."))],
        description=_l("Le dernier jour d'absence, inclus (le même jour pour une seule journée)."),
    )
    reason = StringField(
        _l("Motif"),
        validators=[Optional(), Length(max=300, message=_l("Le motif doit contenir au plus 300 caractères."))],
        description=_l("Facultatif, par exemple « malade ». 300 caractères au maximum."),
    )

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate_start_date(self, field):
        if field.data is not None and field.data < self.today:
            raise ValidationError(_l(
                "La date de début est passée. Le portail enregistre une absence à partir d'aujourd'hui ; "
                "pour un jour déjà passé, contactez le service Enfance."))

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


class JustificationForm(FlaskForm):
    """The certificate: required, at most UPLOAD_MAX_BYTES, a PDF, JPEG or PNG by content.

    After validation, `content` holds the bytes and `content_type` the detected type."""

    certificate = FileField(
        _l("Certificat médical ou justificatif"),
        validators=[FileRequired(_l("Choisissez le fichier du certificat à envoyer."))],
        description=_l("PDF, JPEG ou PNG, 5 Mo au maximum."),
        render_kw={"accept": ".pdf,.jpg,.jpeg,.png"},  # a hint for the file picker only: the content is checked
    )
    content: bytes = b""
    content_type: str | None = None

    def validate_certificate(self, field):
        limit = current_app.config["UPLOAD_MAX_BYTES"]
        data = field.data.stream.read(limit + 1)
        if not data:
            raise StopValidation(_l("Le fichier est vide. Choisissez le fichier du certificat."))
        if len(data) > limit:
            raise StopValidation(_l(
                "Le fichier dépasse %(mb)s Mo. Envoyez un fichier plus léger (par exemple une photo moins grande).",
                mb=limit // (1024 * 1024)))
        content_type = detect_type(data)
        if content_type is None:
            raise StopValidation(_l(
                "Le fichier n'est pas un PDF, un JPEG ou un PNG. Enregistrez-le dans l'un de ces formats puis "
                "recommencez."))
        self.content, self.content_type = data, content_type
