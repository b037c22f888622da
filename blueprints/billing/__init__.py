"""Billing (factures): tariffs as data agents edit, the public tariff simulator, monthly billing runs, invoices
(HTML and tagged PDF), credit notes, counter payments and the family account. The domain: rules.py (pure: prices,
QF of a month, invoice lines, numbers), service.py (every write and query: runs, payments, balances), wording.py.
Routes: public.py (simulator), family.py (Mes factures), agents.py (back office, under /gestion/facturation)."""

from flask import Blueprint

bp = Blueprint("billing", __name__)
