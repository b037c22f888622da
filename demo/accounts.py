"""The demo's self-service accounts: a family without an account holds a known dossier key (DEMO_KEY, printed in
the README) so that a visitor can try "Créer mon espace avec ma clé enfance"; a few other families without an
account have had their letter printed (their keys unknown), so "Clés enfance" shows every state; the Martin
family's notification preferences (reminders yes, news no)."""

from __future__ import annotations

import datetime as dt
import random

from blueprints.accounts import rules
from models import AccountRequest, DossierKey, Family, NotificationPreference, User

DEMO_KEY = "DEMA-RRER-2345"
KEY_FAMILY = "Lefèvre"  # the family (without an account in the demo) whose letter carries DEMO_KEY
LETTERS_PRINTED = 3  # other families without an account whose letter has been printed
DAY = dt.timedelta(days=1)


def add_accounts(families: list[Family], users: dict[str, User], agent_email: str, now: dt.datetime) -> Family | None:
    """Keys for families without a login; returns the family that holds DEMO_KEY (None if every family has one)."""
    from models import db

    rng = random.Random(7)
    with_login = {user.family.id for user in users.values() if user.family is not None}
    without = sorted((f for f in families if f.id not in with_login), key=lambda f: f.name != KEY_FAMILY)
    agent = users[agent_email]
    for number, family in enumerate(without[:1 + LETTERS_PRINTED]):
        key = DEMO_KEY if number == 0 else rules.new_key(rng.choice)
        db.session.add(DossierKey(family_id=family.id, key_hash=rules.key_digest(key), created_by_id=agent.id,
                                  created_at=now - (number + 2) * DAY))
    martin = users.get("famille.martin@example.org")
    if martin is not None:
        db.session.add(NotificationPreference(user_id=martin.id, kind="news", enabled=False))
        db.session.add(NotificationPreference(user_id=martin.id, kind="reminders", enabled=True))
    _add_requests(families, users, agent, rng, now)
    return without[0] if without else None


REQUESTS = (  # (first name, last name, e-mail, children, days ago, status, reason)
    ("Inès", "Benali", "ines.benali@example.net", (("Yanis", "2019-05-12"), ("Sara", "2021-09-30")), 1, "pending", ""),
    ("Thomas", "Gauthier", "thomas.gauthier@example.net", (("Lou", "2020-02-03"),), 3, "pending", ""),
    ("Karim", "Haddad", "karim.haddad@example.net", (("Adam", "2018-11-21"),), 9, "refused",
     "Votre adresse est à Orléans : les services périscolaires sont réservés aux familles de la commune. "
     "Adressez-vous à la mairie d'Orléans."),
)


def _add_requests(families, users, agent, rng, now) -> None:
    """Account requests in every status: two pending, one refused with its reason, one accepted (a demo family
    whose invitation is pending)."""
    from models import db

    for first, last, email, children, days, status, reason in REQUESTS:
        db.session.add(AccountRequest(
            token_hash=rules.key_digest(rules.new_key(rng.choice) + email), status=status, civility="",
            first_name=first, last_name=last, email=email, phone="06 12 34 56 78", address="12 rue des Écoles",
            postcode="45000", city="Démo-sur-Loire" if status != "refused" else "Orléans",
            children=[{"first_name": c, "last_name": last, "birth_date": born} for c, born in children],
            created_at=now - days * DAY, decided_at=now - (days - 1) * DAY if status != "pending" else None,
            decided_by_id=agent.id if status != "pending" else None, reason=reason))
    invited = next((u for u in users.values() if u.family is not None and not u.password_hash), None)
    if invited is not None:
        guardian = invited.person
        db.session.add(AccountRequest(
            token_hash=rules.key_digest(rules.new_key(rng.choice) + "accepted"), status="accepted",
            first_name=guardian.first_name, last_name=guardian.last_name, email=invited.email,
            phone=guardian.phone or "", address=invited.family.address, postcode=invited.family.postcode,
            city=invited.family.city, children=[
                {"first_name": c.first_name, "last_name": c.last_name, "birth_date": c.birth_date.isoformat()}
                for c in invited.family.members if c.role == "child" and c.birth_date],
            created_at=now - 6 * DAY, decided_at=now - 5 * DAY, decided_by_id=agent.id, family_id=invited.family.id))
