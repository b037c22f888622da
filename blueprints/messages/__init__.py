"""Messagerie (parents): write to a service by theme, follow the thread, attach a document (views.py); the domain:
rules.py, service.py, wording.py, forms.py, notify.py. The agents' inbox is blueprints/backoffice/messages.py."""

from flask import Blueprint

bp = Blueprint("messages", __name__)

from blueprints.messages import views  # noqa: E402,F401  (registers the routes on bp)
