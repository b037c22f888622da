"""The agents' forms for a public page: its title and text (Markdown, checked), and a file to add."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, StopValidation, ValidationError

from blueprints import uploads
from blueprints.forms import Filled
from blueprints.news import markup
from blueprints.pages import rules


class PageForm(FlaskForm):
    title = StringField(_l("Titre de la page"), validators=[Filled(_l("Saisissez le titre de la page.")),
                                                            Length(max=150, message=_l("150 caractères au maximum."))])
    body = TextAreaField(_l("Texte de la page"),
                         validators=[Length(max=50000, message=_l("50 000 caractères au maximum."))])

    def validate_body(self, field):
        found = markup.problems(field.data or "")
        if found:
            raise ValidationError(" ".join(found))


class PageFileForm(FlaskForm):
    file_title = StringField(_l("Nom du document"),
                             validators=[Filled(_l("Saisissez le nom du document, par exemple « Programme des "
                                                   "vacances d'hiver ».")),
                                         Length(max=150, message=_l("150 caractères au maximum."))])
    file = FileField(_l("Fichier"))

    def __init__(self, *args, slug: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.slug = slug
        self.checked: uploads.CheckedFile | None = None

    def validate_file(self, field):
        storage = field.data
        if not storage or not getattr(storage, "filename", ""):
            raise StopValidation(_("Choisissez le fichier."))
        try:
            checked = uploads.check_upload(storage, current_app.config["UPLOAD_MAX_BYTES"])
        except uploads.UploadRefused as refused:
            raise StopValidation(str(refused.message)) from None
        if not rules.accepts(self.slug, checked.content_type):
            raise StopValidation(_("Ce document doit être un PDF.") if rules.PAGES.get(self.slug) == rules.PDF
                                 else _("Le fichier doit être un PDF, un JPEG ou un PNG."))
        self.checked = checked
