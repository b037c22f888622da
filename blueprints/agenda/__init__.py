"""The agenda per child (parents): the week and month pages, the htmx toggle, the no-JS save (views.py), bulk booking
"Réserver les mêmes créneaux chaque semaine" (bulk.py), and page.py, the agenda page shared with the agents' agenda
(blueprints/backoffice/agenda.py). The rules and writes they rest on are the reservations domain
(blueprints/reservations/: rules.py, service.py, wording.py, month.py).

The blueprint keeps the name "reservations" (its endpoints, `reservations.week` and so on, predate this package)."""

from flask import Blueprint

from blueprints.access import require_parent

bp = Blueprint("reservations", __name__)
bp.before_request(require_parent)

from blueprints.agenda import bulk, views  # noqa: E402,F401  (registers the routes on bp)
