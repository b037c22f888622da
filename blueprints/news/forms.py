"""The agents' news form: title, Markdown text (checked by markup.problems), picture with its required
alternative text, publication now or at a date and time (Paris), audience."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.validators import Length, StopValidation, ValidationError

from blueprints import uploads
from blueprints.forms import ChoiceField, ClockField, Filled, FrenchDateField
from blueprints.news import markup
from clock import PARIS

IMAGE_TYPES = ("image/jpeg", "image/png")


class NewsForm(FlaskForm):
    title = StringField(_l("Titre"), validators=[Filled(_l("Saisissez le titre de l'actualité.")),
                                                 Length(max=150, message=_l("150 caractères au maximum."))])
    body = TextAreaField(_l("Texte"), validators=[Filled(_l("Saisissez le texte de l'actualité.")),
                                                  Length(max=20000, message=_l("20 000 caractères au maximum."))])
    image = FileField(_l("Image (facultative)"), render_kw={"accept": ".jpg,.jpeg,.png"})
    image_alt = StringField(_l("Texte de remplacement de l'image"),
                            validators=[Length(max=250, message=_l("250 caractères au maximum."))])
    remove_image = BooleanField(_l("Retirer l'image actuelle"))
    when = RadioField(_l("Publication"), choices=[("now", _l("Maintenant")), ("later", _l("Plus tard, le :"))],
                      default="now", validators=[Filled(_l("Choisissez quand publier."))])
    publish_day = FrenchDateField(_l("Date de publication"))
    publish_time = ClockField(_l("Heure de publication"))
    audience = RadioField(_l("Pour qui"), choices=[("all", _l("Toutes les familles")),
                                                   ("school", _l("Les familles d'une école")),
                                                   ("activity", _l("Les familles inscrites à une activité"))],
                          default="all", validators=[Filled(_l("Choisissez pour qui est l'actualité."))])
    school_id = ChoiceField(_l("École"), coerce=int)
    activity_id = ChoiceField(_l("Activité"), coerce=int)

    def __init__(self, *args, has_image: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_image = has_image
        self.checked_image: uploads.CheckedFile | None = None

    def validate_body(self, field):
        found = markup.problems(field.data or "")
        if found:
            raise ValidationError(" ".join(found))

    def validate_image(self, field):
        storage = field.data
        if not storage or not getattr(storage, "filename", ""):
            return
        try:
            checked = uploads.check_upload(storage, current_app.config["UPLOAD_MAX_BYTES"])
        except uploads.UploadRefused as refused:
            raise StopValidation(str(refused.message)) from None
        if checked.content_type not in IMAGE_TYPES:
            raise StopValidation(_("L'image doit être une photo JPEG ou PNG."))
        self.checked_image = checked

    def validate_image_alt(self, field):
        keeps = self.has_image and not self.remove_image.data
        if (self.checked_image is not None or keeps) and not (field.data or "").strip():
            raise ValidationError(_("Décrivez l'image en quelques mots (ce qu'elle montre) : ce texte est lu aux "
                                    "personnes qui ne la voient pas."))

    def validate_publish_day(self, field):
        if self.when.data == "later" and field.data is None and not field.errors:
            raise StopValidation(_("Saisissez la date de publication, par exemple 15/12/2026."))

    def validate_publish_time(self, field):
        if self.when.data == "later" and field.data is None and not field.errors:
            raise StopValidation(_("Saisissez l'heure de publication, par exemple 08:00."))

    def validate_school_id(self, field):
        if self.audience.data == "school" and not field.data:
            raise StopValidation(_("Choisissez l'école."))

    def validate_activity_id(self, field):
        if self.audience.data == "activity" and not field.data:
            raise StopValidation(_("Choisissez l'activité."))

    def publish_at(self, now: dt.datetime) -> dt.datetime:
        """The publication instant (UTC): now, or the date and time typed, read in Paris time."""
        if self.when.data != "later":
            return now
        local = dt.datetime.combine(self.publish_day.data, self.publish_time.data, tzinfo=PARIS)
        return local.astimezone(dt.timezone.utc)
