"""Online payment of invoices (PayFiP through eopayment), direct debit and the family's payment documents.

views.py: the family's "Payer en ligne", the bank's return and server-to-server notification; gateway.py: the bank
behind one interface (PayFiP or the demo's fake bank, fakebank.py, a blueprint of its own registered only in demo
mode and tests); rules.py, service.py, wording.py for the domain."""

from flask import Blueprint

bp = Blueprint("payments", __name__)

from blueprints.payments import documents, views  # noqa: E402,F401  (registers the routes on bp)
