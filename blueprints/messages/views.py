"""Messagerie (family pages): the family's conversations, writing to a service by theme, a conversation's thread
with the reply form. Pages and redirects only: the same with and without JavaScript.

Every look-up is scoped to the logged-in family (another family's conversation: 404, as a missing one). Opening a
conversation marks the service's messages read. A form sent twice posts one message (its one-time number)."""

from __future__ import annotations

import secrets

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

import clock
from blueprints.access import parents_only
from blueprints.htmx import render
from blueprints.messages import bp, notify, rules, service, wording
from blueprints.messages.forms import ReplyForm, StartForm
from models import Conversation, db


@bp.app_context_processor
def unread_messages():
    """`messages_unread` for the navigation: the logged-in family's conversations with an unread answer."""
    def count() -> int:  # read once per request, only by pages that show it (never by an htmx fragment)
        if not current_user.is_authenticated or current_user.is_agent or current_user.family_id is None:
            return 0
        if "messages_unread" not in g:
            g.messages_unread = service.family_unread_count(current_user.family_id)
        return g.messages_unread
    def agents_count() -> int:
        return service.unread_for_agents() if current_user.is_authenticated and current_user.is_agent else 0
    return {"messages_unread": count, "messages_unread_agents": agents_count}


def get_conversation_or_404(conversation_id: int) -> Conversation:
    conversation = service.family_conversation(current_user.family_id, conversation_id)
    if conversation is None:
        abort(404)
    return conversation


@bp.route("/messagerie")
@parents_only
def index():
    """Messagerie: the family's conversations, the most recent first, unread ones said so."""
    conversations = service.family_conversations(current_user.family_id)
    return render("messages/index.html", conversations=conversations, words=wording, rules=rules,
                  unread=sum(1 for c in conversations
                             if rules.is_unread(c.last_service_message_id, c.family_read_id)))


@bp.route("/messagerie/ecrire", methods=["GET", "POST"])
@parents_only
def start():
    """Écrire à un service: theme, subject, message, an attachment checked by content. Nothing is saved until
    everything is right; a form sent twice posts once."""
    themes = service.active_themes()
    form = StartForm(themes=themes)
    if form.is_submitted() and (done := service.find_by_token(form.token.data)):
        return _already_posted(done)
    if not form.is_submitted():
        form.token.data = secrets.token_hex(16)
        form.theme_id.data = None
    if not form.validate_on_submit():
        return render("messages/start.html", form=form, themes=themes, words=wording)
    return _post(lambda: service.start(
        current_user.family_id, form.chosen_theme, form.subject.data, form.body.data, form.attachment.checked,
        user=current_user, now=clock.now(), token=form.token.data), form.token.data,
        _("Message envoyé à : %(service)s. Vous recevrez un e-mail quand le service vous répondra.",
          service=form.chosen_theme.service.name))


def _post(write, token: str, sentence: str):
    """Post (`write()`) and commit; the same form sent twice at once: the other request's message is shown."""
    try:
        posted = write()
        service.commit(posted)
    except IntegrityError:
        done = service.find_by_token(token)
        if done is None:
            raise
        return _already_posted(done)
    notify.tell(posted)
    flash(sentence, "success")
    return redirect(url_for(".conversation", conversation_id=posted.conversation.id, _anchor="dernier-message"))


def _already_posted(message):
    if message.conversation.family_id != current_user.family_id:  # another family's number: as unknown
        abort(404)
    flash(_("Ce message est déjà envoyé : le voici."), "info")
    return redirect(url_for(".conversation", conversation_id=message.conversation_id, _anchor="dernier-message"))


@bp.route("/messagerie/<int:conversation_id>", methods=["GET", "POST"])
@parents_only
def conversation(conversation_id: int):
    """A conversation: its messages (the service's marked read), and the reply form."""
    conversation = get_conversation_or_404(conversation_id)
    form = ReplyForm()
    if form.is_submitted() and (done := service.find_by_token(form.token.data)):
        return _already_posted(done)
    if form.validate_on_submit():
        return _post(lambda: service.post(conversation, form.body.data, form.attachment.checked, user=current_user,
                                          now=clock.now(), token=form.token.data), form.token.data,
                     _("Message envoyé à : %(service)s.", service=conversation.service.name))
    unread_from = conversation.family_read_id
    if service.mark_read(conversation, by_family=True):
        db.session.commit()
    if not form.is_submitted():
        form.token.data = secrets.token_hex(16)
    return render("messages/conversation.html", conversation=conversation, form=form, words=wording,
                  unread_from=unread_from)
