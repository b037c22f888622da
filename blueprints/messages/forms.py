"""The messagerie's forms: writing to a service (theme, subject, message, an attachment), replying, and the agents'
forms (assign; a service, a theme, an answer template). Messages are the ones shown next to the field and in the
error summary."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import Email, Length, Optional, Regexp, StopValidation, ValidationError

from blueprints import uploads
from blueprints.forms import ChoiceField, Filled
from blueprints.messages import rules, wording

TOKEN = Regexp(r"^[0-9a-f]{32}$", message=_l("Ce formulaire n'est plus valable. Écrivez à nouveau votre message."))


class AttachmentField(FileField):
    """At most one file (optional), a PDF, JPEG or PNG by content (uploads.check_upload, HEIC converted); after
    validation `checked` holds it, or None."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"accept": ".pdf,.jpg,.jpeg,.png"})
        super().__init__(*args, **kwargs)
        self.checked: uploads.CheckedFile | None = None

    def limits_text(self) -> str:
        return _("Facultatif. Un PDF, un JPEG ou un PNG de %(mb)s Mo au maximum (une facture, une attestation…). "
                 "Les photos d'iPhone sont converties.", mb=current_app.config["UPLOAD_MAX_BYTES"] // uploads.MB)

    def pre_validate(self, form):
        self.checked = None
        storage = self.data
        if storage is None or isinstance(storage, str) or not getattr(storage, "filename", ""):
            return
        try:
            self.checked = uploads.check_upload(storage, current_app.config["UPLOAD_MAX_BYTES"])
        except uploads.UploadRefused as refused:
            raise StopValidation(_("« %(name)s » : %(message)s", name=refused.name, message=refused.message) + " "
                                 + _("Rien n'a été envoyé : choisissez à nouveau le fichier.")) from None


def _check_text(field, limit: int, to_text) -> None:
    problem = rules.text_problem(field.data, limit)
    if problem:
        raise StopValidation(to_text(problem))


class ReplyForm(FlaskForm):
    """A message in a conversation (the family's or an agent's reply)."""

    body = TextAreaField(_l("Votre message"), render_kw={"rows": 8})
    attachment = AttachmentField(_l("Joindre un document"))
    token = HiddenField(validators=[TOKEN])

    def validate_body(self, field):
        _check_text(field, rules.MAX_BODY, wording.body_problem_text)


class StartForm(FlaskForm):
    """Écrire à un service: the theme (the service follows from it), the subject, the message, an attachment."""

    theme_id = RadioField(_l("À quel sujet écrivez-vous ?"), validate_choice=False)
    subject = StringField(_l("Objet"))
    body = TextAreaField(_l("Votre message"), render_kw={"rows": 8})
    attachment = AttachmentField(_l("Joindre un document"))
    token = HiddenField(validators=[TOKEN])

    def __init__(self, *args, themes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.themes = {str(t.id): t for t in themes}
        self.theme_id.choices = [(key, wording.theme_label(t)) for key, t in self.themes.items()]

    @property
    def chosen_theme(self):
        return self.themes.get(self.theme_id.data or "")

    def validate_theme_id(self, field):
        if self.chosen_theme is None:
            raise StopValidation(_("Choisissez le sujet de votre message : il dit à quel service il va."))

    def validate_subject(self, field):
        _check_text(field, rules.MAX_SUBJECT, wording.subject_problem_text)

    def validate_body(self, field):
        _check_text(field, rules.MAX_BODY, wording.body_problem_text)


class AssignForm(FlaskForm):
    """Give a conversation to an agent (or to nobody)."""

    agent_id = ChoiceField(_l("Attribuer à"), choices=[])


class ServiceForm(FlaskForm):
    name = StringField(_l("Nom du service"), validators=[
        Filled(_l("Saisissez le nom du service, par exemple « Service scolaire ».")),
        Length(max=120, message=_l("Le nom doit contenir au plus 120 caractères."))])
    email = StringField(_l("Adresse e-mail de l'équipe"), validators=[
        Optional(), Length(max=254, message=_l("L'adresse doit contenir au plus 254 caractères.")),
        Email(message=_l("Saisissez une adresse e-mail valide, par exemple scolaire@ville.fr."))])
    active = BooleanField(_l("Les familles peuvent écrire à ce service"))


class ThemeForm(FlaskForm):
    service_id = ChoiceField(_l("Service"), choices=[])
    label = StringField(_l("Thème"), validators=[
        Filled(_l("Saisissez le thème, par exemple « facturation, quotient, inscription école ».")),
        Length(max=160, message=_l("Le thème doit contenir au plus 160 caractères."))])
    active = BooleanField(_l("Proposé aux familles"))


class TemplateForm(FlaskForm):
    title = StringField(_l("Titre du modèle"), validators=[
        Filled(_l("Saisissez le titre du modèle, par exemple « Attestation de quotient reçue ».")),
        Length(max=120, message=_l("Le titre doit contenir au plus 120 caractères."))])
    body = TextAreaField(_l("Texte de la réponse"), render_kw={"rows": 8}, validators=[
        Filled(_l("Saisissez le texte de la réponse.")),
        Length(max=rules.MAX_BODY, message=_l("Le texte doit contenir au plus 5000 caractères."))])
    service_id = ChoiceField(_l("Service"), choices=[])
    active = BooleanField(_l("Proposé dans les réponses"))

    def validate_service_id(self, field):
        if field.data and not field.data.isdigit():
            raise ValidationError(_("Choisissez une valeur de la liste."))
