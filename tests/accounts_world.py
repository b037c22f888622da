"""Helpers of the accounts tests: a family without any login, its dossier key, the registration steps."""

from __future__ import annotations

import uuid

from support import csrf_from

from blueprints.accounts import service
from models import Family, Person, db


def keyless_family(name="Lefèvre", first="Zoé", email=None) -> Family:
    """A family file with one guardian and one child, and no login."""
    family = Family(dossier_number=f"D-2026-{uuid.uuid4().hex[:4].upper()}", name=name, address="2 rue des Écoles",
                    postcode="45000", city="Démo-sur-Loire")
    family.members = [Person(role="guardian", first_name=first, last_name=name, email=email or ""),
                      Person(role="child", first_name="Noé", last_name=name)]
    db.session.add(family)
    db.session.commit()
    return family


def give_key(family: Family, now, actor_id=None) -> str:
    key = service.issue_keys([family.id], now, actor_id=actor_id)[family.id]
    db.session.commit()
    return key


def post_step(client, url: str, data: dict, **kwargs):
    page = client.get(url)
    return client.post(url, data={**data, "csrf_token": csrf_from(page.text)}, **kwargs)


def register(client, family: Family, key: str, *, email="zoe.lefevre@example.org", first="Zoé", last="Lefèvre"):
    """Go through the four steps; returns the answer of "Valider mon inscription"."""
    assert post_step(client, "/inscription", {"first_name": first, "last_name": last, "email": email}
                     ).status_code == 302
    answer = post_step(client, "/inscription/dossier", {"dossier_number": family.dossier_number, "key": key})
    assert answer.status_code == 302, answer.text
    assert post_step(client, "/inscription/conditions", {"accepted": "y"}).status_code == 302
    return post_step(client, "/inscription/recapitulatif", {})
