"""Demo data for payments: the Bernard family pays by direct debit (an active mandate signed at the start of the
school year, from an accepted "prélèvement automatique"); the Martin family pays online with the demo's fake bank
(PAYMENT_BACKEND=fake, "Banque fictive"), so each way of paying can be tried. Flush only."""

from __future__ import annotations

import datetime as dt

from models import Family, User


def add_payments(families: list[Family], users: dict[str, User], agent_email: str, now: dt.datetime,
                 year_start: dt.date) -> None:
    from blueprints.payments import debits

    bernard = next(f for f in families if f.name == "Bernard")
    signed_on = min(year_start, now.date())
    debits.create_mandate(bernard, "Isabelle Bernard", "FR14 2004 1010 0505 0001 3M02 606", "", signed_on, now,
                          actor_id=users[agent_email].id if agent_email in users else None)
