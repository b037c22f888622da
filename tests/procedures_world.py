"""Shared pieces of the démarches tests: the commune's démarches, and walking a family through one with the test
client (start, each step, recap) as a browser would."""

from __future__ import annotations

import datetime as dt
import re

from support import csrf_from

from blueprints.procedures import service, wording
from blueprints.procedures.kinds import KINDS
from models import db


def offer(kind: str, **changes):
    """Offer the registry's démarche `kind` (its defaults, then `changes`), committed."""
    row = service.create_type(kind, wording.title(kind), str(wording.DESCRIPTIONS[kind]), "2026-2027")
    for name, value in changes.items():
        setattr(row, name, value)
    db.session.commit()
    return row


def offer_all():
    return {kind: offer(kind) for kind in KINDS}


def start(client, kind_type, pour=None):
    """Open the start page and press "Commencer"; returns the response of the redirect's target (first step)."""
    page = client.get(f"/demarches/{kind_type.code}" + (f"?pour={pour}" if pour else ""))
    data = {"csrf_token": csrf_from(page.text)}
    if pour is not None:
        data["pour"] = pour
    return client.post(f"/demarches/{kind_type.code}", data=data)


def request_id_from(location: str) -> int:
    return int(re.search(r"/demandes/(\d+)", location).group(1))


def post_step(client, request_id: int, step: str, data: dict, **kwargs):
    page = client.get(f"/demandes/{request_id}/etapes/{step}")
    return client.post(f"/demandes/{request_id}/etapes/{step}", data={"csrf_token": csrf_from(page.text), **data},
                       **kwargs)


def submit(client, request_id: int, attest=True):
    page = client.get(f"/demandes/{request_id}/recapitulatif")
    data = {"csrf_token": csrf_from(page.text)}
    if attest:
        data["attest"] = "y"
    return client.post(f"/demandes/{request_id}/recapitulatif", data=data)


NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)  # Monday 23 November 2026, 10:00 in Paris


def logout(client):
    """Forget the logged-in user (a new visitor on the same client)."""
    client._cookies.clear()


def address_request(client, kind_type, address="3 rue des Lilas", postcode="49000", city="Angers",
                    phone="0612345678"):
    """A coordonnées démarche filled in (not sent): its request id."""
    rid = request_id_from(start(client, kind_type).location)
    answer = post_step(client, rid, "adresse", {"address": address, "postcode": postcode, "city": city})
    assert answer.status_code == 302
    assert post_step(client, rid, "telephones", {"phone": phone}).status_code == 302
    return rid
