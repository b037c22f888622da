"""Billing (factures): tariffs as data agents edit, the public tariff simulator, monthly billing runs, invoices
(HTML and tagged PDF), credit notes, counter payments and the family account. The domain: rules.py (pure: prices,
QF of a month, invoice lines, numbers), service.py (writes and queries: tariffs, payments, balances), run.py (the
billing run), wording.py, forms.py, pdf.py, dunning_rules.py and dunning_service.py (relances of late invoices).
Routes: tariffs.py, runs.py, accounts.py, dunning_views.py (agents, /gestion/facturation, agents only),
simulator.py (public), family.py (Mes factures, parents only)."""

from functools import wraps

from flask import Blueprint

from blueprints.access import require_agent_role

bp = Blueprint("billing", __name__)


def agents_only(view):
    """The agents' guard of the back office (login, two-factor where required, the roles of blueprints/roles.py)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        refused = require_agent_role()
        if refused is not None:
            return refused
        return view(*args, **kwargs)

    return wrapper


from blueprints.billing import accounts, commands, dunning_views, family, runs, simulator, tariffs  # noqa: E402,F401
