"""The import's forms: the CSV file (dry run), the confirmation (the kept file's name)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, ValidationError

from blueprints.imports import rules


class UploadForm(FlaskForm):
    """The families' CSV file. After validation, `content` holds its bytes."""

    file = FileField(_l("Fichier CSV des familles"),
                     validators=[FileRequired(_l("Choisissez le fichier CSV à vérifier."))],
                     render_kw={"accept": ".csv,text/csv"})
    content: bytes = b""

    def validate_file(self, field):
        data = field.data.read(rules.MAX_BYTES + 1)
        if len(data) > rules.MAX_BYTES:
            raise ValidationError(_l("Le fichier dépasse 10 Mo : découpez-le en plusieurs fichiers."))
        if b"\x00" in data:
            raise ValidationError(_l("Ce fichier n'est pas un fichier CSV (texte) : enregistrez-le en « CSV »."))
        self.content = data


class ConfirmForm(FlaskForm):
    token = HiddenField()
