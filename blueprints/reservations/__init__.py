"""Reservations, the domain: rules.py (pure rules, `now` passed in), service.py (every write), wording.py (French
sentences), month.py (the month as data for the templates), catalogue.py (the configuration cached per process),
history.py (the audit trail in words). No routes here: the pages are in blueprints/agenda/."""
