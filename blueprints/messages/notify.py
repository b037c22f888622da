"""E-mails of the messagerie: a link only, never the message (it may hold personal data, and e-mail is not the
place for it). The family is told when a service answers; the service's team (its address, if any) when a family
writes. A mail server that is down never undoes the message: the failure is logged."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

import mail
from blueprints.messages.service import Posted


def tell(posted: Posted) -> None:
    """Send what `posted` asks for (after the commit)."""
    from blueprints.notify import mail_family  # here: blueprints.notify imports the reservations package

    conversation = posted.conversation
    if posted.tell_family:
        mail_family(conversation.family_id, _("Nouveau message : %(service)s", service=conversation.service.name),
                    "messages/mail_reply", service=conversation.service.name,
                    link=mail.external_url("messages.conversation", conversation_id=conversation.id))
    if posted.tell_service and conversation.service.email:
        try:
            mail.send(conversation.service.email, _("Nouveau message d'une famille"), "messages/mail_service",
                      link=mail.external_url("backoffice.message_thread", conversation_id=conversation.id))
        except OSError:
            current_app.logger.exception("mail to service %s failed", conversation.service_id)
