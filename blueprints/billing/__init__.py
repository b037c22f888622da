"""Billing (factures): tariffs as data agents edit, the public tariff simulator, monthly billing runs, invoices
(HTML and tagged PDF), credit notes, counter payments and the family account. The domain: rules.py (pure: prices,
QF of a month, invoice lines, numbers), service.py (writes and queries: tariffs, payments, balances), run.py (the
billing run), wording.py, forms.py, pdf.py. Routes: tariffs.py, runs.py, accounts.py (agents, /gestion/facturation,
agents only), simulator.py (public), family.py (Mes factures, parents only)."""

from functools import wraps

from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("billing", __name__)


def agents_only(view):
    """Login required; agents and administrators only (403 for a parent), as the whole back office."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_agent:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


from blueprints.billing import accounts, commands, family, runs, simulator, tariffs  # noqa: E402,F401  (routes)
