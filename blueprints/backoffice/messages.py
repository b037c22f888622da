"""Back office: the messagerie's inbox per service (unread, assigned to me, open, closed), a conversation (mark read,
reply from an answer template, attach a document, assign, close, reopen) and the family's file one click away.
Routes only, over blueprints/messages/service.py; pages and redirects, the same with and without JavaScript."""

from __future__ import annotations

import secrets

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

import clock
from blueprints import edge
from blueprints.backoffice import bp
from blueprints.forms import EmptyForm
from blueprints.htmx import render
from blueprints.messages import notify, rules, service, wording
from blueprints.messages.forms import AssignForm, ReplyForm
from models import AnswerTemplate, Conversation, db


def _conversation_or_404(conversation_id: int) -> Conversation:
    conversation = service.conversation_for_agent(conversation_id)
    if conversation is None:
        abort(404)
    return conversation


@bp.route("/messagerie")
def message_inbox():
    """Messagerie: a service's conversations (every service's by default) in a folder, with each folder's count."""
    services = service.all_services()
    service_id = edge.parse_id(request.args.get("service"))
    chosen = next((s for s in services if s.id == service_id), None)
    folder = rules.folder_of(request.args.get("dossier"))
    sid = chosen.id if chosen else None
    return render("backoffice/messages/inbox.html", services=services, chosen=chosen, folder=folder,
                  conversations=service.inbox(sid, folder, current_user.id),
                  counts=service.folder_counts(sid, current_user.id), unread=service.unread_by_service(),
                  words=wording, rules=rules)


def _assign_form(conversation: Conversation) -> AssignForm:
    form = AssignForm(data={"agent_id": str(conversation.assigned_to_id or "")})
    form.agent_id.choices = [("", _("Personne"))] + [
        (str(a.id), a.display_name or a.email) for a in service.agents()]
    return form


def _template_body(conversation: Conversation) -> str | None:
    """The answer template chosen with ?modele=<id> (the "Utiliser ce modèle" form: no JavaScript needed)."""
    template_id = edge.parse_id(request.args.get("modele"))
    template = db.session.get(AnswerTemplate, template_id) if template_id else None
    if template is None or not template.active or template.service_id not in (None, conversation.service_id):
        return None
    return template.body


@bp.route("/messagerie/<int:conversation_id>", methods=["GET", "POST"])
def message_thread(conversation_id: int):
    """A conversation: its messages (the family's marked read by the service), the reply form (from a template),
    the family's file, assign, close or reopen."""
    conversation = _conversation_or_404(conversation_id)
    form = ReplyForm()
    if form.is_submitted() and (done := service.find_by_token(form.token.data)):
        flash(_("Cette réponse est déjà envoyée."), "info")
        return redirect(url_for(".message_thread", conversation_id=done.conversation_id))
    if form.validate_on_submit():
        return _reply(conversation, form)
    unread_from = conversation.service_read_id
    if service.mark_read(conversation, by_family=False):
        db.session.commit()
    if not form.is_submitted():
        form.token.data = secrets.token_hex(16)
        form.body.data = _template_body(conversation)
    return render("backoffice/messages/thread.html", conversation=conversation, form=form, words=wording,
                  unread_from=unread_from, assign_form=_assign_form(conversation), button=EmptyForm(),
                  templates=service.templates_for(conversation.service_id), rules=rules)


def _reply(conversation: Conversation, form: ReplyForm):
    try:
        posted = service.post(conversation, form.body.data, form.attachment.checked, user=current_user,
                              now=clock.now(), token=form.token.data)
        service.commit(posted)
    except IntegrityError:  # the same form sent twice at once: the other request posted it
        if service.find_by_token(form.token.data) is None:
            raise
        flash(_("Cette réponse est déjà envoyée."), "info")
        return redirect(url_for(".message_thread", conversation_id=conversation.id))
    notify.tell(posted)
    flash(_("Réponse envoyée. La famille reçoit un e-mail avec un lien (sans le message)."), "success")
    return redirect(url_for(".message_thread", conversation_id=conversation.id, _anchor="dernier-message"))


@bp.route("/messagerie/<int:conversation_id>/attribuer", methods=["POST"])
def message_assign(conversation_id: int):
    """Give the conversation to an agent, or to nobody."""
    conversation = _conversation_or_404(conversation_id)
    form = _assign_form(conversation)
    if not form.validate_on_submit():
        flash(_("Choisissez un agent de la liste."), "error")
        return redirect(url_for(".message_thread", conversation_id=conversation.id))
    service.assign(conversation, int(form.agent_id.data) if form.agent_id.data else None)
    db.session.commit()
    flash(_("Conversation attribuée à %(name)s.", name=conversation.assigned_to.display_name
            or conversation.assigned_to.email) if conversation.assigned_to else _("Conversation attribuée à personne."),
          "success")
    return redirect(url_for(".message_thread", conversation_id=conversation.id))


@bp.route("/messagerie/<int:conversation_id>/cloturer", methods=["POST"])
def message_close(conversation_id: int):
    """Clôturer a conversation; a replay changes nothing and says so."""
    return _set_status(conversation_id, "close")


@bp.route("/messagerie/<int:conversation_id>/rouvrir", methods=["POST"])
def message_reopen(conversation_id: int):
    """Rouvrir a closed conversation; a replay changes nothing and says so."""
    return _set_status(conversation_id, "reopen")


def _set_status(conversation_id: int, what: str):
    conversation = _conversation_or_404(conversation_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if service.set_status(conversation, what, current_user.id, clock.now()):
        db.session.commit()
        flash(_("Conversation clôturée.") if what == "close" else _("Conversation rouverte."), "success")
    else:
        flash(_("La conversation est déjà %(status)s : rien n'a changé.",
                status=wording.STATUS[conversation.status].lower()), "info")
    return redirect(url_for(".message_thread", conversation_id=conversation.id))
