"""Back office: the messagerie's data agents edit: services (name, the team's address, open to families or not),
their themes, and the answer templates. Deactivated, never deleted (conversations keep their service and theme)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _

from blueprints.backoffice import bp
from blueprints.htmx import render
from blueprints.messages import service, wording
from blueprints.messages.forms import ServiceForm, TemplateForm, ThemeForm
from models import AnswerTemplate, MessageService, MessageTheme, db


@bp.route("/messagerie/reglages")
def message_settings():
    """Services et thèmes, modèles de réponse."""
    return render("backoffice/messages/settings.html", services=service.all_services(),
                  templates=service.templates_for(None, active_only=False), words=wording)


def _edit_page(form, heading: str, action: str):
    return render("backoffice/messages/edit.html", form=form, heading=heading, action=action)


def _done(sentence: str):
    db.session.commit()
    flash(sentence, "success")
    return redirect(url_for(".message_settings"))


@bp.route("/messagerie/services/nouveau", methods=["GET", "POST"], defaults={"service_id": None})
@bp.route("/messagerie/services/<int:service_id>", methods=["GET", "POST"])
def message_service_edit(service_id: int | None):
    """Ajouter ou modifier un service."""
    row = db.get_or_404(MessageService, service_id) if service_id else None
    form = ServiceForm(obj=row, data=None if row else {"active": True})
    if form.validate_on_submit():
        row = row or MessageService(position=len(service.all_services()))
        row.name, row.email, row.active = form.name.data.strip(), (form.email.data or "").strip(), form.active.data
        service.save(row)
        return _done(_("Service enregistré : %(name)s.", name=row.name))
    heading = _("Modifier le service « %(name)s »", name=row.name) if row else _("Ajouter un service")
    return _edit_page(form, heading, url_for(".message_service_edit", service_id=service_id))


def _service_choices(blank: str | None = None) -> list[tuple[str, str]]:
    choices = [(str(s.id), s.name) for s in service.all_services()]
    return ([("", blank)] if blank else []) + choices


@bp.route("/messagerie/themes/nouveau", methods=["GET", "POST"], defaults={"theme_id": None})
@bp.route("/messagerie/themes/<int:theme_id>", methods=["GET", "POST"])
def message_theme_edit(theme_id: int | None):
    """Ajouter ou modifier un thème (dans un service)."""
    row = db.get_or_404(MessageTheme, theme_id) if theme_id else None
    form = ThemeForm(obj=row, data=None if row else {"active": True})
    form.service_id.choices = _service_choices()
    if row and not form.is_submitted():
        form.service_id.data = str(row.service_id)
    if form.validate_on_submit():
        row = row or MessageTheme(position=99)
        row.service_id, row.label, row.active = int(form.service_id.data), form.label.data.strip(), form.active.data
        service.save(row)
        return _done(_("Thème enregistré : %(label)s.", label=row.label))
    heading = _("Modifier le thème « %(label)s »", label=row.label) if row else _("Ajouter un thème")
    return _edit_page(form, heading, url_for(".message_theme_edit", theme_id=theme_id))


@bp.route("/messagerie/modeles/nouveau", methods=["GET", "POST"], defaults={"template_id": None})
@bp.route("/messagerie/modeles/<int:template_id>", methods=["GET", "POST"])
def message_template_edit(template_id: int | None):
    """Ajouter ou modifier un modèle de réponse (pour un service ou pour tous)."""
    row = db.get_or_404(AnswerTemplate, template_id) if template_id else None
    form = TemplateForm(obj=row, data=None if row else {"active": True})
    form.service_id.choices = _service_choices(_("Tous les services"))
    if row and not form.is_submitted():
        form.service_id.data = str(row.service_id or "")
    if form.validate_on_submit():
        row = row or AnswerTemplate(position=99)
        row.title, row.body, row.active = form.title.data.strip(), form.body.data.strip(), form.active.data
        row.service_id = int(form.service_id.data) if form.service_id.data else None
        service.save(row)
        return _done(_("Modèle enregistré : %(title)s.", title=row.title))
    heading = _("Modifier le modèle « %(title)s »", title=row.title) if row else _("Ajouter un modèle de réponse")
    return _edit_page(form, heading, url_for(".message_template_edit", template_id=template_id))
