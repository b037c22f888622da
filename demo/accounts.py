"""The demo's self-service accounts: a family without an account holds a known dossier key (DEMO_KEY, printed in
the README) so that a visitor can try "Créer mon espace avec ma clé enfance"; a few other families without an
account have had their letter printed (their keys unknown), so "Clés enfance" shows every state; the Martin
family's notification preferences (reminders yes, news no)."""

from __future__ import annotations

import datetime as dt
import random

from blueprints.accounts import rules
from models import DossierKey, Family, NotificationPreference, User

DEMO_KEY = "DEMA-RRER-2345"
LETTERS_PRINTED = 3  # other families without an account whose letter has been printed
DAY = dt.timedelta(days=1)


def add_accounts(families: list[Family], users: dict[str, User], agent_email: str, now: dt.datetime) -> Family | None:
    """Keys for families without a login; returns the family that holds DEMO_KEY (None if every family has one)."""
    from models import db

    rng = random.Random(7)
    with_login = {user.family.id for user in users.values() if user.family is not None}
    without = [f for f in families if f.id not in with_login]
    agent = users[agent_email]
    for number, family in enumerate(without[:1 + LETTERS_PRINTED]):
        key = DEMO_KEY if number == 0 else rules.new_key(rng.choice)
        db.session.add(DossierKey(family_id=family.id, key_hash=rules.key_digest(key), created_by_id=agent.id,
                                  created_at=now - (number + 2) * DAY))
    martin = users.get("famille.martin@example.org")
    if martin is not None:
        db.session.add(NotificationPreference(user_id=martin.id, kind="news", enabled=False))
        db.session.add(NotificationPreference(user_id=martin.id, kind="reminders", enabled=True))
    return without[0] if without else None
